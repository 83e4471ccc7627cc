/* pipe(): basics every UNIX program relies on — a byte stream from the write end to the
 * read end, reads that return what is there, EOF once every writer (in every process) is
 * gone, EPIPE and SIGPIPE without a reader, PIPE_BUF atomicity with several writer
 * processes, O_NONBLOCK (EAGAIN, partial writes, 64 KiB capacity), EBADF for the wrong
 * end or a closed fd. */
#define _GNU_SOURCE /* pipe2 in glibc */
#include "posix_util.h"

#include <errno.h>
#include <limits.h> /* PIPE_BUF */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void make_pipe(int fds[2]) {
  fds[0] = fds[1] = -1;
  assert_int_equal(pipe(fds), 0);
  assert_true(fds[0] >= 0);
  assert_true(fds[1] >= 0);
  assert_int_not_equal(fds[0], fds[1]);
}

/* Reads exactly n bytes (several reads allowed) or fails the test. */
static void read_exactly(int fd, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    assert_true(r > 0);
    got += (size_t)r;
  }
}

static void pipe_write_then_read(void **state) {
  (void)state;
  int fds[2];
  char buf[32] = {0};
  make_pipe(fds);
  assert_int_equal(write(fds[1], "hello, pipe", 11), 11);
  assert_int_equal(read(fds[0], buf, sizeof buf), 11);
  assert_memory_equal(buf, "hello, pipe", 11);
  assert_int_equal(close(fds[0]), 0);
  assert_int_equal(close(fds[1]), 0);
}

static void pipe_read_returns_what_is_there(void **state) {
  (void)state;
  int fds[2];
  char buf[64];
  make_pipe(fds);
  assert_int_equal(write(fds[1], "0123456789", 10), 10);
  assert_int_equal(read(fds[0], buf, 4), 4);
  assert_memory_equal(buf, "0123", 4);
  /* Asking for more than is buffered returns the rest without waiting for more. */
  assert_int_equal(read(fds[0], buf, sizeof buf), 6);
  assert_memory_equal(buf, "456789", 6);
  close(fds[0]);
  close(fds[1]);
}

static void pipe_is_a_byte_stream_in_order(void **state) {
  (void)state;
  int fds[2];
  char buf[8];
  make_pipe(fds);
  assert_int_equal(write(fds[1], "ab", 2), 2);
  assert_int_equal(write(fds[1], "cd", 2), 2);
  assert_int_equal(write(fds[1], "ef", 2), 2);
  read_exactly(fds[0], buf, 6);
  assert_memory_equal(buf, "abcdef", 6);
  close(fds[0]);
  close(fds[1]);
}

static void pipe_eof_after_writer_closes(void **state) {
  (void)state;
  int fds[2];
  char buf[16];
  make_pipe(fds);
  assert_int_equal(write(fds[1], "end", 3), 3);
  assert_int_equal(close(fds[1]), 0);
  /* Buffered data first, then EOF (0), and EOF again on every later read. */
  assert_int_equal(read(fds[0], buf, sizeof buf), 3);
  assert_memory_equal(buf, "end", 3);
  assert_int_equal(read(fds[0], buf, sizeof buf), 0);
  assert_int_equal(read(fds[0], buf, sizeof buf), 0);
  assert_int_equal(close(fds[0]), 0);
}

static void pipe_zero_length_io(void **state) {
  (void)state;
  int fds[2];
  char buf[4];
  make_pipe(fds);
  assert_int_equal(write(fds[1], "", 0), 0);
  assert_int_equal(write(fds[1], "z", 1), 1);
  assert_int_equal(read(fds[0], buf, 0), 0);
  assert_int_equal(read(fds[0], buf, sizeof buf), 1);
  assert_int_equal(buf[0], 'z');
  close(fds[0]);
  close(fds[1]);
}

