/* select() and pselect(): readiness of every fd kind (pipe ends, EOF and a closed reader,
 * socketpair, TCP listening/connecting/connected sockets, out-of-band data, regular
 * files), mixed sets, 1,000 fds with one made ready by another process, timeouts (never
 * early, remaining time written back), an idle select that uses no CPU, EBADF and EINVAL.
 * Helpers shared with poll.c are in select_util.h. */
#define _GNU_SOURCE /* pipe2 in glibc */
#include "posix_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "select_util.h"

/* select with a timeout in milliseconds (-1: none) on up to one fd per set (-1: none).
 * Returns the count; r, w and x say which sets still hold their fd. */
static int select1(int rfd, int wfd, int xfd, int ms, int *r, int *w, int *x) {
  fd_set rs, ws, xs;
  struct timeval tv;
  int n = 0, rc;
  FD_ZERO(&rs);
  FD_ZERO(&ws);
  FD_ZERO(&xs);
  if (rfd >= 0) {
    FD_SET(rfd, &rs);
    n = rfd + 1 > n ? rfd + 1 : n;
  }
  if (wfd >= 0) {
    FD_SET(wfd, &ws);
    n = wfd + 1 > n ? wfd + 1 : n;
  }
  if (xfd >= 0) {
    FD_SET(xfd, &xs);
    n = xfd + 1 > n ? xfd + 1 : n;
  }
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  rc = select(n, &rs, &ws, &xs, ms < 0 ? NULL : &tv);
  if (rc < 0)
    fail_msg("select failed: %s", strerror(errno));
  if (r)
    *r = rfd >= 0 && FD_ISSET(rfd, &rs);
  if (w)
    *w = wfd >= 0 && FD_ISSET(wfd, &ws);
  if (x)
    *x = xfd >= 0 && FD_ISSET(xfd, &xs);
  return rc;
}

static void select_pipe_read_and_write_ends(void **state) {
  int p[2], r = -1, w = -1;
  char c;
  (void)state;
  assert_int_equal(pipe(p), 0);
  /* Empty: the read end is not readable, the write end is writable. */
  assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 0);
  assert_false(r);
  assert_int_equal(select1(-1, p[1], -1, 0, NULL, &w, NULL), 1);
  assert_true(w);
  /* Data makes it readable; reading it all makes it not readable again. */
  assert_int_equal(write(p[1], "x", 1), 1);
  assert_int_equal(select1(p[0], p[1], -1, 0, &r, &w, NULL), 2);
  assert_true(r);
  assert_true(w);
  assert_int_equal(read(p[0], &c, 1), 1);
  assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 0);
  /* The read end is never writable, the write end never readable. */
  assert_int_equal(select1(p[1], p[0], -1, 0, &r, &w, NULL), 0);
  close(p[0]);
  close(p[1]);
}

static void select_pipe_eof_is_readable(void **state) {
  int p[2], r = 0;
  char c;
  (void)state;
  assert_int_equal(pipe(p), 0);
  close(p[1]);
  assert_int_equal(select1(p[0], -1, -1, CONF_WAIT_MS, &r, NULL, NULL), 1);
  assert_true(r);
  assert_int_equal(read(p[0], &c, 1), 0);
  close(p[0]);
}

static void select_pipe_without_reader_is_writable(void **state) {
  int p[2], w = 0;
  (void)state;
  assert_int_equal(pipe(p), 0);
  close(p[0]);
  /* Writable: a write would not block (it fails with EPIPE). */
  assert_int_equal(select1(-1, p[1], -1, CONF_WAIT_MS, NULL, &w, NULL), 1);
  assert_true(w);
  close(p[1]);
}

