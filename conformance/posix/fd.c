/* The fd layer: dup/dup2/dup3 (lowest free fd, the new fd returned), fcntl (F_GETFD/F_SETFD,
 * F_GETFL/F_SETFL with O_NONBLOCK shared by dups, F_DUPFD(_CLOEXEC)), isatty, lseek (ESPIPE
 * on pipes), fstat (S_ISFIFO), readv/writev, and EBADF from every call on a closed fd. */
#define _GNU_SOURCE /* dup3, pipe2 in glibc */
#include "posix_util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void make_pipe(int fds[2]) {
  fds[0] = fds[1] = -1;
  assert_int_equal(pipe(fds), 0);
}

static void dup_gives_lowest_free_fd_on_same_pipe(void **state) {
  int fds[2], d, hole;
  char buf[8];
  (void)state;
  make_pipe(fds);
  hole = dup(fds[1]);
  assert_true(hole >= 0);
  d = dup(fds[1]);
  assert_true(d > hole);
  assert_int_equal(close(hole), 0);
  assert_int_equal(dup(fds[1]), hole); /* lowest free first */
  assert_int_equal(write(d, "via-dup", 7), 7);
  assert_int_equal(read(fds[0], buf, sizeof buf), 7);
  assert_memory_equal(buf, "via-dup", 7);
  /* EOF only once every duplicate of the write end is closed. */
  close(fds[1]);
  close(d);
  assert_int_equal(write(hole, "!", 1), 1);
  close(hole);
  assert_int_equal(read(fds[0], buf, sizeof buf), 1);
  assert_int_equal(read(fds[0], buf, sizeof buf), 0);
  close(fds[0]);
}

static void dup2_returns_new_fd_and_replaces_open_one(void **state) {
  int a[2], b[2], target;
  char buf[8];
  (void)state;
  make_pipe(a);
  make_pipe(b);
  target = a[1] + 10;
  assert_int_equal(dup2(b[1], target), target); /* the new fd, not 0 */
  assert_int_equal(dup2(target, target), target); /* onto itself: nothing happens */
  /* dup2 onto a's write end closes it first: a's reader sees EOF. */
  assert_int_equal(dup2(b[1], a[1]), a[1]);
  assert_int_equal(read(a[0], buf, sizeof buf), 0);
  assert_int_equal(write(a[1], "x", 1), 1); /* now b's */
  assert_int_equal(read(b[0], buf, sizeof buf), 1);
  assert_int_equal(fcntl(target, F_GETFD) & FD_CLOEXEC, 0);
  close(a[0]);
  close(a[1]);
  close(b[0]);
  close(b[1]);
  close(target);
}

