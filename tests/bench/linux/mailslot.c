/* The Linux limit for the mailslot benchmark: AF_UNIX datagrams from a writer process to a
 * reader (same counts and sizes as tests/bench/win32/mailslot.c). The writer blocks when
 * the reader falls behind (net.unix.max_dgram_qlen), which a mailslot writer never does. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MSG_SIZE 64

extern char **environ;

static int writer(const char *path, long count) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  char msg[MSG_SIZE];
  long i;
  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
    return 2;
  memset(msg, 'm', sizeof msg);
  for (i = 0; i < count; ++i)
    if (send(s, msg, sizeof msg, 0) != MSG_SIZE)
      return 3;
  close(s);
  return 0;
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const long count = quick ? 5000 : 20000;
  const int reps = quick ? 2 : 5;
  struct bench_series rate = {"mailslot.messages_64B", "msg/s", "higher", {0}, 0};
  int r;
  if (argc >= 4 && strcmp(argv[1], "--writer") == 0)
    return writer(argv[2], atol(argv[3]));
  for (r = 0; r < reps; ++r) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    char path[108], countstr[32], buf[MSG_SIZE];
    char *args[5];
    double t0 = 0;
    long got;
    pid_t pid;
    int status = 1;
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    snprintf(path, sizeof path, "/tmp/ipcshim-bench-%d-%d", (int)getpid(), r);
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    unlink(path);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0)
      return 1;
    snprintf(countstr, sizeof countstr, "%ld", count);
    args[0] = argv[0];
    args[1] = "--writer";
    args[2] = path;
    args[3] = countstr;
    args[4] = NULL;
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) != 0)
      return 1;
    for (got = 0; got < count; ++got) {
      if (recv(s, buf, sizeof buf, 0) != MSG_SIZE)
        return 1;
      if (got == 0)
        t0 = bench_now();
    }
    bench_add(&rate, (double)(count - 1) / (bench_now() - t0));
    waitpid(pid, &status, 0);
    close(s);
    unlink(path);
    if (status != 0)
      return 1;
  }
  bench_print(&rate);
  return 0;
}
