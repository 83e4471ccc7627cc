/* pipe(): basics every UNIX program relies on — a byte stream from the write end to the
 * read end, reads that return what is there, EOF once the writer is gone, EBADF for the
 * wrong end or a closed fd. */
#include "conformance.h"

#include <errno.h>
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

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(pipe_write_then_read),
    cmocka_unit_test(pipe_read_returns_what_is_there),
    cmocka_unit_test(pipe_is_a_byte_stream_in_order),
    cmocka_unit_test(pipe_eof_after_writer_closes),
    cmocka_unit_test(pipe_zero_length_io),
    cmocka_unit_test(pipe_wrong_end_is_ebadf),
    cmocka_unit_test(closed_fd_is_ebadf),
    cmocka_unit_test(pipe_many_pairs_lowest_fd_first),
};

CONF_MAIN(tests)