static void dup3_cloexec_and_same_fd(void **state) {
  int fds[2], target;
  (void)state;
  make_pipe(fds);
  target = fds[1] + 7;
  assert_int_equal(dup3(fds[1], target, O_CLOEXEC), target);
  assert_int_equal(fcntl(target, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  errno = 0;
  assert_int_equal(dup3(fds[1], fds[1], 0), -1);
  assert_int_equal(errno, EINVAL);
  close(target);
  close(fds[0]);
  close(fds[1]);
}

static void fcntl_fd_flags_and_dupfd(void **state) {
  int fds[2], d, e;
  (void)state;
  make_pipe(fds);
  assert_int_equal(fcntl(fds[0], F_GETFD), 0);
  assert_int_equal(fcntl(fds[0], F_SETFD, FD_CLOEXEC), 0);
  assert_int_equal(fcntl(fds[0], F_GETFD), FD_CLOEXEC);
  assert_int_equal(fcntl(fds[0], F_SETFD, 0), 0);
  assert_int_equal(fcntl(fds[0], F_GETFD), 0);
  d = fcntl(fds[0], F_DUPFD, 100);
  assert_true(d >= 100);
  e = fcntl(fds[0], F_DUPFD_CLOEXEC, 100);
  assert_true(e > d);
  assert_int_equal(fcntl(d, F_GETFD), 0);
  assert_int_equal(fcntl(e, F_GETFD), FD_CLOEXEC);
  close(d);
  assert_int_equal(fcntl(fds[0], F_DUPFD, 100), d); /* lowest free at or above 100 */
  close(d);
  close(e);
  errno = 0;
  assert_int_equal(fcntl(fds[0], F_DUPFD, -1), -1);
  assert_int_equal(errno, EINVAL);
  close(fds[0]);
  close(fds[1]);
}

static void nonblock_is_shared_by_dups_cloexec_is_not(void **state) {
  int fds[2], d;
  char c;
  (void)state;
  make_pipe(fds);
  d = dup(fds[0]);
  assert_int_equal(fcntl(d, F_SETFL, O_NONBLOCK), 0);
  assert_true(fcntl(fds[0], F_GETFL) & O_NONBLOCK); /* one open file description */
  errno = 0;
  assert_int_equal(read(fds[0], &c, 1), -1);
  assert_true(conf_is_eagain(errno));
  assert_int_equal(fcntl(d, F_SETFD, FD_CLOEXEC), 0);
  assert_int_equal(fcntl(fds[0], F_GETFD), 0); /* per fd */
  close(d);
  close(fds[0]);
  close(fds[1]);
}

static void pipes_are_fifos_not_ttys_not_seekable(void **state) {
  int fds[2];
  struct stat st;
  memset(&st, 0, sizeof st);
  (void)state;
  make_pipe(fds);
  assert_int_equal(fstat(fds[0], &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(fstat(fds[1], &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  errno = 0;
  assert_int_equal(isatty(fds[0]), 0);
  assert_int_equal(errno, ENOTTY);
  errno = 0;
  assert_int_equal(lseek(fds[0], 0, SEEK_CUR), -1);
  assert_int_equal(errno, ESPIPE);
  errno = 0;
  assert_int_equal(lseek(fds[1], 0, SEEK_SET), -1);
  assert_int_equal(errno, ESPIPE);
  close(fds[0]);
  close(fds[1]);
}

static void regular_file_seeks_and_stats(void **state) {
  char name[64], buf[8];
  int fd;
  struct stat st;
  memset(&st, 0, sizeof st);
  (void)state;
  snprintf(name, sizeof name, "conf-fd-%ld.tmp", (long)getpid());
  fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "abcdef", 6), 6);
  assert_int_equal(lseek(fd, 2, SEEK_SET), 2);
  assert_int_equal(read(fd, buf, 3), 3);
  assert_memory_equal(buf, "cde", 3);
  assert_int_equal(fstat(fd, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_size, 6);
  assert_int_equal(isatty(fd), 0);
  close(fd);
  remove(name);
}

static volatile int g_negative = -1; /* not a constant: compilers warn about -1 */

static void readv_writev_on_pipe(void **state) {
  int fds[2];
  char a[3], b[5];
  struct iovec out[3], in[2];
  (void)state;
  make_pipe(fds);
  out[0].iov_base = (void *)"one";
  out[0].iov_len = 3;
  out[1].iov_base = (void *)"";
  out[1].iov_len = 0;
  out[2].iov_base = (void *)"three";
  out[2].iov_len = 5;
  assert_int_equal(writev(fds[1], out, 3), 8);
  in[0].iov_base = a;
  in[0].iov_len = sizeof a;
  in[1].iov_base = b;
  in[1].iov_len = sizeof b;
  assert_int_equal(readv(fds[0], in, 2), 8);
  assert_memory_equal(a, "one", 3);
  assert_memory_equal(b, "three", 5);
  errno = 0;
  assert_int_equal(writev(fds[1], out, g_negative), -1);
  assert_int_equal(errno, EINVAL);
  close(fds[0]);
  close(fds[1]);
}

static void every_call_on_a_closed_fd_is_ebadf(void **state) {
  int fds[2], bad;
  char c = 0;
  struct stat st;
  memset(&st, 0, sizeof st);
  struct iovec iov;
  (void)state;
  make_pipe(fds);
  bad = fds[1];
  close(fds[1]);
  iov.iov_base = &c;
  iov.iov_len = 1;
#define EXPECT_EBADF(call)                                                                    \
  do {                                                                                        \
    errno = 0;                                                                                \
    assert_int_equal((long)(call), -1);                                                       \
    assert_int_equal(errno, EBADF);                                                           \
  } while (0)
  EXPECT_EBADF(read(bad, &c, 1));
  EXPECT_EBADF(write(bad, &c, 1));
  EXPECT_EBADF(close(bad));
  EXPECT_EBADF(dup(bad));
  EXPECT_EBADF(dup2(bad, fds[0] + 20));
  EXPECT_EBADF(dup3(bad, fds[0] + 20, 0));
  EXPECT_EBADF(dup2(fds[0], -1));
  EXPECT_EBADF(fcntl(bad, F_GETFD));
  EXPECT_EBADF(fcntl(bad, F_SETFD, FD_CLOEXEC));
  EXPECT_EBADF(fcntl(bad, F_GETFL));
  EXPECT_EBADF(fcntl(bad, F_SETFL, O_NONBLOCK));
  EXPECT_EBADF(fcntl(bad, F_DUPFD, 0));
  EXPECT_EBADF(fstat(bad, &st));
  EXPECT_EBADF(lseek(bad, 0, SEEK_SET));
  EXPECT_EBADF(readv(bad, &iov, 1));
  EXPECT_EBADF(writev(bad, &iov, 1));
  EXPECT_EBADF(read(-1, &c, 1));
  EXPECT_EBADF(close(-5));
  errno = 0;
  assert_int_equal(isatty(bad), 0);
  assert_int_equal(errno, EBADF);
  /* The failed dup2 did not open the target. */
  EXPECT_EBADF(fcntl(fds[0] + 20, F_GETFD));
#undef EXPECT_EBADF
  close(fds[0]);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(dup_gives_lowest_free_fd_on_same_pipe),
    cmocka_unit_test(dup2_returns_new_fd_and_replaces_open_one),
    cmocka_unit_test(dup3_cloexec_and_same_fd),
    cmocka_unit_test(fcntl_fd_flags_and_dupfd),
    cmocka_unit_test(nonblock_is_shared_by_dups_cloexec_is_not),
    cmocka_unit_test(pipes_are_fifos_not_ttys_not_seekable),
    cmocka_unit_test(regular_file_seeks_and_stats),
    cmocka_unit_test(readv_writev_on_pipe),
    cmocka_unit_test(every_call_on_a_closed_fd_is_ebadf),
};

CONF_MAIN(tests)
