/* System V message rate between two processes: a child started with posix_spawn sends N
 * 64-byte messages with msgsnd, this process receives them with msgrcv; messages per second
 * from the first message received to the last. Also the round trip of one message each way
 * (two processes ping-ponging). Built natively for Linux (the kernel's queues) and against
 * posix-on-win (run under Wine); tests/bench/substrate/msg.c measures the raw Win32 mailslot
 * with the same message size. */
#define _GNU_SOURCE
#include "bench.h"

#include <spawn.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MSG_SIZE 64

struct msg {
  long mtype;
  char mtext[MSG_SIZE];
};

static int sender(int id, long count) {
  struct msg m;
  long i;
  memset(m.mtext, 'm', sizeof m.mtext);
  m.mtype = 1;
  for (i = 0; i < count; ++i)
    if (msgsnd(id, &m, MSG_SIZE, 0) != 0)
      return 2;
  return 0;
}

/* Echoes type-1 messages back as type 2 until a type-3 message. */
static int echo(int id) {
  struct msg m;
  for (;;) {
    if (msgrcv(id, &m, MSG_SIZE, -3, 0) < 0)
      return 2;
    if (m.mtype == 3)
      return 0;
    m.mtype = 2;
    if (msgsnd(id, &m, MSG_SIZE, 0) != 0)
      return 3;
  }
}

static pid_t spawn(const char *self, const char *mode, int id, long count) {
  char ids[32], counts[32];
  char *argv[] = {(char *)self, (char *)mode, ids, counts, NULL};
  pid_t pid;
  snprintf(ids, sizeof ids, "%d", id);
  snprintf(counts, sizeof counts, "%ld", count);
  if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0)
    exit(4);
  return pid;
}

static void reap(pid_t pid) {
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    exit(5);
}

static double rate_run(const char *self, long count) {
  struct msg m;
  long got;
  double t0 = 0;
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  pid_t pid;
  if (id < 0)
    exit(3);
  pid = spawn(self, "--sender", id, count);
  for (got = 0; got < count; ++got) {
    if (msgrcv(id, &m, MSG_SIZE, 0, 0) != MSG_SIZE)
      exit(6);
    if (got == 0)
      t0 = bench_now();
  }
  {
    double t = bench_now() - t0;
    reap(pid);
    msgctl(id, IPC_RMID, NULL);
    return (double)(count - 1) / t;
  }
}

/* Microseconds per round trip (type 1 there, type 2 back). */
static double roundtrip_run(const char *self, long count) {
  struct msg m;
  long i;
  double t0;
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  pid_t pid;
  if (id < 0)
    exit(3);
  pid = spawn(self, "--echo", id, 0);
  memset(m.mtext, 'p', sizeof m.mtext);
  m.mtype = 1; /* one round trip first: the child is running */
  if (msgsnd(id, &m, MSG_SIZE, 0) != 0 || msgrcv(id, &m, MSG_SIZE, 2, 0) != MSG_SIZE)
    exit(6);
  t0 = bench_now();
  for (i = 0; i < count; ++i) {
    m.mtype = 1;
    if (msgsnd(id, &m, MSG_SIZE, 0) != 0 || msgrcv(id, &m, MSG_SIZE, 2, 0) != MSG_SIZE)
      exit(7);
  }
  {
    double t = bench_now() - t0;
    m.mtype = 3;
    msgsnd(id, &m, MSG_SIZE, 0);
    reap(pid);
    msgctl(id, IPC_RMID, NULL);
    return t / (double)count * 1e6;
  }
}

int main(int argc, char **argv) {
  int quick, reps, i;
  struct bench_series rate = {"msg.messages_64B", "msg/s", "higher", {0}, 0};
  struct bench_series rtt = {"msg.roundtrip_64B", "us", "lower", {0}, 0};
  if (argc == 4 && strcmp(argv[1], "--sender") == 0)
    return sender(atoi(argv[2]), atol(argv[3]));
  if (argc == 4 && strcmp(argv[1], "--echo") == 0)
    return echo(atoi(argv[2]));
  quick = bench_quick(argc, argv);
  reps = quick ? 2 : 5;
  for (i = 0; i < reps; ++i) {
    bench_add(&rate, rate_run(argv[0], quick ? 20000 : 200000));
    bench_add(&rtt, roundtrip_run(argv[0], quick ? 2000 : 20000));
  }
  bench_print(&rate);
  bench_print(&rtt);
  return 0;
}