static void select_waits_for_data_from_another_process(void **state) {
  int p[2], r = 0;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  char c;
  (void)state;
  assert_int_equal(pipe(p), 0);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 3);
  pid = conf_spawn_role(&fa, "write_byte", "3", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  /* NULL timeout: blocks until the child's byte arrives. */
  assert_int_equal(select1(p[0], -1, -1, -1, &r, NULL, NULL), 1);
  assert_true(r);
  assert_int_equal(read(p[0], &c, 1), 1);
  assert_int_equal(c, '!');
  assert_int_equal(conf_wait_exit_code(pid, "writer child"), 0);
  close(p[0]);
  close(p[1]);
}

static void select_socketpair(void **state) {
  int sv[2], r = -1, w = -1;
  char buf[8];
  (void)state;
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  assert_int_equal(select1(sv[0], sv[0], -1, 0, &r, &w, NULL), 1);
  assert_false(r);
  assert_true(w);
  assert_int_equal(write(sv[1], "hi", 2), 2);
  assert_int_equal(select1(sv[0], -1, -1, CONF_WAIT_MS, &r, NULL, NULL), 1);
  assert_true(r);
  assert_int_equal(read(sv[0], buf, sizeof buf), 2);
  assert_int_equal(select1(sv[0], -1, -1, 0, &r, NULL, NULL), 0);
  /* Still blocking after select (select must not leave the socket non-blocking). */
  assert_int_equal(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  /* The peer's close: readable, and read gives EOF. */
  close(sv[1]);
  assert_int_equal(select1(sv[0], -1, -1, CONF_WAIT_MS, &r, NULL, NULL), 1);
  assert_true(r);
  assert_int_equal(read(sv[0], buf, sizeof buf), 0);
  close(sv[0]);
}

static void select_socket_keeps_blocking_mode(void **state) {
  int sv[2], r = -1;
  char buf[8];
  pid_t pid;
  posix_spawn_file_actions_t fa;
  (void)state;
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  /* A select that waited (and timed out), then a blocking read that must wait for the
   * child's data rather than fail with EAGAIN. */
  assert_int_equal(select1(sv[0], -1, -1, 20, &r, NULL, NULL), 0);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
  pid = conf_spawn_role(&fa, "write_byte", "3", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  assert_int_equal(read(sv[0], buf, 1), 1);
  assert_int_equal(buf[0], '!');
  assert_int_equal(conf_wait_exit_code(pid, "writer child"), 0);
  close(sv[0]);
  close(sv[1]);
}

static void select_tcp_listen_connect_accept(void **state) {
  struct sockaddr_in addr;
  int l, c, a, rc, r = -1, w = -1, err = -1;
  socklen_t len = sizeof err;
  (void)state;
  l = sel_tcp_listener(&addr);
  /* No connection pending: not readable. */
  assert_int_equal(select1(l, -1, -1, 0, &r, NULL, NULL), 0);
  c = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(c >= 0);
  assert_int_equal(fcntl(c, F_SETFL, O_NONBLOCK), 0);
  errno = 0;
  rc = connect(c, (struct sockaddr *)&addr, sizeof addr);
  assert_true(rc == 0 || errno == EINPROGRESS);
  /* The connecting socket becomes writable once connected; the listener readable. */
  assert_int_equal(select1(-1, c, -1, CONF_WAIT_MS, NULL, &w, NULL), 1);
  assert_true(w);
  assert_int_equal(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  assert_int_equal(err, 0);
  assert_int_equal(select1(l, -1, -1, CONF_WAIT_MS, &r, NULL, NULL), 1);
  assert_true(r);
  a = accept(l, NULL, NULL);
  assert_true(a >= 0);
  assert_int_equal(select1(l, -1, -1, 0, &r, NULL, NULL), 0);
  /* Connected: writable, readable once data comes. */
  assert_int_equal(select1(a, a, -1, 0, &r, &w, NULL), 1);
  assert_false(r);
  assert_true(w);
  assert_int_equal(write(c, "data", 4), 4);
  assert_int_equal(select1(a, -1, -1, CONF_WAIT_MS, &r, NULL, NULL), 1);
  assert_true(r);
  close(a);
  close(c);
  close(l);
}

static void select_tcp_oob_is_exceptional(void **state) {
  struct sockaddr_in addr;
  int l, c, a, r = -1, x = -1, one = 1;
  char ch = 0;
  (void)state;
  l = sel_tcp_listener(&addr);
  c = socket(AF_INET, SOCK_STREAM, 0);
  assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
  assert_int_equal(connect(c, (struct sockaddr *)&addr, sizeof addr), 0);
  a = accept(l, NULL, NULL);
  assert_true(a >= 0);
  assert_int_equal(select1(-1, -1, a, 0, NULL, NULL, &x), 0);
  assert_int_equal(send(c, "!", 1, MSG_OOB), 1);
  assert_true(select1(-1, -1, a, CONF_WAIT_MS, NULL, NULL, &x) == 1);
  assert_true(x);
  assert_int_equal(recv(a, &ch, 1, MSG_OOB), 1);
  assert_int_equal(ch, '!');
  (void)r;
  close(a);
  close(c);
  close(l);
}

static void select_regular_file_always_ready(void **state) {
  char path[64];
  int fd, r = 0, w = 0;
  (void)state;
  fd = sel_temp_file(path, sizeof path);
  assert_int_equal(select1(fd, fd, -1, 0, &r, &w, NULL), 2);
  assert_true(r); /* even at EOF: a read does not block */
  assert_true(w);
  close(fd);
  unlink(path);
}

static void select_mixed_set(void **state) {
  int p[2], sv[2], fd, n;
  char path[64];
  fd_set rs, ws;
  struct timeval tv = {0, 0};
  (void)state;
  assert_int_equal(pipe(p), 0);
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  fd = sel_temp_file(path, sizeof path);
  n = sel_max(sel_max(p[0], p[1]), sel_max(sel_max(sv[0], sv[1]), fd)) + 1;
  /* Read interest in the pipe, the socket and the file; only the file is ready. */
  FD_ZERO(&rs);
  FD_ZERO(&ws);
  FD_SET(p[0], &rs);
  FD_SET(sv[0], &rs);
  FD_SET(fd, &rs);
  assert_int_equal(select(n, &rs, &ws, NULL, &tv), 1);
  assert_true(FD_ISSET(fd, &rs));
  assert_false(FD_ISSET(p[0], &rs));
  assert_false(FD_ISSET(sv[0], &rs));
  /* Without the file: socket data makes the select return, with the socket alone set. */
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  FD_SET(sv[0], &rs);
  FD_SET(p[1], &ws);
  assert_int_equal(write(sv[1], "s", 1), 1);
  tv.tv_sec = CONF_WAIT_MS / 1000;
  assert_int_equal(select(n, &rs, &ws, NULL, &tv), 2);
  assert_true(FD_ISSET(sv[0], &rs));
  assert_false(FD_ISSET(p[0], &rs));
  assert_true(FD_ISSET(p[1], &ws));
  /* Then the pipe, waited for (no write interest). */
  FD_ZERO(&rs);
  FD_ZERO(&ws);
  FD_SET(p[0], &rs);
  FD_SET(sv[1], &rs);
  assert_int_equal(write(p[1], "p", 1), 1);
  tv.tv_sec = CONF_WAIT_MS / 1000;
  tv.tv_usec = 0;
  assert_int_equal(select(n, &rs, NULL, NULL, &tv), 1);
  assert_true(FD_ISSET(p[0], &rs));
  assert_false(FD_ISSET(sv[1], &rs));
  close(p[0]);
  close(p[1]);
  close(sv[0]);
  close(sv[1]);
  close(fd);
  unlink(path);
}

static void select_timeout_not_early_remaining_written_back(void **state) {
  int p[2];
  fd_set rs;
  struct timeval tv;
  long long t0, elapsed;
  (void)state;
  assert_int_equal(pipe(p), 0);
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  tv.tv_sec = 0;
  tv.tv_usec = 150000;
  t0 = conf_now_us();
  assert_int_equal(select(p[0] + 1, &rs, NULL, NULL, &tv), 0);
  elapsed = conf_now_us() - t0;
  if (elapsed < 150000)
    fail_msg("select with a 150 ms timeout returned after %lld us", elapsed);
  if (elapsed > 150000 + SEL_LATE_US)
    fail_msg("select with a 150 ms timeout returned after %lld us", elapsed);
  assert_false(FD_ISSET(p[0], &rs)); /* the set is cleared */
  assert_int_equal(tv.tv_sec, 0);    /* nothing left */
  assert_int_equal(tv.tv_usec, 0);
  /* Ready at once: almost all of the timeout is left. */
  assert_int_equal(write(p[1], "x", 1), 1);
  FD_SET(p[0], &rs);
  tv.tv_sec = 5;
  tv.tv_usec = 0;
  assert_int_equal(select(p[0] + 1, &rs, NULL, NULL, &tv), 1);
  assert_true(tv.tv_sec >= 3 && tv.tv_sec <= 5);
  assert_true(tv.tv_sec < 5 || tv.tv_usec == 0);
  /* A sleep: no fds at all. */
  tv.tv_sec = 0;
  tv.tv_usec = 50000;
  t0 = conf_now_us();
  assert_int_equal(select(0, NULL, NULL, NULL, &tv), 0);
  elapsed = conf_now_us() - t0;
  if (elapsed < 50000 || elapsed > 50000 + SEL_LATE_US)
    fail_msg("select(0, ..., 50 ms) returned after %lld us", elapsed);
  close(p[0]);
  close(p[1]);
}

static void select_ebadf_and_einval(void **state) {
  int p[2], closed;
  fd_set rs;
  struct timeval tv = {0, 0};
  (void)state;
  assert_int_equal(pipe(p), 0);
  closed = p[1];
  close(p[1]);
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  FD_SET(closed, &rs);
  errno = 0;
  assert_int_equal(select(sel_max(p[0], closed) + 1, &rs, NULL, NULL, &tv), -1);
  assert_int_equal(errno, EBADF);
  /* A closed fd beyond nfds is not looked at. */
  FD_ZERO(&rs);
  FD_SET(closed, &rs);
  assert_int_equal(select(closed, &rs, NULL, NULL, &tv), 0);
  FD_ZERO(&rs);
  errno = 0;
  assert_int_equal(select(-1, &rs, NULL, NULL, &tv), -1);
  assert_int_equal(errno, EINVAL);
  tv.tv_sec = -1;
  FD_SET(p[0], &rs);
  errno = 0;
  assert_int_equal(select(p[0] + 1, &rs, NULL, NULL, &tv), -1);
  assert_int_equal(errno, EINVAL);
  close(p[0]);
}

static void pselect_timeout_and_readiness(void **state) {
  int p[2];
  fd_set rs;
  struct timespec ts;
  sigset_t mask;
  long long t0, elapsed;
  (void)state;
  assert_int_equal(pipe(p), 0);
  sigemptyset(&mask);
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  ts.tv_sec = 0;
  ts.tv_nsec = 60 * 1000 * 1000;
  t0 = conf_now_us();
  assert_int_equal(pselect(p[0] + 1, &rs, NULL, NULL, &ts, &mask), 0);
  elapsed = conf_now_us() - t0;
  if (elapsed < 60000 || elapsed > 60000 + SEL_LATE_US)
    fail_msg("pselect with a 60 ms timeout returned after %lld us", elapsed);
  assert_int_equal(ts.tv_nsec, 60 * 1000 * 1000); /* pselect leaves the timeout alone */
  assert_int_equal(write(p[1], "x", 1), 1);
  FD_SET(p[0], &rs);
  assert_int_equal(pselect(p[0] + 1, &rs, NULL, NULL, NULL, NULL), 1);
  assert_true(FD_ISSET(p[0], &rs));
  ts.tv_nsec = 1000 * 1000 * 1000; /* out of range */
  errno = 0;
  assert_int_equal(pselect(p[0] + 1, &rs, NULL, NULL, &ts, NULL), -1);
  assert_int_equal(errno, EINVAL);
  close(p[0]);
  close(p[1]);
}

/* 1,000 pipe read ends in one set (read ends below FD_SETSIZE, write ends above it): an
 * idle select uses (almost) no CPU, never returns early, and returns the one fd another
 * process writes to. */
static void select_thousand_fds_one_ready_from_child(void **state) {
  struct sel_many m;
  fd_set rs;
  struct timeval tv;
  long long t0, cpu0, elapsed, cpu;
  int i, target, n;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  char c;
  (void)state;
  sel_many_open(&m, SEL_MANY);
  n = m.max_read + 1;
  assert_true(n <= FD_SETSIZE);
  /* Idle for 1 s: returns 0 after no less than 1 s, having used little CPU. */
  FD_ZERO(&rs);
  for (i = 0; i < m.count; ++i)
    FD_SET(m.rd[i], &rs);
  tv.tv_sec = 1;
  tv.tv_usec = 0;
  cpu0 = conf_cpu_time_us();
  t0 = conf_now_us();
  assert_int_equal(select(n, &rs, NULL, NULL, &tv), 0);
  elapsed = conf_now_us() - t0;
  cpu = conf_cpu_time_us() - cpu0;
  if (elapsed < 1000000 || elapsed > 1000000 + SEL_LATE_US)
    fail_msg("idle select on %d fds with a 1 s timeout returned after %lld us", m.count,
             elapsed);
  if (cpu > SEL_IDLE_CPU_US)
    fail_msg("idle select on %d fds used %lld us of CPU in %lld us", m.count, cpu, elapsed);
  /* One fd made ready by a child, deep in the set. */
  target = m.count * 7 / 10;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, m.wr[target], 3);
  pid = conf_spawn_role(&fa, "write_byte", "3", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  FD_ZERO(&rs);
  for (i = 0; i < m.count; ++i)
    FD_SET(m.rd[i], &rs);
  tv.tv_sec = CONF_WAIT_MS / 1000;
  tv.tv_usec = 0;
  assert_int_equal(select(n, &rs, NULL, NULL, &tv), 1);
  for (i = 0; i < m.count; ++i)
    if (FD_ISSET(m.rd[i], &rs) != (i == target))
      fail_msg("fd %d (pipe %d of %d) %s set", m.rd[i], i, m.count,
               i == target ? "not" : "wrongly");
  assert_int_equal(read(m.rd[target], &c, 1), 1);
  assert_int_equal(conf_wait_exit_code(pid, "writer child"), 0);
  sel_many_close(&m);
}

/* Readiness is current after read() drained what select reported: partial reads keep the
 * fd readable, a full drain makes it not readable (at once and in a timed wait), and new
 * data from another process makes it readable again. */
static void select_readiness_after_read_drained(void **state) {
  int p[2], r = -1, round;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  char buf[16];
  (void)state;
  assert_int_equal(pipe(p), 0);
  for (round = 0; round < 3; ++round) {
    assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 0);
    assert_int_equal(write(p[1], "0123456789", 10), 10);
    assert_int_equal(select1(p[0], -1, -1, CONF_WAIT_MS, &r, NULL, NULL), 1);
    assert_true(r);
    assert_int_equal(read(p[0], buf, 4), 4);
    assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 1);
    assert_true(r);
    assert_int_equal(read(p[0], buf, sizeof buf), 6);
    assert_memory_equal(buf, "456789", 6);
    assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 0);
    assert_false(r);
    assert_int_equal(select1(p[0], -1, -1, 30, &r, NULL, NULL), 0);
    assert_false(r);
  }
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 3);
  pid = conf_spawn_role(&fa, "write_byte", "3", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  assert_int_equal(select1(p[0], -1, -1, -1, &r, NULL, NULL), 1);
  assert_true(r);
  assert_int_equal(read(p[0], buf, sizeof buf), 1);
  assert_int_equal(buf[0], '!');
  assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 0);
  assert_int_equal(conf_wait_exit_code(pid, "writer child"), 0);
  close(p[0]);
  close(p[1]);
}