static void pipe_wrong_end_is_ebadf(void **state) {
  (void)state;
  int fds[2];
  char c = 'x';
  make_pipe(fds);
  errno = 0;
  assert_int_equal(write(fds[0], &c, 1), -1);
  assert_int_equal(errno, EBADF);
  errno = 0;
  assert_int_equal(read(fds[1], &c, 1), -1);
  assert_int_equal(errno, EBADF);
  close(fds[0]);
  close(fds[1]);
}

static void closed_fd_is_ebadf(void **state) {
  (void)state;
  int fds[2];
  char c = 'x';
  make_pipe(fds);
  assert_int_equal(close(fds[0]), 0);
  assert_int_equal(close(fds[1]), 0);
  errno = 0;
  assert_int_equal(read(fds[0], &c, 1), -1);
  assert_int_equal(errno, EBADF);
  errno = 0;
  assert_int_equal(write(fds[1], &c, 1), -1);
  assert_int_equal(errno, EBADF);
  errno = 0;
  assert_int_equal(close(fds[0]), -1);
  assert_int_equal(errno, EBADF);
  errno = 0;
  assert_int_equal(close(-1), -1);
  assert_int_equal(errno, EBADF);
}

static void pipe_many_pairs_lowest_fd_first(void **state) {
  (void)state;
  int a[2], b[2], c[2];
  make_pipe(a);
  make_pipe(b);
  /* POSIX: new fds are the lowest free. Closing a's fds makes them the next ones used. */
  int lowest = a[0] < a[1] ? a[0] : a[1];
  close(a[0]);
  close(a[1]);
  make_pipe(c);
  assert_int_equal(c[0] < c[1] ? c[0] : c[1], lowest);
  close(b[0]);
  close(b[1]);
  close(c[0]);
  close(c[1]);
}


/* ---- several processes ---------------------------------------------------------------- */

/* Role: waits for one byte on fd 0, then writes argv[0] to fd 1 and exits. */
static int role_hold_then_write(int argc, char **argv) {
  char c;
  if (argc < 1 || read(0, &c, 1) != 1)
    return 2;
  return write(1, argv[0], strlen(argv[0])) == (ssize_t)strlen(argv[0]) ? 0 : 3;
}

/* Role: writes to a pipe whose read end is closed. Exit 0: write failed with EPIPE (SIGPIPE
 * ignored or handled); killed by SIGPIPE otherwise. */
static int role_write_to_closed(int argc, char **argv) {
  int fds[2];
  (void)argc;
  (void)argv;
  if (pipe(fds) != 0)
    return 5;
  close(fds[0]);
  if (write(fds[1], "x", 1) != -1)
    return 3;
  return errno == EPIPE ? 0 : 4;
}

/* Role: writes argv[1] messages of PIPE_BUF bytes of the letter argv[0] to fd 1. */
static int role_block_writer(int argc, char **argv) {
  static char block[PIPE_BUF];
  int i, n;
  if (argc < 2)
    return 2;
  memset(block, argv[0][0], sizeof block);
  n = atoi(argv[1]);
  for (i = 0; i < n; ++i)
    if (write(1, block, sizeof block) != (ssize_t)sizeof block)
      return 3;
  return 0;
}

