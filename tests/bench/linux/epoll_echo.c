/* The native limit for tests/bench/win32/winsock_echo.c: the same 64-byte TCP round trip over
 * loopback between two processes, with non-blocking sockets and epoll (edge-triggered) on
 * both sides. Microseconds per round trip. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MSG_SIZE 64

extern char **environ;

static int setup(int fd) {
  int on = 1;
  return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* Receives exactly len bytes, waiting on ep when the socket is empty. 0 on success. */
static int recv_exact(int fd, int ep, char *buf, int len) {
  int have = 0;
  while (have < len) {
    ssize_t n = recv(fd, buf + have, (size_t)(len - have), MSG_DONTWAIT);
    if (n > 0) {
      have += (int)n;
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR))
      return -1;
    struct epoll_event ev;
    if (epoll_wait(ep, &ev, 1, 30000) <= 0)
      return -1;
  }
  return 0;
}

static int watch(int fd) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = fd};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
    return -1;
  return ep;
}

static int echo_child(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  char buf[MSG_SIZE];
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ep;
  if (fd < 0 || setup(fd) < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
    return 3;
  if ((ep = watch(fd)) < 0)
    return 4;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
        return 5;
      continue;
    }
    if (n == 0)
      return 0;
    if (errno != EAGAIN && errno != EINTR)
      return 6;
    struct epoll_event ev;
    if (epoll_wait(ep, &ev, 1, 30000) <= 0)
      return 7;
  }
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const long trips = quick ? 2000 : 20000;
  const int reps = quick ? 2 : 5;
  struct bench_series rtt = {"winsock.echo_round_trip_64B", "us", "lower", {0}, 0};
  char msg[MSG_SIZE], back[MSG_SIZE], portarg[16];
  if (argc >= 3 && strcmp(argv[1], "--echo") == 0)
    return echo_child(atoi(argv[2]));
  memset(msg, 'e', sizeof msg);
  for (int r = 0; r < reps; ++r) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), fd, ep, status = 0;
    pid_t pid;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &alen) < 0)
      return 1;
    snprintf(portarg, sizeof portarg, "%u", (unsigned)ntohs(a.sin_port));
    char *args[] = {argv[0], "--echo", portarg, NULL};
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) != 0)
      return 1;
    fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0 || setup(fd) < 0 || (ep = watch(fd)) < 0)
      return 1;
    for (long i = 0; i < 100; ++i)
      if (send(fd, msg, MSG_SIZE, MSG_NOSIGNAL) != MSG_SIZE || recv_exact(fd, ep, back, MSG_SIZE))
        return 1;
    double t0 = bench_now();
    for (long i = 0; i < trips; ++i)
      if (send(fd, msg, MSG_SIZE, MSG_NOSIGNAL) != MSG_SIZE || recv_exact(fd, ep, back, MSG_SIZE))
        return 1;
    bench_add(&rtt, (bench_now() - t0) * 1e6 / (double)trips);
    close(fd);
    close(ep);
    close(l);
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "echo child failed (%d)\n", status);
      return 1;
    }
  }
  bench_print(&rtt);
  return 0;
}