/* A select that found nothing does not take data from a later read(), in this process or
 * in a child sharing the read end; and once the child has read the data, the parent's
 * select no longer reports it. */
static void select_then_read_gets_all_data(void **state) {
  int p[2], q[2], r = -1;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  char c;
  (void)state;
  assert_int_equal(pipe(p), 0);
  assert_int_equal(pipe(q), 0);
  /* Here: a blocking read after an empty select gets the byte another process writes. */
  assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 0);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 3);
  pid = conf_spawn_role(&fa, "write_byte", "3", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  assert_int_equal(read(p[0], &c, 1), 1);
  assert_int_equal(c, '!');
  assert_int_equal(conf_wait_exit_code(pid, "writer child"), 0);
  /* A child reading the same pipe gets the byte although the parent selected on it. */
  assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 0);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[0], 0);
  posix_spawn_file_actions_adddup2(&fa, q[1], 1);
  pid = conf_spawn_role(&fa, "echo_byte", NULL, NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  assert_int_equal(write(p[1], "k", 1), 1);
  assert_int_equal(read(q[0], &c, 1), 1);
  assert_int_equal(c, 'k');
  assert_int_equal(conf_wait_exit_code(pid, "echo child"), 0);
  assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 0);
  assert_false(r);
  close(p[0]);
  close(p[1]);
  close(q[0]);
  close(q[1]);
}