/* Child whose fd 0 is `in` and fd 1 is `out`; nothing else of ours. */
static pid_t spawn_with_stdio(const char *role, int in, int out, const int *close_fds,
                              int nclose, const char *a1, const char *a2) {
  posix_spawn_file_actions_t fa;
  int i;
  pid_t pid;
  assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
  if (in >= 0)
    assert_int_equal(posix_spawn_file_actions_adddup2(&fa, in, 0), 0);
  if (out >= 0)
    assert_int_equal(posix_spawn_file_actions_adddup2(&fa, out, 1), 0);
  for (i = 0; i < nclose; ++i)
    assert_int_equal(posix_spawn_file_actions_addclose(&fa, close_fds[i]), 0);
  pid = conf_spawn_role(&fa, role, a1, a2, NULL);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

static void pipe_eof_only_after_every_writer_process(void **state) {
  int data[2], go_a[2], go_b[2];
  char buf[64];
  ssize_t r;
  pid_t a, b;
  (void)state;
  make_pipe(data);
  make_pipe(go_a);
  make_pipe(go_b);
  {
    int closes[] = {data[0], data[1], go_a[0], go_a[1], go_b[0], go_b[1]};
    a = spawn_with_stdio("hold_then_write", go_a[0], data[1], closes, 6, "from-a", NULL);
    b = spawn_with_stdio("hold_then_write", go_b[0], data[1], closes, 6, "from-b", NULL);
  }
  close(go_a[0]);
  close(go_b[0]);
  assert_int_equal(close(data[1]), 0); /* ours is gone; the children still hold theirs */
  errno = 0;
  r = conf_read_some(data[0], buf, sizeof buf, 50);
  assert_int_equal(r, -1); /* not EOF: two write ends are open in other processes */
  assert_true(conf_is_eagain(errno));

  assert_int_equal(write(go_a[1], "g", 1), 1);
  assert_int_equal(conf_wait_exit_code(a, "writer a"), 0);
  r = conf_read_some(data[0], buf, sizeof buf, CONF_WAIT_MS);
  assert_int_equal(r, 6);
  assert_memory_equal(buf, "from-a", 6);
  errno = 0;
  r = conf_read_some(data[0], buf, sizeof buf, 50);
  assert_int_equal(r, -1); /* writer b still holds its end */
  assert_true(conf_is_eagain(errno));

  assert_int_equal(write(go_b[1], "g", 1), 1);
  assert_int_equal(conf_wait_exit_code(b, "writer b"), 0);
  r = (ssize_t)conf_read_to_eof(data[0], buf, sizeof buf, "data pipe");
  assert_int_equal(r, 6);
  assert_memory_equal(buf, "from-b", 6);
  assert_int_equal(read(data[0], buf, sizeof buf), 0);
  close(data[0]);
  close(go_a[1]);
  close(go_b[1]);
}

static void pipe_write_without_reader_sigpipe_kills(void **state) {
  int status;
  pid_t pid;
  (void)state;
  pid = conf_spawn_role(NULL, "write_to_closed", NULL, NULL, NULL);
  status = conf_wait_status(pid, "write_to_closed child");
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGPIPE);
}

static void pipe_write_without_reader_ignored_is_epipe(void **state) {
  int fds[2];
  (void)state;
  assert_true(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
  make_pipe(fds);
  assert_int_equal(close(fds[0]), 0);
  errno = 0;
  assert_int_equal(write(fds[1], "x", 1), -1);
  assert_int_equal(errno, EPIPE);
  close(fds[1]);
  /* An ignored SIGPIPE stays ignored in a spawned child (as across exec). */
  {
    pid_t pid = conf_spawn_role(NULL, "write_to_closed", NULL, NULL, NULL);
    assert_int_equal(conf_wait_exit_code(pid, "write_to_closed child"), 0);
  }
  signal(SIGPIPE, SIG_DFL);
}

static volatile sig_atomic_t g_sigpipe_seen;
static void on_sigpipe(int sig) { g_sigpipe_seen = sig; }

static void pipe_write_without_reader_handler_runs(void **state) {
  int fds[2];
  struct sigaction sa, old;
  (void)state;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigpipe;
  sigemptyset(&sa.sa_mask);
  assert_int_equal(sigaction(SIGPIPE, &sa, &old), 0);
  g_sigpipe_seen = 0;
  make_pipe(fds);
  close(fds[0]);
  errno = 0;
  assert_int_equal(write(fds[1], "x", 1), -1);
  assert_int_equal(errno, EPIPE);
  assert_int_equal(g_sigpipe_seen, SIGPIPE);
  close(fds[1]);
  /* A caught signal is back at its default in a spawned child (as across exec). */
  {
    pid_t pid = conf_spawn_role(NULL, "write_to_closed", NULL, NULL, NULL);
    int status = conf_wait_status(pid, "write_to_closed child");
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGPIPE);
  }
  assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);
}

