/* poll(): POLLIN/POLLOUT on pipe ends, POLLHUP once every writer is gone (even with
 * events 0), POLLERR on a write end without reader, POLLNVAL for a closed fd and negative
 * fds skipped, sockets (socketpair, listening, connecting, connected, POLLPRI for
 * out-of-band data), regular files, mixed arrays, timeouts, and 1,000 fds (and repeated
 * entries) with one made ready by another process. */
#define _GNU_SOURCE /* pipe2 in glibc */
#include "posix_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "select_util.h"

/* poll on one fd; returns revents (the count must be 0 or 1 accordingly). */
static short poll1(int fd, short events, int ms) {
  struct pollfd p;
  int rc;
  p.fd = fd;
  p.events = events;
  p.revents = (short)0x7fff; /* poll must overwrite it */
  rc = poll(&p, 1, ms);
  if (rc < 0)
    fail_msg("poll failed: %s", strerror(errno));
  if (rc != (p.revents != 0))
    fail_msg("poll returned %d with revents 0x%x", rc, (unsigned)p.revents);
  return p.revents;
}

static void poll_pipe_in_and_out(void **state) {
  int p[2];
  char c;
  (void)state;
  assert_int_equal(pipe(p), 0);
  assert_int_equal(poll1(p[0], POLLIN, 0), 0);
  assert_int_equal(poll1(p[1], POLLOUT, 0), POLLOUT);
  assert_int_equal(poll1(p[0], POLLOUT, 0), 0); /* the read end is never writable */
  assert_int_equal(poll1(p[1], POLLIN, 0), 0);  /* nor the write end readable */
  assert_int_equal(write(p[1], "x", 1), 1);
  assert_int_equal(poll1(p[0], POLLIN | POLLOUT, CONF_WAIT_MS), POLLIN);
  assert_int_equal(read(p[0], &c, 1), 1);
  assert_int_equal(poll1(p[0], POLLIN, 0), 0);
  close(p[0]);
  close(p[1]);
}

static void poll_pipe_hup_when_writers_gone(void **state) {
  int p[2];
  char c;
  short r;
  (void)state;
  assert_int_equal(pipe(p), 0);
  close(p[1]);
  r = poll1(p[0], POLLIN, CONF_WAIT_MS);
  assert_true(r & POLLHUP);
  /* Reported even when not asked for. */
  assert_true(poll1(p[0], 0, CONF_WAIT_MS) & POLLHUP);
  assert_int_equal(read(p[0], &c, 1), 0);
  close(p[0]);
}

static void poll_pipe_hup_from_another_process(void **state) {
  int p[2];
  char c;
  short r;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  (void)state;
  assert_int_equal(pipe(p), 0);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 3);
  pid = conf_spawn_role(&fa, "write_byte", "3", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]); /* the child holds the only write end */
  r = poll1(p[0], POLLIN, CONF_WAIT_MS);
  assert_true(r & (POLLIN | POLLHUP));
  assert_int_equal(read(p[0], &c, 1), 1);
  assert_int_equal(c, '!');
  /* Then, the child gone, EOF. */
  assert_true(poll1(p[0], POLLIN, CONF_WAIT_MS) & POLLHUP);
  assert_int_equal(read(p[0], &c, 1), 0);
  assert_int_equal(conf_wait_exit_code(pid, "writer child"), 0);
  close(p[0]);
}

static void poll_pipe_err_without_reader(void **state) {
  int p[2];
  short r;
  (void)state;
  assert_int_equal(pipe(p), 0);
  close(p[0]);
  r = poll1(p[1], POLLOUT, CONF_WAIT_MS);
  assert_true(r & POLLERR);
  close(p[1]);
}