/* close() of a read end that select left waiting really closes it (the writer gets
 * EPIPE), and a new pipe that reuses the fd number starts from its own state. */
static void select_close_after_wait(void **state) {
  int p[2], q[2], r = -1;
  char c;
  (void)state;
  signal(SIGPIPE, SIG_IGN);
  assert_int_equal(pipe(p), 0);
  assert_int_equal(select1(p[0], -1, -1, 0, &r, NULL, NULL), 0);
  assert_int_equal(select1(p[0], -1, -1, 20, &r, NULL, NULL), 0);
  assert_int_equal(close(p[0]), 0);
  errno = 0;
  assert_int_equal(write(p[1], "x", 1), -1);
  assert_int_equal(errno, EPIPE);
  assert_int_equal(pipe(q), 0);
  assert_int_equal(select1(q[0], -1, -1, 0, &r, NULL, NULL), 0);
  assert_int_equal(write(q[1], "y", 1), 1);
  assert_int_equal(select1(q[0], -1, -1, CONF_WAIT_MS, &r, NULL, NULL), 1);
  assert_true(r);
  assert_int_equal(read(q[0], &c, 1), 1);
  assert_int_equal(c, 'y');
  close(p[1]);
  close(q[0]);
  close(q[1]);
  signal(SIGPIPE, SIG_DFL);
}

