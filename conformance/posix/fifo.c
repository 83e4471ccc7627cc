/* FIFOs (named pipes): mkfifo/mknod make a directory entry that stat/lstat report as
 * S_IFIFO with its mode; open() rendezvous (O_RDONLY waits for a writer, O_WRONLY for a
 * reader, O_NONBLOCK and O_RDWR rules); reads, EOF and EPIPE as for pipes; PIPE_BUF
 * atomicity with several writer processes; unlink and rename while open; unrelated
 * processes, fds handed to children, dup2 and fcntl; killed writers and readers; the
 * well-known-FIFO request/reply server with 8 clients; the example server and client. */
#define _GNU_SOURCE
#include "posix_util.h"

#include <errno.h>
#include <limits.h> /* PIPE_BUF */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh path in the current directory for this process's n-th FIFO. */
static const char *tmp_path(char *buf, size_t cap, const char *what) {
  static int serial;
  snprintf(buf, cap, "fifo-%s-%d-%d", what, (int)getpid(), serial++);
  unlink(buf);
  return buf;
}

static void make_fifo(const char *path) {
  if (mkfifo(path, 0600) != 0)
    fail_msg("mkfifo(%s): %s", path, strerror(errno));
}

static int open_or_fail(const char *path, int flags) {
  int fd = open(path, flags);
  if (fd < 0)
    fail_msg("open(%s, 0x%x): %s", path, (unsigned)flags, strerror(errno));
  return fd;
}

/* The read end without waiting for a writer, then blocking like a plain O_RDONLY open. */
static int open_reader(const char *path) {
  int fd = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  assert_int_equal(fcntl(fd, F_SETFL, 0), 0);
  return fd;
}

/* Reads exactly n bytes within the bound, or fails saying what was missing. */
static void read_exactly(int fd, char *buf, size_t n, const char *what) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = conf_read_some(fd, buf + got, n - got, CONF_WAIT_MS);
    if (r == 0)
      fail_msg("%s: EOF after %u of %u bytes", what, (unsigned)got, (unsigned)n);
    if (r < 0)
      fail_msg("%s: %s after %u of %u bytes", what, strerror(errno), (unsigned)got,
               (unsigned)n);
    got += (size_t)r;
  }
}

static void write_all(int fd, const void *buf, size_t n) {
  assert_int_equal(write(fd, buf, n), (ssize_t)n);
}

/* ---- the directory entry ---------------------------------------------------------------- */