static void pipe_buf_writes_atomic_with_four_writer_processes(void **state) {
  enum { WRITERS = 4, EACH = 48 };
  static char all[WRITERS * EACH * PIPE_BUF + 1];
  int fds[2], i, counts[WRITERS] = {0};
  pid_t pids[WRITERS];
  size_t got, off;
  (void)state;
  make_pipe(fds);
  for (i = 0; i < WRITERS; ++i) {
    char letter[2] = {(char)('A' + i), 0};
    int closes[] = {fds[0], fds[1]};
    pids[i] = spawn_with_stdio("block_writer", -1, fds[1], closes, 2, letter, "48");
  }
  close(fds[1]);
  got = conf_read_to_eof(fds[0], all, sizeof all, "pipe of 4 writers");
  assert_int_equal(got, WRITERS * EACH * PIPE_BUF);
  /* Every PIPE_BUF block is one writer's: writes of PIPE_BUF bytes are never interleaved. */
  for (off = 0; off < got; off += PIPE_BUF) {
    size_t k;
    char c = all[off];
    assert_true(c >= 'A' && c < 'A' + WRITERS);
    for (k = 1; k < PIPE_BUF; ++k)
      if (all[off + k] != c)
        fail_msg("block at %u mixes '%c' and '%c' at +%u", (unsigned)off, c, all[off + k],
                 (unsigned)k);
    counts[c - 'A']++;
  }
  for (i = 0; i < WRITERS; ++i) {
    assert_int_equal(counts[i], EACH);
    assert_int_equal(conf_wait_exit_code(pids[i], "block writer"), 0);
  }
  close(fds[0]);
}

/* ---- O_NONBLOCK ------------------------------------------------------------------------ */