/* dup2 over an fd select waited on: the fd now reads the other pipe, and select on it
 * reports that pipe's readiness, not the old one's (whose read end is closed). */
static void select_after_dup2_over_watched_fd(void **state) {
  int a[2], b[2], r = -1;
  char c;
  (void)state;
  signal(SIGPIPE, SIG_IGN);
  assert_int_equal(pipe(a), 0);
  assert_int_equal(pipe(b), 0);
  assert_int_equal(select1(b[0], -1, -1, 0, &r, NULL, NULL), 0);
  assert_int_equal(dup2(a[0], b[0]), b[0]);
  errno = 0;
  assert_int_equal(write(b[1], "x", 1), -1); /* b's read end is gone */
  assert_int_equal(errno, EPIPE);
  assert_int_equal(select1(b[0], -1, -1, 0, &r, NULL, NULL), 0);
  assert_int_equal(write(a[1], "a", 1), 1);
  assert_int_equal(select1(b[0], -1, -1, CONF_WAIT_MS, &r, NULL, NULL), 1);
  assert_true(r);
  assert_int_equal(read(b[0], &c, 1), 1);
  assert_int_equal(c, 'a');
  assert_int_equal(select1(a[0], -1, -1, 0, &r, NULL, NULL), 0);
  close(a[0]);
  close(a[1]);
  close(b[0]);
  close(b[1]);
  signal(SIGPIPE, SIG_DFL);
}

