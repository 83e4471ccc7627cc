/* Sockets as fds: socketpair(AF_UNIX, SOCK_STREAM) through read/write/close, fstat
 * S_ISSOCK, lseek ESPIPE, fcntl O_NONBLOCK (EAGAIN), shutdown (EOF, EPIPE), TCP on
 * loopback (bind/listen/accept/connect, getsockname/getpeername, non-blocking connect),
 * the errno codes programs test (ECONNREFUSED, EADDRINUSE, ENOTCONN, ENOTSOCK, EBADF), and
 * socket fds passed to a spawned child. */
#define _GNU_SOURCE
#include "posix_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void make_pair(int sv[2]) {
  sv[0] = sv[1] = -1;
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  assert_true(sv[0] >= 0 && sv[1] >= 0 && sv[0] != sv[1]);
}

/* Role: writes argv[1] to fd argv[0] (a socket inherited from the parent). */
static int role_write_fd(int argc, char **argv) {
  if (argc < 2)
    return 3;
  return write(atoi(argv[0]), argv[1], strlen(argv[1])) == (ssize_t)strlen(argv[1]) ? 0 : 4;
}

static void socketpair_read_write_close(void **state) {
  int sv[2];
  char buf[32];
  (void)state;
  make_pair(sv);
  assert_int_equal(write(sv[0], "ping", 4), 4);
  assert_int_equal(conf_read_some(sv[1], buf, sizeof buf, CONF_WAIT_MS), 4);
  assert_memory_equal(buf, "ping", 4);
  assert_int_equal(write(sv[1], "pong!", 5), 5); /* both directions */
  assert_int_equal(conf_read_some(sv[0], buf, sizeof buf, CONF_WAIT_MS), 5);
  assert_memory_equal(buf, "pong!", 5);
  assert_int_equal(close(sv[0]), 0);
  assert_int_equal(conf_read_some(sv[1], buf, sizeof buf, CONF_WAIT_MS), 0); /* EOF */
  assert_int_equal(close(sv[1]), 0);
}

static void socketpair_send_recv_and_fd_calls(void **state) {
  int sv[2], d;
  char buf[16];
  struct stat st;
  (void)state;
  make_pair(sv);
  memset(&st, 0, sizeof st);
  assert_int_equal(fstat(sv[0], &st), 0);
  assert_true(S_ISSOCK(st.st_mode));
  errno = 0;
  assert_int_equal(lseek(sv[0], 0, SEEK_SET), -1);
  assert_int_equal(errno, ESPIPE);
  assert_int_equal(isatty(sv[0]), 0);
  assert_int_equal(send(sv[0], "abc", 3, 0), 3);
  assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
  {
    int waited = 0;
    ssize_t r;
    while ((r = recv(sv[1], buf, sizeof buf, 0)) < 0 && conf_is_eagain(errno) &&
           waited < CONF_WAIT_MS) {
      conf_sleep_ms(1);
      ++waited;
    }
    assert_int_equal(r, 3);
  }
  assert_memory_equal(buf, "abc", 3);
  /* A dup is the same socket. */
  d = dup(sv[0]);
  assert_true(d >= 0);
  assert_int_equal(write(d, "d", 1), 1);
  assert_int_equal(close(sv[0]), 0);
  assert_int_equal(conf_read_some(sv[1], buf, sizeof buf, CONF_WAIT_MS), 1);
  assert_int_equal(close(d), 0);
  assert_int_equal(conf_read_some(sv[1], buf, sizeof buf, CONF_WAIT_MS), 0);
  close(sv[1]);
}

static void socket_dup2_onto_chosen_fd(void **state) {
  int sv[2], target;
  char buf[8];
  (void)state;
  make_pair(sv);
  target = (sv[0] > sv[1] ? sv[0] : sv[1]) + 9;
  assert_int_equal(dup2(sv[0], target), target);
  assert_int_equal(write(target, "t", 1), 1);
  assert_int_equal(conf_read_some(sv[1], buf, sizeof buf, CONF_WAIT_MS), 1);
  assert_int_equal(close(sv[0]), 0); /* the socket stays open through target */
  assert_int_equal(write(sv[1], "u", 1), 1);
  assert_int_equal(conf_read_some(target, buf, sizeof buf, CONF_WAIT_MS), 1);
  assert_int_equal(buf[0], 'u');
  assert_int_equal(close(target), 0);
  assert_int_equal(conf_read_some(sv[1], buf, sizeof buf, CONF_WAIT_MS), 0);
  close(sv[1]);
}