static void pipe_nonblock_read_empty_is_eagain(void **state) {
  int fds[2];
  char c;
  (void)state;
  assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
  assert_true(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
  assert_true(fcntl(fds[1], F_GETFL) & O_NONBLOCK);
  errno = 0;
  assert_int_equal(read(fds[0], &c, 1), -1);
  assert_true(conf_is_eagain(errno));
  assert_int_equal(write(fds[1], "q", 1), 1);
  assert_int_equal(read(fds[0], &c, 1), 1);
  assert_int_equal(c, 'q');
  /* EOF is still EOF, not EAGAIN. */
  close(fds[1]);
  assert_int_equal(read(fds[0], &c, 1), 0);
  close(fds[0]);
}

static void pipe_nonblock_fill_capacity_then_eagain(void **state) {
  static char block[PIPE_BUF];
  int fds[2];
  size_t total = 0;
  ssize_t r;
  (void)state;
  assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
  memset(block, 'f', sizeof block);
  for (;;) {
    r = write(fds[1], block, sizeof block);
    if (r < 0)
      break;
    assert_int_equal(r, PIPE_BUF); /* PIPE_BUF bytes go in whole or not at all */
    total += (size_t)r;
    assert_true(total <= 16u * 1024 * 1024);
  }
  assert_true(conf_is_eagain(errno));
  assert_true(total >= 65536); /* Linux's capacity; ported programs count on it */
  errno = 0;
  assert_int_equal(write(fds[1], "z", 1), -1);
  assert_true(conf_is_eagain(errno));
  /* Reading makes room again. */
  {
    static char sink[PIPE_BUF];
    size_t drained = 0;
    while (drained < total) {
      r = read(fds[0], sink, sizeof sink);
      assert_true(r > 0);
      drained += (size_t)r;
    }
    errno = 0;
    assert_int_equal(read(fds[0], sink, 1), -1);
    assert_true(conf_is_eagain(errno));
  }
  assert_int_equal(write(fds[1], "z", 1), 1);
  close(fds[0]);
  close(fds[1]);
}

static void pipe_nonblock_large_write_is_partial(void **state) {
  enum { BIG = 200000 };
  static char big[BIG], back[BIG];
  int fds[2];
  ssize_t r;
  size_t got = 0;
  size_t i;
  (void)state;
  for (i = 0; i < BIG; ++i)
    big[i] = (char)(i * 7);
  assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
  r = write(fds[1], big, BIG);
  assert_true(r >= 65536); /* at least the capacity goes in ... */
  assert_true(r < BIG);    /* ... and the rest is left: a partial write, not EAGAIN */
  while (got < (size_t)r) {
    ssize_t n = read(fds[0], back + got, (size_t)r - got);
    assert_true(n > 0);
    got += (size_t)n;
  }
  assert_memory_equal(back, big, (size_t)r);
  close(fds[0]);
  close(fds[1]);
}

static void pipe_fcntl_sets_and_clears_nonblock(void **state) {
  int fds[2];
  char c;
  (void)state;
  make_pipe(fds);
  assert_int_equal(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
  assert_int_equal(fcntl(fds[0], F_GETFL) & O_ACCMODE, O_RDONLY);
  assert_int_equal(fcntl(fds[1], F_GETFL) & O_ACCMODE, O_WRONLY);
  assert_int_equal(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0);
  assert_true(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
  errno = 0;
  assert_int_equal(read(fds[0], &c, 1), -1);
  assert_true(conf_is_eagain(errno));
  assert_int_equal(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) & ~O_NONBLOCK), 0);
  assert_int_equal(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
  assert_int_equal(write(fds[1], "b", 1), 1);
  assert_int_equal(read(fds[0], &c, 1), 1); /* blocking again, and data is there */
  close(fds[0]);
  close(fds[1]);
}

static void pipe2_flags(void **state) {
  int fds[2];
  (void)state;
  assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
  assert_int_equal(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  assert_int_equal(fcntl(fds[1], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  assert_int_equal(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
  close(fds[0]);
  close(fds[1]);
  make_pipe(fds);
  assert_int_equal(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, 0);
  close(fds[0]);
  close(fds[1]);
  errno = 0;
  assert_int_equal(pipe2(fds, 0x40000000), -1);
  assert_int_equal(errno, EINVAL);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(pipe_write_then_read),
    cmocka_unit_test(pipe_read_returns_what_is_there),
    cmocka_unit_test(pipe_is_a_byte_stream_in_order),
    cmocka_unit_test(pipe_eof_after_writer_closes),
    cmocka_unit_test(pipe_zero_length_io),
    cmocka_unit_test(pipe_wrong_end_is_ebadf),
    cmocka_unit_test(closed_fd_is_ebadf),
    cmocka_unit_test(pipe_many_pairs_lowest_fd_first),
    cmocka_unit_test(pipe_eof_only_after_every_writer_process),
    cmocka_unit_test(pipe_write_without_reader_sigpipe_kills),
    cmocka_unit_test(pipe_write_without_reader_ignored_is_epipe),
    cmocka_unit_test(pipe_write_without_reader_handler_runs),
    cmocka_unit_test(pipe_buf_writes_atomic_with_four_writer_processes),
    cmocka_unit_test(pipe_nonblock_read_empty_is_eagain),
    cmocka_unit_test(pipe_nonblock_fill_capacity_then_eagain),
    cmocka_unit_test(pipe_nonblock_large_write_is_partial),
    cmocka_unit_test(pipe_fcntl_sets_and_clears_nonblock),
    cmocka_unit_test(pipe2_flags),
};

static const struct conf_role roles[] = {
    {"hold_then_write", role_hold_then_write},
    {"write_to_closed", role_write_to_closed},
    {"block_writer", role_block_writer},
};

CONF_MAIN_WITH_ROLES(tests, roles)