static void mkfifo_makes_a_fifo_that_stat_reports(void **state) {
  char path[64];
  struct stat st = {0};
  (void)state;
  umask(022);
  tmp_path(path, sizeof path, "stat");
  assert_int_equal(mkfifo(path, 0640), 0);
  assert_int_equal(stat(path, &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0640);
  assert_int_equal(lstat(path, &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0640);
  assert_int_equal(unlink(path), 0);
  errno = 0;
  assert_int_equal(stat(path, &st), -1);
  assert_int_equal(errno, ENOENT);
}

static void mkfifo_applies_umask(void **state) {
  char path[64];
  struct stat st = {0};
  (void)state;
  umask(027);
  tmp_path(path, sizeof path, "umask");
  assert_int_equal(mkfifo(path, 0666), 0);
  assert_int_equal(stat(path, &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0640);
  umask(022);
  unlink(path);
}

static void mknod_with_s_ififo_makes_a_fifo(void **state) {
  char path[64];
  struct stat st = {0};
  (void)state;
  umask(022);
  tmp_path(path, sizeof path, "mknod");
  assert_int_equal(mknod(path, S_IFIFO | 0600, 0), 0);
  assert_int_equal(stat(path, &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0600);
  unlink(path);
}

static void mkfifo_errors(void **state) {
  char path[64], file[64], below[160];
  int fd;
  (void)state;
  tmp_path(path, sizeof path, "dup");
  make_fifo(path);
  errno = 0;
  assert_int_equal(mkfifo(path, 0600), -1); /* over a FIFO */
  assert_int_equal(errno, EEXIST);
  tmp_path(file, sizeof file, "file");
  fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
  assert_true(fd >= 0);
  close(fd);
  errno = 0;
  assert_int_equal(mkfifo(file, 0600), -1); /* over a regular file */
  assert_int_equal(errno, EEXIST);
  errno = 0;
  assert_int_equal(mkfifo(".", 0600), -1); /* over a directory */
  assert_int_equal(errno, EEXIST);
  snprintf(below, sizeof below, "%s-missing-dir/fifo", path);
  errno = 0;
  assert_int_equal(mkfifo(below, 0600), -1);
  assert_int_equal(errno, ENOENT);
  snprintf(below, sizeof below, "%s/fifo", file); /* a regular file as a directory */
  errno = 0;
  assert_int_equal(mkfifo(below, 0600), -1);
  assert_int_equal(errno, ENOTDIR);
  errno = 0;
  assert_int_equal(mkfifo("", 0600), -1);
  assert_int_equal(errno, ENOENT);
  unlink(path);
  unlink(file);
}

static void regular_files_stay_regular(void **state) {
  char path[64], buf[64];
  struct stat st = {0};
  int fd;
  (void)state;
  tmp_path(path, sizeof path, "reg");
  memset(buf, 'r', sizeof buf); /* the size of a marker, other content */
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  assert_true(fd >= 0);
  write_all(fd, buf, sizeof buf);
  close(fd);
  assert_int_equal(stat(path, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_size, 64);
  unlink(path);
}

static void fstat_of_fifo_fds_is_fifo(void **state) {
  char path[64];
  struct stat st = {0};
  int r, w;
  (void)state;
  tmp_path(path, sizeof path, "fstat");
  make_fifo(path);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  w = open_or_fail(path, O_WRONLY);
  assert_int_equal(fstat(r, &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(fstat(w, &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  close(r);
  close(w);
  unlink(path);
}

/* ---- open rules ---------------------------------------------------------------------- */

static void nonblocking_reader_opens_at_once_and_reads_eof(void **state) {
  char path[64], c;
  int r;
  (void)state;
  tmp_path(path, sizeof path, "rdnb");
  make_fifo(path);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  assert_int_equal(read(r, &c, 1), 0); /* no writer: EOF, not EAGAIN */
  close(r);
  unlink(path);
}

static void nonblocking_writer_without_reader_is_enxio(void **state) {
  char path[64];
  (void)state;
  tmp_path(path, sizeof path, "wrnb");
  make_fifo(path);
  errno = 0;
  assert_int_equal(open(path, O_WRONLY | O_NONBLOCK), -1);
  assert_int_equal(errno, ENXIO);
  unlink(path);
}

static void rdwr_opens_at_once_and_talks_to_itself(void **state) {
  char path[64], buf[8];
  int fd;
  (void)state;
  tmp_path(path, sizeof path, "rdwr");
  make_fifo(path);
  fd = open_or_fail(path, O_RDWR);
  assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
  write_all(fd, "loop", 4);
  read_exactly(fd, buf, 4, "O_RDWR fd");
  assert_memory_equal(buf, "loop", 4);
  close(fd);
  unlink(path);
}

static void open_with_o_creat_o_excl_is_eexist(void **state) {
  char path[64];
  (void)state;
  tmp_path(path, sizeof path, "excl");
  make_fifo(path);
  errno = 0;
  assert_int_equal(open(path, O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK, 0600), -1);
  assert_int_equal(errno, EEXIST);
  unlink(path);
}

/* Role: opens argv[0] O_RDONLY (blocking), reads to EOF, exits with the byte count. */
static int role_open_read(int argc, char **argv) {
  char buf[256];
  size_t got = 0;
  ssize_t r;
  int fd;
  if (argc < 1)
    return 250;
  fd = open(argv[0], O_RDONLY);
  if (fd < 0)
    return 251;
  while ((r = read(fd, buf, sizeof buf)) > 0)
    got += (size_t)r;
  return r == 0 && got < 200 ? (int)got : 252;
}

/* Role: opens argv[0] O_WRONLY (blocking), writes argv[1], exits 0. */
static int role_open_write(int argc, char **argv) {
  int fd;
  if (argc < 2)
    return 250;
  fd = open(argv[0], O_WRONLY);
  if (fd < 0)
    return 251;
  return write(fd, argv[1], strlen(argv[1])) == (ssize_t)strlen(argv[1]) ? 0 : 252;
}

/* Whether pid is still running after ms: an observation of a blocked open, never a
 * synchronisation (the test goes on the same either way). */
static int still_running_after(pid_t pid, int ms) {
  int status;
  conf_sleep_ms(ms);
  return waitpid(pid, &status, WNOHANG) == 0;
}

static void reader_open_waits_for_a_writer(void **state) {
  char path[64];
  pid_t pid;
  int w;
  (void)state;
  tmp_path(path, sizeof path, "rdwait");
  make_fifo(path);
  pid = conf_spawn_role(NULL, "open_read", path, NULL, NULL);
  assert_true(still_running_after(pid, 200));
  w = open_or_fail(path, O_WRONLY); /* the reader is there (or comes): no ENXIO wait */
  write_all(w, "12345", 5);
  close(w);
  assert_int_equal(conf_wait_exit_code(pid, "open_read"), 5);
  unlink(path);
}

static void writer_open_waits_for_a_reader(void **state) {
  char path[64], buf[8];
  pid_t pid;
  int r;
  (void)state;
  tmp_path(path, sizeof path, "wrwait");
  make_fifo(path);
  pid = conf_spawn_role(NULL, "open_write", path, "hello", NULL);
  assert_true(still_running_after(pid, 200));
  r = open_or_fail(path, O_RDONLY); /* blocks until the child's writer is there */
  read_exactly(r, buf, 5, "writer child");
  assert_memory_equal(buf, "hello", 5);
  assert_int_equal(conf_wait_exit_code(pid, "open_write"), 0);
  assert_int_equal(conf_read_to_eof(r, buf, sizeof buf, "FIFO after writer exit"), 0);
  close(r);
  unlink(path);
}

/* Role: opens argv[0] O_RDONLY, does one blocking read, exits with its result. */
static int role_read_once(int argc, char **argv) {
  char buf[64];
  ssize_t r;
  int fd;
  if (argc < 1)
    return 250;
  fd = open(argv[0], O_RDONLY);
  if (fd < 0)
    return 251;
  r = read(fd, buf, sizeof buf);
  return r >= 0 && r < 200 ? (int)r : 252;
}

static void read_blocks_while_empty_and_a_writer_exists(void **state) {
  char path[64];
  pid_t pid;
  int r, w;
  (void)state;
  tmp_path(path, sizeof path, "rdblock");
  make_fifo(path);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK); /* so that our writer opens at once */
  w = open_or_fail(path, O_WRONLY);
  pid = conf_spawn_role(NULL, "read_once", path, NULL, NULL);
  assert_true(still_running_after(pid, 200)); /* neither EOF nor EAGAIN: it waits */
  write_all(w, "data", 4);
  assert_int_equal(conf_wait_exit_code(pid, "read_once"), 4);
  close(w);
  close(r);
  unlink(path);
}

/* ---- data, EOF, EPIPE -------------------------------------------------------------------- */

static void empty_with_writer_is_eagain_then_data_then_eof(void **state) {
  char path[64], buf[16];
  int r, w1, w2;
  (void)state;
  tmp_path(path, sizeof path, "eof");
  make_fifo(path);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  w1 = open_or_fail(path, O_WRONLY | O_NONBLOCK);
  w2 = open_or_fail(path, O_WRONLY);
  errno = 0;
  assert_int_equal(read(r, buf, sizeof buf), -1); /* empty, writers present */
  assert_true(conf_is_eagain(errno));
  write_all(w1, "one", 3);
  write_all(w2, "two", 3);
  assert_int_equal(close(w1), 0);
  read_exactly(r, buf, 6, "two writers");
  assert_memory_equal(buf, "onetwo", 6);
  errno = 0;
  assert_int_equal(read(r, buf, sizeof buf), -1); /* w2 still open: not EOF */
  assert_true(conf_is_eagain(errno));
  write_all(w2, "end", 3);
  assert_int_equal(close(w2), 0);
  assert_int_equal(read(r, buf, sizeof buf), 3); /* what was written, then EOF */
  assert_int_equal(read(r, buf, sizeof buf), 0);
  assert_int_equal(read(r, buf, sizeof buf), 0);
  close(r);
  unlink(path);
}

static void write_without_reader_is_epipe(void **state) {
  char path[64];
  int r, w;
  (void)state;
  signal(SIGPIPE, SIG_IGN);
  tmp_path(path, sizeof path, "epipe");
  make_fifo(path);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  w = open_or_fail(path, O_WRONLY);
  write_all(w, "x", 1);
  assert_int_equal(close(r), 0);
  errno = 0;
  assert_int_equal(write(w, "y", 1), -1);
  assert_int_equal(errno, EPIPE);
  close(w);
  signal(SIGPIPE, SIG_DFL);
  unlink(path);
}

static void fcntl_and_dup2_on_fifo_fds(void **state) {
  char path[64], buf[16];
  int r, w, w2;
  (void)state;
  tmp_path(path, sizeof path, "dup2");
  make_fifo(path);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  w = open_or_fail(path, O_WRONLY);
  assert_int_equal(fcntl(r, F_GETFL) & O_ACCMODE, O_RDONLY);
  assert_true((fcntl(r, F_GETFL) & O_NONBLOCK) != 0);
  assert_int_equal(fcntl(w, F_GETFL) & O_ACCMODE, O_WRONLY);
  assert_int_equal(fcntl(w, F_SETFD, FD_CLOEXEC), 0);
  assert_int_equal(fcntl(w, F_GETFD), FD_CLOEXEC);
  w2 = w + 10;
  assert_int_equal(dup2(w, w2), w2);
  assert_int_equal(fcntl(w2, F_GETFD), 0); /* dup2 clears FD_CLOEXEC */
  assert_int_equal(close(w), 0);
  write_all(w2, "dup", 3); /* the dup keeps the writer */
  read_exactly(r, buf, 3, "dup2'ed writer");
  assert_memory_equal(buf, "dup", 3);
  errno = 0;
  assert_int_equal(read(r, buf, sizeof buf), -1);
  assert_true(conf_is_eagain(errno));
  assert_int_equal(close(w2), 0);
  assert_int_equal(read(r, buf, sizeof buf), 0);
  errno = 0;
  assert_int_equal(write(r, "x", 1), -1); /* the read end is not open for writing */
  assert_int_equal(errno, EBADF);
  close(r);
  unlink(path);
}

static void open_fifo_keeps_working_after_unlink(void **state) {
  char path[64], buf[8];
  struct stat st = {0};
  int r, w;
  (void)state;
  tmp_path(path, sizeof path, "unlink");
  make_fifo(path);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  w = open_or_fail(path, O_WRONLY);
  assert_int_equal(unlink(path), 0);
  errno = 0;
  assert_int_equal(stat(path, &st), -1);
  assert_int_equal(errno, ENOENT);
  write_all(w, "still", 5);
  read_exactly(r, buf, 5, "unlinked FIFO");
  assert_memory_equal(buf, "still", 5);
  /* A new FIFO at the same path is another FIFO. */
  make_fifo(path);
  errno = 0;
  assert_int_equal(open(path, O_WRONLY | O_NONBLOCK), -1);
  assert_int_equal(errno, ENXIO);
  close(w);
  assert_int_equal(read(r, buf, sizeof buf), 0);
  close(r);
  unlink(path);
}

static void renamed_fifo_is_the_same_fifo(void **state) {
  char a[64], b[64], buf[8];
  int r, w;
  (void)state;
  tmp_path(a, sizeof a, "rename-a");
  tmp_path(b, sizeof b, "rename-b");
  make_fifo(a);
  r = open_or_fail(a, O_RDONLY | O_NONBLOCK);
  assert_int_equal(rename(a, b), 0);
  w = open_or_fail(b, O_WRONLY | O_NONBLOCK); /* the reader opened it under its old name */
  write_all(w, "moved", 5);
  read_exactly(r, buf, 5, "renamed FIFO");
  assert_memory_equal(buf, "moved", 5);
  close(w);
  close(r);
  unlink(b);
}

/* Role: opens argv[0] for writing and writes argv[2] blocks of PIPE_BUF bytes of the
 * letter argv[1]. */
static int role_block_writer(int argc, char **argv) {
  static char block[PIPE_BUF];
  int i, n, fd;
  if (argc < 3)
    return 250;
  fd = open(argv[0], O_WRONLY);
  if (fd < 0)
    return 251;
  memset(block, argv[1][0], sizeof block);
  n = atoi(argv[2]);
  for (i = 0; i < n; ++i)
    if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
      return 252;
  return 0;
}

static void writes_up_to_pipe_buf_from_many_writers_never_interleave(void **state) {
  enum { kWriters = 4, kBlocks = 64 };
  static char block[PIPE_BUF];
  char path[64], letter[kWriters][2];
  int counts[kWriters] = {0};
  pid_t pids[kWriters];
  int r, hold, i, b, j;
  (void)state;
  tmp_path(path, sizeof path, "atomic");
  make_fifo(path);
  r = open_reader(path);
  hold = open_or_fail(path, O_WRONLY); /* no EOF between writers */
  for (i = 0; i < kWriters; ++i) {
    letter[i][0] = (char)('a' + i);
    letter[i][1] = 0;
    pids[i] = conf_spawn_role(NULL, "block_writer", path, letter[i], "64");
  }
  for (b = 0; b < kWriters * kBlocks; ++b) {
    read_exactly(r, block, sizeof block, "PIPE_BUF blocks");
    for (j = 1; j < PIPE_BUF; ++j)
      if (block[j] != block[0])
        fail_msg("block %d interleaved: byte %d is '%c', byte 0 '%c'", b, j, block[j],
                 block[0]);
    assert_true(block[0] >= 'a' && block[0] < 'a' + kWriters);
    counts[block[0] - 'a']++;
  }
  for (i = 0; i < kWriters; ++i) {
    assert_int_equal(conf_wait_exit_code(pids[i], "block_writer"), 0);
    assert_int_equal(counts[i], kBlocks);
  }
  close(hold);
  assert_int_equal(conf_read_to_eof(r, block, sizeof block, "FIFO after writers"), 0);
  close(r);
  unlink(path);
}

/* Role: writes argv[0] to fd 1 (a FIFO's write end handed over by spawn). */
static int role_write_fd1(int argc, char **argv) {
  if (argc < 1)
    return 250;
  return write(1, argv[0], strlen(argv[0])) == (ssize_t)strlen(argv[0]) ? 0 : 251;
}

static void fifo_fds_are_handed_to_children_like_pipes(void **state) {
  char path[64], buf[16];
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int r, w;
  (void)state;
  tmp_path(path, sizeof path, "spawn");
  make_fifo(path);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  w = open_or_fail(path, O_WRONLY);
  assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
  assert_int_equal(posix_spawn_file_actions_adddup2(&fa, w, 1), 0);
  assert_int_equal(posix_spawn_file_actions_addclose(&fa, r), 0);
  pid = conf_spawn_role(&fa, "write_fd1", "inherited", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(w); /* the child's copy is now the only writer */
  assert_int_equal(conf_read_to_eof(r, buf, sizeof buf, "FIFO written by a child"), 9);
  assert_memory_equal(buf, "inherited", 9);
  assert_int_equal(conf_wait_exit_code(pid, "write_fd1"), 0);
  close(r);
  unlink(path);
}

/* Role: waits until FIFO argv[1] is opened for writing and closed, then writes argv[0]
 * to fd 1 (a FIFO's write end handed over by spawn). */
static int role_wait_then_write_fd1(int argc, char **argv) {
  char c;
  int go;
  if (argc < 2)
    return 250;
  go = open(argv[1], O_RDONLY);
  if (go < 0)
    return 251;
  while (read(go, &c, 1) > 0)
    ;
  close(go);
  return write(1, argv[0], strlen(argv[0])) == (ssize_t)strlen(argv[0]) ? 0 : 252;
}

/* A child is the only holder of the write end it was handed: a new writer joins it. */
static void new_writer_joins_a_writer_held_only_by_a_child(void **state) {
  char path[64], go[64], buf[16];
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int r, w, w2, g;
  (void)state;
  tmp_path(path, sizeof path, "joinchild");
  tmp_path(go, sizeof go, "go");
  make_fifo(path);
  make_fifo(go);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  w = open_or_fail(path, O_WRONLY);
  assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
  assert_int_equal(posix_spawn_file_actions_adddup2(&fa, w, 1), 0);
  assert_int_equal(posix_spawn_file_actions_addclose(&fa, r), 0);
  pid = conf_spawn_role(&fa, "wait_then_write_fd1", "child", go, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(w);
  w2 = open_or_fail(path, O_WRONLY | O_NONBLOCK); /* a reader exists: at once */
  write_all(w2, "mine", 4);
  read_exactly(r, buf, 4, "the new writer");
  assert_memory_equal(buf, "mine", 4);
  g = open_or_fail(go, O_WRONLY); /* lets the child write */
  close(g);
  read_exactly(r, buf, 5, "the child");
  assert_memory_equal(buf, "child", 5);
  assert_int_equal(conf_wait_exit_code(pid, "wait_then_write_fd1"), 0);
  close(w2);
  assert_int_equal(conf_read_to_eof(r, buf, sizeof buf, "FIFO after both writers"), 0);
  close(r);
  unlink(path);
  unlink(go);
}

/* Every writer gone with data unread: the reader reads it, then EOF; a new writer's data
 * follows. */
static void new_writer_after_all_writers_left(void **state) {
  char path[64], buf[16];
  int r, w;
  (void)state;
  tmp_path(path, sizeof path, "rejoin");
  make_fifo(path);
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  w = open_or_fail(path, O_WRONLY);
  write_all(w, "first", 5);
  close(w);
  read_exactly(r, buf, 5, "the first writer");
  assert_memory_equal(buf, "first", 5);
  assert_int_equal(read(r, buf, sizeof buf), 0);
  w = open_or_fail(path, O_WRONLY);
  errno = 0;
  assert_int_equal(read(r, buf, sizeof buf), -1); /* a writer again: empty, not EOF */
  assert_true(conf_is_eagain(errno));
  write_all(w, "second", 6);
  read_exactly(r, buf, 6, "the second writer");
  assert_memory_equal(buf, "second", 6);
  close(w);
  assert_int_equal(read(r, buf, sizeof buf), 0);
  close(r);
  unlink(path);
}

/* ---- killed processes ------------------------------------------------------------------ */

/* Role: opens argv[0] for writing and writes PIPE_BUF blocks until it is killed. */
static int role_write_forever(int argc, char **argv) {
  static char block[PIPE_BUF];
  int fd;
  if (argc < 1)
    return 250;
  fd = open(argv[0], O_WRONLY);
  if (fd < 0)
    return 251;
  memset(block, 'k', sizeof block);
  for (;;)
    if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
      return 252;
}

static void killed_writer_gives_eof_and_the_next_writer_works(void **state) {
  static char buf[PIPE_BUF * 4];
  char path[64];
  size_t total;
  pid_t pid;
  int r, w;
  (void)state;
  tmp_path(path, sizeof path, "killw");
  make_fifo(path);
  pid = conf_spawn_role(NULL, "write_forever", path, NULL, NULL);
  r = open_or_fail(path, O_RDONLY); /* returns once the child is a writer */
  read_exactly(r, buf, sizeof buf, "writer before the kill"); /* it is mid-stream */
  conf_kill(pid);
  conf_wait_status(pid, "killed writer");
  /* Up to 64 KiB were still in the FIFO: read on until EOF. */
  total = 0;
  for (;;) {
    size_t n = conf_read_to_eof(r, buf, sizeof buf, "FIFO after its writer was killed");
    total += n;
    if (n < sizeof buf)
      break;
  }
  assert_int_equal(total % PIPE_BUF, 0); /* whole blocks: nothing torn, then EOF */
  /* The FIFO is not stuck: a new writer opens and is read. */
  w = open_or_fail(path, O_WRONLY | O_NONBLOCK);
  write_all(w, "next", 4);
  read_exactly(r, buf, 4, "writer after the kill");
  assert_memory_equal(buf, "next", 4);
  close(w);
  assert_int_equal(conf_read_to_eof(r, buf, sizeof buf, "FIFO after the next writer"), 0);
  close(r);
  unlink(path);
}

/* Role: opens argv[0] for reading, then waits forever on FIFO argv[1] (never written). */
static int role_read_then_hang(int argc, char **argv) {
  char c;
  int fd, hang;
  if (argc < 2)
    return 250;
  fd = open(argv[0], O_RDONLY);
  if (fd < 0)
    return 251;
  hang = open(argv[1], O_RDONLY);
  (void)read(hang, &c, 1);
  return 252;
}

static void killed_reader_gives_epipe_and_the_next_reader_works(void **state) {
  char path[64], hang[64], buf[8];
  int r, w, w2, waited = 0;
  ssize_t n;
  pid_t pid;
  (void)state;
  signal(SIGPIPE, SIG_IGN);
  tmp_path(path, sizeof path, "killr");
  tmp_path(hang, sizeof hang, "hang");
  make_fifo(path);
  make_fifo(hang);
  pid = conf_spawn_role(NULL, "read_then_hang", path, hang, NULL);
  w = open_or_fail(path, O_WRONLY); /* returns once the child is a reader */
  write_all(w, "x", 1);
  conf_kill(pid);
  conf_wait_status(pid, "killed reader");
  assert_int_equal(fcntl(w, F_SETFL, O_NONBLOCK), 0);
  for (;;) { /* EPIPE once the dead reader's end is gone (bounded) */
    n = write(w, "y", 1);
    if (n < 0 && errno == EPIPE)
      break;
    if (n < 0 && !conf_is_eagain(errno))
      fail_msg("write after the reader was killed: %s", strerror(errno));
    if (waited >= CONF_WAIT_MS)
      fail_msg("no EPIPE within %d ms of the reader's death", CONF_WAIT_MS);
    conf_sleep_ms(1);
    ++waited;
  }
  close(w);
  /* The FIFO is not stuck: a new reader and writer talk. */
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  w2 = open_or_fail(path, O_WRONLY | O_NONBLOCK);
  write_all(w2, "again", 5);
  read_exactly(r, buf, 5, "reader after the kill");
  assert_memory_equal(buf, "again", 5);
  close(w2);
  close(r);
  signal(SIGPIPE, SIG_DFL);
  unlink(path);
  unlink(hang);
}

/* ---- the request/reply server --------------------------------------------------------- */

/* Fixed-size records, as the classic FIFO server uses: 64 bytes, text. */
#define REC 64
#define RR_CLIENTS 8
#define RR_REQUESTS 1000

/* Role: client argv[1] of the server at FIFO argv[0]: sends argv[2] requests, each
 * answered on its own reply FIFO, then "bye". */
static int role_rr_client(int argc, char **argv) {
  char reply_path[128], rec[256], want[REC + 1];
  int id, n, i, req, rep = -1;
  size_t got;
  ssize_t r;
  if (argc < 3)
    return 250;
  id = atoi(argv[1]);
  n = atoi(argv[2]);
  snprintf(reply_path, sizeof reply_path, "%s.reply%d", argv[0], id);
  unlink(reply_path);
  if (mkfifo(reply_path, 0600) != 0)
    return 251;
  req = open(argv[0], O_WRONLY);
  if (req < 0)
    return 252;
  for (i = 0; i < n; ++i) {
    if (snprintf(rec, sizeof rec, "Q %d %d %s", id, i, reply_path) >= REC)
      return 249;
    memset(rec + strlen(rec), ' ', REC - strlen(rec));
    if (write(req, rec, REC) != REC)
      return 253;
    if (rep < 0 && (rep = open(reply_path, O_RDONLY)) < 0) /* the server opens it now */
      return 254;
    for (got = 0; got < REC; got += (size_t)r)
      if ((r = read(rep, rec + got, REC - got)) <= 0)
        return 255 - (r == 0);
    snprintf(want, sizeof want, "A %d %d %d", id, i, i * 2 + id);
    if (memcmp(rec, want, strlen(want)) != 0 || rec[strlen(want)] != ' ')
      return 200;
  }
  snprintf(rec, sizeof rec, "B %d", id);
  memset(rec + strlen(rec), ' ', REC - strlen(rec));
  if (write(req, rec, REC) != REC)
    return 201;
  close(req);
  close(rep);
  unlink(reply_path);
  return 0;
}

static void request_reply_server_with_8_clients(void **state) {
  char path[64], rec[REC + 1], reply_path[128], ans[REC + 1], idbuf[8], nbuf[16];
  int next_seq[RR_CLIENTS] = {0}, reply_fd[RR_CLIENTS];
  pid_t pids[RR_CLIENTS];
  int req, hold, i, id, seq, done = 0;
  char kind;
  (void)state;
  tmp_path(path, sizeof path, "server");
  make_fifo(path);
  req = open_reader(path);
  hold = open_or_fail(path, O_WRONLY); /* the server's own writer: no EOF between clients */
  snprintf(nbuf, sizeof nbuf, "%d", RR_REQUESTS);
  for (i = 0; i < RR_CLIENTS; ++i) {
    reply_fd[i] = -1;
    snprintf(idbuf, sizeof idbuf, "%d", i);
    pids[i] = conf_spawn_role(NULL, "rr_client", path, idbuf, nbuf);
  }
  while (done < RR_CLIENTS) {
    read_exactly(req, rec, REC, "requests");
    rec[REC] = 0;
    if (sscanf(rec, "%c %d", &kind, &id) != 2 || id < 0 || id >= RR_CLIENTS)
      fail_msg("torn or garbled request: '%s'", rec);
    if (kind == 'B') {
      assert_int_equal(next_seq[id], RR_REQUESTS);
      close(reply_fd[id]);
      ++done;
      continue;
    }
    if (kind != 'Q' || sscanf(rec, "%c %d %d %127s", &kind, &id, &seq, reply_path) != 4)
      fail_msg("torn or garbled request: '%s'", rec);
    if (seq != next_seq[id])
      fail_msg("client %d: request %d arrived when %d was due", id, seq, next_seq[id]);
    ++next_seq[id];
    if (reply_fd[id] < 0)
      reply_fd[id] = open_or_fail(reply_path, O_WRONLY);
    snprintf(ans, sizeof ans, "A %d %d %d", id, seq, seq * 2 + id);
    memset(ans + strlen(ans), ' ', REC - strlen(ans));
    write_all(reply_fd[id], ans, REC);
  }
  for (i = 0; i < RR_CLIENTS; ++i)
    assert_int_equal(conf_wait_exit_code(pids[i], "rr_client"), 0);
  close(hold);
  assert_int_equal(conf_read_to_eof(req, rec, sizeof rec, "request FIFO at the end"), 0);
  close(req);
  unlink(path);
}

/* docs/examples/posix/fifo_server.c and fifo_client.c, built next to this binary:
 * `example-posix-fifo-server FIFO 3` serves three `example-posix-fifo-client FIFO ID N`. */
static void example_fifo_server_and_clients(void **state) {
  char server[1024], client[1024], path[64], id[3][4];
  pid_t spid, cpids[3];
  char *argv[6];
  int i, rc;
  (void)state;
  conf_sibling("example-posix-fifo-server", server, sizeof server);
  conf_sibling("example-posix-fifo-client", client, sizeof client);
  tmp_path(path, sizeof path, "example");
  make_fifo(path); /* so that clients can open it before the server runs */
  argv[0] = server;
  argv[1] = path;
  argv[2] = (char *)"3";
  argv[3] = NULL;
  rc = posix_spawn(&spid, server, NULL, NULL, argv, environ);
  if (rc != 0)
    fail_msg("posix_spawn of %s: %s", server, strerror(rc));
  for (i = 0; i < 3; ++i) {
    snprintf(id[i], sizeof id[i], "%d", i + 1);
    argv[0] = client;
    argv[1] = path;
    argv[2] = id[i];
    argv[3] = (char *)"50";
    argv[4] = NULL;
    rc = posix_spawn(&cpids[i], client, NULL, NULL, argv, environ);
    if (rc != 0)
      fail_msg("posix_spawn of %s: %s", client, strerror(rc));
  }
  for (i = 0; i < 3; ++i)
    assert_int_equal(conf_wait_exit_code(cpids[i], "example-posix-fifo-client"), 0);
  assert_int_equal(conf_wait_exit_code(spid, "example-posix-fifo-server"), 0);
  unlink(path);
}

static short poll_in(int fd, int ms) {
  struct pollfd p;
  int rc;
  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  rc = poll(&p, 1, ms);
  if (rc < 0)
    fail_msg("poll: %s", strerror(errno));
  return p.revents;
}

/* poll on FIFO fds (O_RDWR and O_RDONLY): readable while data is queued, not once read()
 * took it; closing an fd poll waited on leaves the data to the other reader. */
static void fifo_poll_readiness_follows_reads(void **state) {
  char path[96], buf[8];
  int rw, w, r;
  (void)state;
  make_fifo(tmp_path(path, sizeof path, "poll"));
  rw = open_or_fail(path, O_RDWR);
  assert_int_equal(poll_in(rw, 0), 0);
  assert_int_equal(write(rw, "ab", 2), 2);
  assert_int_equal(poll_in(rw, CONF_WAIT_MS), POLLIN);
  assert_int_equal(read(rw, buf, sizeof buf), 2);
  assert_int_equal(poll_in(rw, 0), 0);
  w = open_or_fail(path, O_WRONLY);
  assert_int_equal(write(w, "c", 1), 1);
  assert_int_equal(poll_in(rw, CONF_WAIT_MS), POLLIN);
  assert_int_equal(read(rw, buf, sizeof buf), 1);
  assert_int_equal(buf[0], 'c');
  r = open_or_fail(path, O_RDONLY | O_NONBLOCK);
  assert_int_equal(poll_in(rw, 20), 0);
  assert_int_equal(close(rw), 0);
  assert_int_equal(write(w, "d", 1), 1);
  assert_int_equal(poll_in(r, CONF_WAIT_MS), POLLIN);
  assert_int_equal(read(r, buf, sizeof buf), 1);
  assert_int_equal(buf[0], 'd');
  assert_int_equal(poll_in(r, 0), 0);
  close(r);
  close(w);
  unlink(path);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(mkfifo_makes_a_fifo_that_stat_reports),
    cmocka_unit_test(mkfifo_applies_umask),
    cmocka_unit_test(mknod_with_s_ififo_makes_a_fifo),
    cmocka_unit_test(mkfifo_errors),
    cmocka_unit_test(regular_files_stay_regular),
    cmocka_unit_test(fstat_of_fifo_fds_is_fifo),
    cmocka_unit_test(nonblocking_reader_opens_at_once_and_reads_eof),
    cmocka_unit_test(nonblocking_writer_without_reader_is_enxio),
    cmocka_unit_test(rdwr_opens_at_once_and_talks_to_itself),
    cmocka_unit_test(open_with_o_creat_o_excl_is_eexist),
    cmocka_unit_test(reader_open_waits_for_a_writer),
    cmocka_unit_test(writer_open_waits_for_a_reader),
    cmocka_unit_test(read_blocks_while_empty_and_a_writer_exists),
    cmocka_unit_test(empty_with_writer_is_eagain_then_data_then_eof),
    cmocka_unit_test(write_without_reader_is_epipe),
    cmocka_unit_test(fcntl_and_dup2_on_fifo_fds),
    cmocka_unit_test(open_fifo_keeps_working_after_unlink),
    cmocka_unit_test(renamed_fifo_is_the_same_fifo),
    cmocka_unit_test(writes_up_to_pipe_buf_from_many_writers_never_interleave),
    cmocka_unit_test(fifo_fds_are_handed_to_children_like_pipes),
    cmocka_unit_test(new_writer_joins_a_writer_held_only_by_a_child),
    cmocka_unit_test(new_writer_after_all_writers_left),
    cmocka_unit_test(killed_writer_gives_eof_and_the_next_writer_works),
    cmocka_unit_test(killed_reader_gives_epipe_and_the_next_reader_works),
    cmocka_unit_test(request_reply_server_with_8_clients),
    cmocka_unit_test(example_fifo_server_and_clients),
    cmocka_unit_test(fifo_poll_readiness_follows_reads),
};

static const struct conf_role roles[] = {
    {"open_read", role_open_read},         {"open_write", role_open_write},
    {"block_writer", role_block_writer},   {"write_fd1", role_write_fd1},
    {"write_forever", role_write_forever}, {"read_then_hang", role_read_then_hang},
    {"read_once", role_read_once},         {"rr_client", role_rr_client},         {"wait_then_write_fd1", role_wait_then_write_fd1},
};

CONF_MAIN_WITH_ROLES(tests, roles)