static void socket_nonblock_recv_is_eagain(void **state) {
  int sv[2];
  char c;
  (void)state;
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  assert_true(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
  errno = 0;
  assert_int_equal(read(sv[0], &c, 1), -1);
  assert_true(conf_is_eagain(errno));
  errno = 0;
  assert_int_equal(recv(sv[0], &c, 1, 0), -1);
  assert_true(conf_is_eagain(errno));
  assert_int_equal(fcntl(sv[0], F_SETFL, 0), 0);
  assert_int_equal(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  close(sv[0]);
  close(sv[1]);
}

static void socket_shutdown_gives_eof_and_epipe(void **state) {
  int sv[2];
  char buf[8];
  (void)state;
  make_pair(sv);
  assert_int_equal(shutdown(sv[0], SHUT_WR), 0);
  assert_int_equal(conf_read_some(sv[1], buf, sizeof buf, CONF_WAIT_MS), 0); /* EOF */
  errno = 0;
  assert_int_equal(send(sv[0], "x", 1, MSG_NOSIGNAL), -1);
  assert_int_equal(errno, EPIPE);
  /* The other direction still works. */
  assert_int_equal(write(sv[1], "back", 4), 4);
  assert_int_equal(conf_read_some(sv[0], buf, sizeof buf, CONF_WAIT_MS), 4);
  errno = 0;
  assert_int_equal(shutdown(sv[0], 42), -1);
  assert_int_equal(errno, EINVAL);
  close(sv[0]);
  close(sv[1]);
}

static int tcp_listener(struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  socklen_t len = sizeof *addr;
  assert_true(fd >= 0);
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr->sin_port = 0;
  assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof *addr), 0);
  assert_int_equal(listen(fd, 4), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
  assert_int_equal(len, sizeof *addr);
  assert_int_not_equal(addr->sin_port, 0);
  return fd;
}

static void tcp_loopback_connect_accept_io(void **state) {
  struct sockaddr_in addr, peer, local;
  socklen_t len;
  int l, c, a, one = 1;
  char buf[16];
  (void)state;
  l = tcp_listener(&addr);
  c = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(c >= 0);
  assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
  assert_int_equal(connect(c, (struct sockaddr *)&addr, sizeof addr), 0);
  len = sizeof peer;
  a = accept(l, (struct sockaddr *)&peer, &len);
  assert_true(a >= 0);
  len = sizeof local;
  assert_int_equal(getsockname(c, (struct sockaddr *)&local, &len), 0);
  assert_int_equal(peer.sin_port, local.sin_port); /* accept saw our client */
  len = sizeof peer;
  assert_int_equal(getpeername(c, (struct sockaddr *)&peer, &len), 0);
  assert_int_equal(peer.sin_port, addr.sin_port);
  assert_int_equal(write(c, "over tcp", 8), 8);
  assert_int_equal(conf_read_some(a, buf, sizeof buf, CONF_WAIT_MS), 8);
  assert_memory_equal(buf, "over tcp", 8);
  assert_int_equal(fcntl(a, F_GETFL) & O_NONBLOCK, 0); /* accepted sockets block */
  close(c);
  assert_int_equal(conf_read_some(a, buf, sizeof buf, CONF_WAIT_MS), 0);
  close(a);
  close(l);
}

static void tcp_nonblocking_connect_in_progress(void **state) {
  struct sockaddr_in addr;
  int l, c, a, err = -1, waited = 0;
  socklen_t len = sizeof err;
  int rc;
  (void)state;
  l = tcp_listener(&addr);
  c = socket(AF_INET, SOCK_STREAM, 0);
  assert_int_equal(fcntl(c, F_SETFL, O_NONBLOCK), 0);
  errno = 0;
  rc = connect(c, (struct sockaddr *)&addr, sizeof addr);
  assert_true(rc == 0 || errno == EINPROGRESS);
  a = accept(l, NULL, NULL);
  assert_true(a >= 0);
  /* Completed once the peer is known (bounded wait). */
  for (;;) {
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    if (getpeername(c, (struct sockaddr *)&peer, &plen) == 0)
      break;
    assert_int_equal(errno, ENOTCONN);
    if (waited >= CONF_WAIT_MS)
      fail_msg("non-blocking connect did not complete within %d ms", CONF_WAIT_MS);
    conf_sleep_ms(1);
    ++waited;
  }
  assert_int_equal(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  assert_int_equal(err, 0);
  close(a);
  close(c);
  close(l);
}

static void tcp_error_codes(void **state) {
  struct sockaddr_in addr, unused;
  int l, s, c;
  socklen_t len = sizeof unused;
  char buf[4];
  (void)state;
  l = tcp_listener(&addr);
  /* A port in use. */
  s = socket(AF_INET, SOCK_STREAM, 0);
  errno = 0;
  assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof addr), -1);
  assert_int_equal(errno, EADDRINUSE);
  close(s);
  /* A port nobody listens on: bound but not listening. */
  s = socket(AF_INET, SOCK_STREAM, 0);
  memset(&unused, 0, sizeof unused);
  unused.sin_family = AF_INET;
  unused.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(s, (struct sockaddr *)&unused, sizeof unused), 0);
  assert_int_equal(getsockname(s, (struct sockaddr *)&unused, &len), 0);
  c = socket(AF_INET, SOCK_STREAM, 0);
  errno = 0;
  assert_int_equal(connect(c, (struct sockaddr *)&unused, sizeof unused), -1);
  assert_int_equal(errno, ECONNREFUSED);
  close(c);
  /* Not connected. */
  errno = 0;
  assert_int_equal(recv(s, buf, sizeof buf, 0), -1);
  assert_int_equal(errno, ENOTCONN);
  errno = 0;
  assert_int_equal(getpeername(s, (struct sockaddr *)&unused, &len), -1);
  assert_int_equal(errno, ENOTCONN);
  close(s);
  close(l);
}