/* select on one set of fds, then a subset, then the whole set again (more than 64 fds),
 * with a different fd ready each time: each call reports exactly the ready one. */
static void select_many_fds_changing_sets(void **state) {
  struct sel_many m;
  fd_set rs;
  struct timeval tv;
  int i, round, n;
  static const int lo[] = {0, 100, 0, 30, 0};
  static const int hi[] = {200, 200, 200, 170, 200};
  static const int ready[] = {-1, 150, 70, 31, 199};
  pid_t pid;
  posix_spawn_file_actions_t fa;
  char c;
  (void)state;
  sel_many_open(&m, 200);
  n = m.max_read + 1;
  for (round = 0; round < 5; ++round) {
    if (ready[round] >= 0)
      assert_int_equal(write(m.wr[ready[round]], "z", 1), 1);
    FD_ZERO(&rs);
    for (i = lo[round]; i < hi[round]; ++i)
      FD_SET(m.rd[i], &rs);
    tv.tv_sec = 0;
    tv.tv_usec = ready[round] >= 0 ? 0 : 50000;
    assert_int_equal(select(n, &rs, NULL, NULL, &tv), ready[round] >= 0 ? 1 : 0);
    for (i = 0; i < m.count; ++i)
      if ((FD_ISSET(m.rd[i], &rs) != 0) != (i == ready[round]))
        fail_msg("round %d: pipe %d %s set", round, i, i == ready[round] ? "not" : "wrongly");
    if (ready[round] >= 0)
      assert_int_equal(read(m.rd[ready[round]], &c, 1), 1);
  }
  /* Blocking, on the same set as the last call: a child writes to one pipe. */
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, m.wr[137], 3);
  pid = conf_spawn_role(&fa, "write_byte", "3", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  FD_ZERO(&rs);
  for (i = 0; i < m.count; ++i)
    FD_SET(m.rd[i], &rs);
  assert_int_equal(select(n, &rs, NULL, NULL, NULL), 1);
  for (i = 0; i < m.count; ++i)
    if ((FD_ISSET(m.rd[i], &rs) != 0) != (i == 137))
      fail_msg("blocking: pipe %d %s set", i, i == 137 ? "not" : "wrongly");
  assert_int_equal(read(m.rd[137], &c, 1), 1);
  assert_int_equal(conf_wait_exit_code(pid, "writer child"), 0);
  sel_many_close(&m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(select_pipe_read_and_write_ends),
    cmocka_unit_test(select_pipe_eof_is_readable),
    cmocka_unit_test(select_pipe_without_reader_is_writable),
    cmocka_unit_test(select_waits_for_data_from_another_process),
    cmocka_unit_test(select_socketpair),
    cmocka_unit_test(select_socket_keeps_blocking_mode),
    cmocka_unit_test(select_tcp_listen_connect_accept),
    cmocka_unit_test(select_tcp_oob_is_exceptional),
    cmocka_unit_test(select_regular_file_always_ready),
    cmocka_unit_test(select_mixed_set),
    cmocka_unit_test(select_timeout_not_early_remaining_written_back),
    cmocka_unit_test(select_ebadf_and_einval),
    cmocka_unit_test(pselect_timeout_and_readiness),
    cmocka_unit_test(select_thousand_fds_one_ready_from_child),
    cmocka_unit_test(select_readiness_after_read_drained),
    cmocka_unit_test(select_then_read_gets_all_data),
    cmocka_unit_test(select_close_after_wait),
    cmocka_unit_test(select_after_dup2_over_watched_fd),
    cmocka_unit_test(select_many_fds_changing_sets),
};

static const struct conf_role roles[] = {
    {"write_byte", sel_role_write_byte},
    {"echo_byte", sel_role_echo_byte},
};

CONF_MAIN_WITH_ROLES(tests, roles)
