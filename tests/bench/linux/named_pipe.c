/* The Linux limit for the named pipe benchmark: the same three measurements as
 * tests/bench/win32/named_pipe.c over raw AF_UNIX sockets between two processes (a listening
 * socket bound to a path, the child connects): SOCK_SEQPACKET for the message ping-pong and
 * the message rate, SOCK_STREAM for byte throughput. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MSG_SIZE 64
#define BLOCK (64 * 1024)

extern char **environ;

static int child(const char *path, const char *mode, long count) {
  static char buf[BLOCK];
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  long i;
  int s = socket(AF_UNIX, (strcmp(mode, "bytes") == 0 ? SOCK_STREAM : SOCK_SEQPACKET) |
                              SOCK_CLOEXEC, 0);
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
    return 2;
  memset(buf, 'b', sizeof buf);
  for (i = 0; i < count; ++i) {
    if (strcmp(mode, "echo") == 0) {
      ssize_t n = recv(s, buf, MSG_SIZE, 0);
      if (n <= 0 || send(s, buf, (size_t)n, 0) != n)
        return 4;
    } else if (strcmp(mode, "bytes") == 0) {
      size_t put = 0;
      while (put < BLOCK) {
        ssize_t w = send(s, buf + put, BLOCK - put, 0);
        if (w <= 0)
          return 5;
        put += (size_t)w;
      }
    } else if (send(s, buf, MSG_SIZE, 0) != MSG_SIZE) {
      return 6;
    }
  }
  close(s);
  return 0;
}

static double run(const char *self, const char *mode, long count, int rep) {
  static char buf[BLOCK];
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  char path[108], countstr[32];
  char *args[6];
  double t0 = 0, result;
  long i;
  pid_t pid;
  int status = 1, c;
  int l = socket(AF_UNIX, (strcmp(mode, "bytes") == 0 ? SOCK_STREAM : SOCK_SEQPACKET) |
                              SOCK_CLOEXEC, 0);
  snprintf(path, sizeof path, "/tmp/ipcshim-bench-np-%d-%s-%d", (int)getpid(), mode, rep);
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  unlink(path);
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0)
    return -1;
  snprintf(countstr, sizeof countstr, "%ld", count);
  args[0] = (char *)self;
  args[1] = "--child";
  args[2] = path;
  args[3] = (char *)mode;
  args[4] = countstr;
  args[5] = NULL;
  if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) != 0)
    return -1;
  c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  close(l);
  unlink(path);
  if (c < 0)
    return -1;
  memset(buf, 'a', sizeof buf);
  if (strcmp(mode, "echo") == 0) {
    for (i = 0; i < count; ++i) {
      if (i == 10)
        t0 = bench_now();
      if (send(c, buf, MSG_SIZE, 0) != MSG_SIZE || recv(c, buf, MSG_SIZE, 0) != MSG_SIZE)
        return -1;
    }
    result = (bench_now() - t0) * 1e6 / (double)(count - 10);
  } else if (strcmp(mode, "bytes") == 0) {
    long long total = (long long)count * BLOCK, got = 0;
    while (got < total) {
      ssize_t n = recv(c, buf, BLOCK, 0);
      if (n <= 0)
        return -1;
      if (got == 0)
        t0 = bench_now();
      got += n;
    }
    result = (double)(total - BLOCK) / (bench_now() - t0) / 1e6;
  } else {
    for (i = 0; i < count; ++i) {
      if (recv(c, buf, MSG_SIZE, 0) != MSG_SIZE)
        return -1;
      if (i == 0)
        t0 = bench_now();
    }
    result = (double)(count - 1) / (bench_now() - t0);
  }
  waitpid(pid, &status, 0);
  close(c);
  return status == 0 ? result : -1;
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const int reps = quick ? 2 : 5;
  struct bench_series rt = {"named_pipe.round_trip_64B", "us", "lower", {0}, 0};
  struct bench_series bytes = {"named_pipe.bytes_64KiB_writes", "MB/s", "higher", {0}, 0};
  struct bench_series msgs = {"named_pipe.messages_64B", "msg/s", "higher", {0}, 0};
  int r;
  if (argc >= 5 && strcmp(argv[1], "--child") == 0)
    return child(argv[2], argv[3], atol(argv[4]));
  for (r = 0; r < reps; ++r) {
    double a = run(argv[0], "echo", quick ? 2000 : 20000, r);
    double b = run(argv[0], "bytes", quick ? 128 : 1024, r);
    double c = run(argv[0], "msgs", quick ? 10000 : 50000, r);
    if (a < 0 || b < 0 || c < 0) {
      fprintf(stderr, "named_pipe benchmark run %d failed\n", r);
      return 1;
    }
    bench_add(&rt, a);
    bench_add(&bytes, b);
    bench_add(&msgs, c);
  }
  bench_print(&rt);
  bench_print(&bytes);
  bench_print(&msgs);
  return 0;
}