static void socket_calls_on_wrong_or_closed_fds(void **state) {
  int fds[2], sv[2];
  char c = 0;
  (void)state;
  assert_int_equal(pipe(fds), 0);
  errno = 0;
  assert_int_equal(send(fds[1], "x", 1, 0), -1);
  assert_int_equal(errno, ENOTSOCK);
  errno = 0;
  assert_int_equal(listen(fds[0], 1), -1);
  assert_int_equal(errno, ENOTSOCK);
  close(fds[0]);
  close(fds[1]);
  make_pair(sv);
  close(sv[0]);
  errno = 0;
  assert_int_equal(send(sv[0], &c, 1, 0), -1);
  assert_int_equal(errno, EBADF);
  errno = 0;
  assert_int_equal(recv(sv[0], &c, 1, 0), -1);
  assert_int_equal(errno, EBADF);
  errno = 0;
  assert_int_equal(shutdown(sv[0], SHUT_RDWR), -1);
  assert_int_equal(errno, EBADF);
  errno = 0;
  assert_int_equal(close(sv[0]), -1);
  assert_int_equal(errno, EBADF);
  close(sv[1]);
  errno = 0;
  assert_int_equal(socketpair(AF_INET, SOCK_STREAM, 0, sv), -1);
  assert_int_equal(errno, EOPNOTSUPP);
}

static void socket_fd_reaches_spawned_child(void **state) {
  int sv[2];
  char num[16], buf[32];
  pid_t pid;
  (void)state;
  make_pair(sv);
  snprintf(num, sizeof num, "%d", sv[1]);
  pid = conf_spawn_role(NULL, "write_fd", num, "from child", NULL);
  assert_int_equal(conf_wait_exit_code(pid, "write_fd on a socket"), 0);
  assert_int_equal(conf_read_some(sv[0], buf, sizeof buf, CONF_WAIT_MS), 10);
  assert_memory_equal(buf, "from child", 10);
  close(sv[0]);
  close(sv[1]);
}

/* docs/examples/posix/select_server.c, built next to this binary: a select() server that
 * serves 4 spawned clients of 50 lines each over loopback TCP and exits 0 when every reply
 * matched and every client exited 0. */
static void example_select_server_serves_clients(void **state) {
  static const char *const args[] = {"4", "50", NULL};
  (void)state;
  assert_int_equal(conf_run_sibling("example-posix-select-server", args), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(socketpair_read_write_close),
    cmocka_unit_test(socketpair_send_recv_and_fd_calls),
    cmocka_unit_test(socket_dup2_onto_chosen_fd),
    cmocka_unit_test(socket_nonblock_recv_is_eagain),
    cmocka_unit_test(socket_shutdown_gives_eof_and_epipe),
    cmocka_unit_test(tcp_loopback_connect_accept_io),
    cmocka_unit_test(tcp_nonblocking_connect_in_progress),
    cmocka_unit_test(tcp_error_codes),
    cmocka_unit_test(socket_calls_on_wrong_or_closed_fds),
    cmocka_unit_test(socket_fd_reaches_spawned_child),
    cmocka_unit_test(example_select_server_serves_clients),
};

static const struct conf_role roles[] = {
    {"write_fd", role_write_fd},
};

CONF_MAIN_WITH_ROLES(tests, roles)