static void poll_nval_and_negative_fds(void **state) {
  int p[2], closed;
  struct pollfd fds[3];
  (void)state;
  assert_int_equal(pipe(p), 0);
  closed = p[1];
  close(p[1]);
  fds[0].fd = closed;
  fds[0].events = POLLIN;
  fds[1].fd = -1; /* skipped */
  fds[1].events = POLLIN;
  fds[1].revents = POLLIN;
  fds[2].fd = p[0];
  fds[2].events = POLLIN;
  assert_int_equal(poll(fds, 3, CONF_WAIT_MS), 2); /* nval, and p[0] at EOF */
  assert_int_equal(fds[0].revents, POLLNVAL);
  assert_int_equal(fds[1].revents, 0);
  assert_true(fds[2].revents & POLLHUP);
  close(p[0]);
}

static void poll_socketpair(void **state) {
  int sv[2];
  char buf[8];
  short r;
  (void)state;
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  assert_int_equal(poll1(sv[0], POLLIN | POLLOUT, 0), POLLOUT);
  assert_int_equal(write(sv[1], "hi", 2), 2);
  assert_true(poll1(sv[0], POLLIN, CONF_WAIT_MS) == POLLIN);
  assert_int_equal(read(sv[0], buf, sizeof buf), 2);
  assert_int_equal(poll1(sv[0], POLLIN, 0), 0);
  assert_int_equal(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  /* The peer's close: POLLIN (read gives EOF) and POLLHUP, as AF_UNIX does. */
  close(sv[1]);
  r = poll1(sv[0], POLLIN, CONF_WAIT_MS);
  assert_true(r & POLLIN);
  assert_true(r & POLLHUP);
  assert_int_equal(read(sv[0], buf, sizeof buf), 0);
  close(sv[0]);
}

static void poll_tcp_sockets(void **state) {
  struct sockaddr_in addr;
  int l, c, a, rc;
  (void)state;
  l = sel_tcp_listener(&addr);
  assert_int_equal(poll1(l, POLLIN, 0), 0);
  c = socket(AF_INET, SOCK_STREAM, 0);
  assert_int_equal(fcntl(c, F_SETFL, O_NONBLOCK), 0);
  errno = 0;
  rc = connect(c, (struct sockaddr *)&addr, sizeof addr);
  assert_true(rc == 0 || errno == EINPROGRESS);
  assert_int_equal(poll1(c, POLLOUT, CONF_WAIT_MS), POLLOUT);
  assert_int_equal(poll1(l, POLLIN, CONF_WAIT_MS), POLLIN);
  a = accept(l, NULL, NULL);
  assert_true(a >= 0);
  assert_int_equal(poll1(a, POLLIN | POLLOUT, 0), POLLOUT);
  assert_int_equal(write(c, "data", 4), 4);
  assert_true(poll1(a, POLLIN, CONF_WAIT_MS) & POLLIN);
  /* The client's close: readable (EOF). */
  close(c);
  {
    char buf[8];
    assert_int_equal(read(a, buf, sizeof buf), 4);
    assert_true(poll1(a, POLLIN, CONF_WAIT_MS) & POLLIN);
    assert_int_equal(read(a, buf, sizeof buf), 0);
  }
  close(a);
  close(l);
}

static void poll_tcp_oob_is_pollpri(void **state) {
  struct sockaddr_in addr;
  int l, c, a, one = 1;
  char ch = 0;
  (void)state;
  l = sel_tcp_listener(&addr);
  c = socket(AF_INET, SOCK_STREAM, 0);
  assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
  assert_int_equal(connect(c, (struct sockaddr *)&addr, sizeof addr), 0);
  a = accept(l, NULL, NULL);
  assert_true(a >= 0);
  assert_int_equal(poll1(a, POLLPRI, 0), 0);
  assert_int_equal(send(c, "!", 1, MSG_OOB), 1);
  assert_true(poll1(a, POLLPRI, CONF_WAIT_MS) & POLLPRI);
  assert_int_equal(recv(a, &ch, 1, MSG_OOB), 1);
  assert_int_equal(ch, '!');
  close(a);
  close(c);
  close(l);
}

static void poll_regular_file(void **state) {
  char path[64];
  int fd;
  (void)state;
  fd = sel_temp_file(path, sizeof path);
  assert_int_equal(poll1(fd, POLLIN | POLLOUT, 0), POLLIN | POLLOUT);
  close(fd);
  unlink(path);
}

static void poll_mixed_array(void **state) {
  int p[2], sv[2], fd;
  char path[64];
  struct pollfd fds[4];
  (void)state;
  assert_int_equal(pipe(p), 0);
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  fd = sel_temp_file(path, sizeof path);
  fds[0].fd = p[0];
  fds[0].events = POLLIN;
  fds[1].fd = sv[0];
  fds[1].events = POLLIN;
  fds[2].fd = p[1];
  fds[2].events = POLLOUT;
  fds[3].fd = fd;
  fds[3].events = POLLIN;
  assert_int_equal(poll(fds, 4, 0), 2);
  assert_int_equal(fds[0].revents, 0);
  assert_int_equal(fds[1].revents, 0);
  assert_int_equal(fds[2].revents, POLLOUT);
  assert_int_equal(fds[3].revents, POLLIN);
  /* Only the pipe and the socket: the socket's data ends the wait. */
  assert_int_equal(write(sv[1], "s", 1), 1);
  assert_int_equal(poll(fds, 2, CONF_WAIT_MS), 1);
  assert_int_equal(fds[0].revents, 0);
  assert_int_equal(fds[1].revents, POLLIN);
  close(p[0]);
  close(p[1]);
  close(sv[0]);
  close(sv[1]);
  close(fd);
  unlink(path);
}

static void poll_timeouts(void **state) {
  int p[2];
  struct pollfd fd;
  long long t0, elapsed;
  (void)state;
  assert_int_equal(pipe(p), 0);
  fd.fd = p[0];
  fd.events = POLLIN;
  t0 = conf_now_us();
  assert_int_equal(poll(&fd, 1, 120), 0);
  elapsed = conf_now_us() - t0;
  if (elapsed < 120000 || elapsed > 120000 + SEL_LATE_US)
    fail_msg("poll with a 120 ms timeout returned after %lld us", elapsed);
  assert_int_equal(fd.revents, 0);
  /* No fds: a sleep. */
  t0 = conf_now_us();
  assert_int_equal(poll(NULL, 0, 40), 0);
  elapsed = conf_now_us() - t0;
  if (elapsed < 40000 || elapsed > 40000 + SEL_LATE_US)
    fail_msg("poll(NULL, 0, 40) returned after %lld us", elapsed);
  close(p[0]);
  close(p[1]);
}

/* Entries `target` and the two extra ones (index >= count) watch the fd made ready:
 * each must report POLLIN (or, when `may_miss`, nothing yet); all others nothing. */
static void check_thousand_revents(const struct pollfd *fds, int n, int target, int count,
                                   int may_miss) {
  int i;
  for (i = 0; i < n; ++i) {
    short want = (i == target || i >= count) ? POLLIN : 0;
    if (fds[i].revents != want && !(may_miss && fds[i].revents == 0))
      fail_msg("entry %d (fd %d): revents 0x%x, expected 0x%x", i, fds[i].fd,
               (unsigned)fds[i].revents, (unsigned)want);
  }
}

/* 1,000 pipe read ends, one of them also listed twice more: an idle poll uses little CPU,
 * and the one fd a child writes to is reported (in every entry that names it). */
static void poll_thousand_fds_one_ready_from_child(void **state) {
  static struct sel_many m;
  static struct pollfd fds[SEL_MANY + 2];
  long long t0, cpu0, elapsed, cpu;
  int i, target, n, rc;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  char c;
  (void)state;
  sel_many_open(&m, SEL_MANY);
  target = m.count / 2;
  for (i = 0; i < m.count; ++i) {
    fds[i].fd = m.rd[i];
    fds[i].events = POLLIN;
  }
  fds[m.count].fd = m.rd[target];
  fds[m.count].events = POLLIN;
  fds[m.count + 1].fd = m.rd[target];
  fds[m.count + 1].events = POLLIN | POLLOUT;
  n = m.count + 2;
  cpu0 = conf_cpu_time_us();
  t0 = conf_now_us();
  assert_int_equal(poll(fds, (nfds_t)n, 1000), 0);
  elapsed = conf_now_us() - t0;
  cpu = conf_cpu_time_us() - cpu0;
  if (elapsed < 1000000 || elapsed > 1000000 + SEL_LATE_US)
    fail_msg("idle poll on %d fds with a 1 s timeout returned after %lld us", n, elapsed);
  if (cpu > SEL_IDLE_CPU_US)
    fail_msg("idle poll on %d fds used %lld us of CPU in %lld us", n, cpu, elapsed);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, m.wr[target], 3);
  pid = conf_spawn_role(&fa, "write_byte", "3", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  /* poll scans its entries one after another, so a write landing mid-scan may wake it
   * with only the later entries for the fd reported (Linux does this): the blocking call
   * must report a non-empty subset, and a poll with no wait then sees all three. */
  rc = poll(fds, (nfds_t)n, CONF_WAIT_MS);
  if (rc < 1 || rc > 3)
    fail_msg("blocking poll on %d fds returned %d, expected 1..3", n, rc);
  check_thousand_revents(fds, n, target, m.count, 1);
  assert_int_equal(poll(fds, (nfds_t)n, 0), 3);
  check_thousand_revents(fds, n, target, m.count, 0);
  assert_int_equal(read(m.rd[target], &c, 1), 1);
  assert_int_equal(conf_wait_exit_code(pid, "writer child"), 0);
  sel_many_close(&m);
}

/* Blocking polls in a row on the same 200 fds (more than one wait can cover), a child
 * making a different one ready each time, then on a smaller array: each reports exactly
 * the ready fd. */
static void poll_many_fds_repeated(void **state) {
  static struct sel_many m;
  static struct pollfd fds[200];
  static const int targets[] = {5, 190, 64, 127};
  int i, k, n;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  char c;
  (void)state;
  sel_many_open(&m, 200);
  for (k = 0; k < 4; ++k) {
    n = k < 3 ? m.count : 130;
    for (i = 0; i < n; ++i) {
      fds[i].fd = m.rd[k < 3 ? i : i + 70];
      fds[i].events = POLLIN;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, m.wr[targets[k]], 3);
    pid = conf_spawn_role(&fa, "write_byte", "3", NULL, NULL);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(poll(fds, (nfds_t)n, CONF_WAIT_MS), 1);
    for (i = 0; i < n; ++i) {
      short want = fds[i].fd == m.rd[targets[k]] ? POLLIN : 0;
      if (fds[i].revents != want)
        fail_msg("poll %d, entry %d: revents 0x%x, expected 0x%x", k, i,
                 (unsigned)fds[i].revents, (unsigned)want);
    }
    assert_int_equal(read(m.rd[targets[k]], &c, 1), 1);
    assert_int_equal(conf_wait_exit_code(pid, "writer child"), 0);
  }
  sel_many_close(&m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(poll_pipe_in_and_out),
    cmocka_unit_test(poll_pipe_hup_when_writers_gone),
    cmocka_unit_test(poll_pipe_hup_from_another_process),
    cmocka_unit_test(poll_pipe_err_without_reader),
    cmocka_unit_test(poll_nval_and_negative_fds),
    cmocka_unit_test(poll_socketpair),
    cmocka_unit_test(poll_tcp_sockets),
    cmocka_unit_test(poll_tcp_oob_is_pollpri),
    cmocka_unit_test(poll_regular_file),
    cmocka_unit_test(poll_mixed_array),
    cmocka_unit_test(poll_timeouts),
    cmocka_unit_test(poll_thousand_fds_one_ready_from_child),
    cmocka_unit_test(poll_many_fds_repeated),
};

static const struct conf_role roles[] = {
    {"write_byte", sel_role_write_byte},
};

CONF_MAIN_WITH_ROLES(tests, roles)
