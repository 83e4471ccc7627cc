/* System V semaphore lock/unlock rate: semop(-1) then semop(+1) on one semaphore used as a
 * lock, uncontended (one process) and contended (two processes started with posix_spawn,
 * each locking and unlocking in a loop). Built natively for Linux (the kernel's SysV
 * semaphores) and against posix-on-win (run under Wine); tests/bench/substrate/sem.c measures
 * a raw Win32 named semaphore the same way. */
#define _GNU_SOURCE
#include "bench.h"

#include <spawn.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

union semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
  struct seminfo *__buf;
};

static int lock_loop(int id, long n, short flg) {
  struct sembuf down = {0, -1, 0}, up = {0, 1, 0};
  long i;
  down.sem_flg = up.sem_flg = flg;
  for (i = 0; i < n; ++i)
    if (semop(id, &down, 1) != 0 || semop(id, &up, 1) != 0)
      return 2;
  return 0;
}

/* Lock/unlock pairs per second in this process: up to n pairs, in batches of 100, for at
 * most `budget` seconds (a rate; the slowest implementations would otherwise take minutes). */
static double uncontended(long n, short flg, double budget) {
  union semun a;
  double t0, t1;
  long done = 0;
  int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  if (id < 0)
    exit(3);
  a.val = 1;
  if (semctl(id, 0, SETVAL, a) != 0)
    exit(3);
  t0 = t1 = bench_now();
  while (done < n && t1 - t0 < budget) {
    if (lock_loop(id, 100, flg) != 0)
      exit(4);
    done += 100;
    t1 = bench_now();
  }
  semctl(id, 0, IPC_RMID);
  return (double)done / (t1 - t0);
}

/* Pairs per second in all, two processes doing n pairs each on one lock. */
static double contended(const char *self, long n) {
  char idb[32], nb[32];
  char *argv[] = {(char *)self, (char *)"--worker", idb, nb, NULL};
  pid_t pids[2];
  union semun a;
  double t0, t1;
  int i, status, id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  if (id < 0)
    exit(5);
  a.val = 0; /* closed until both workers run: they start together */
  semctl(id, 0, SETVAL, a);
  snprintf(idb, sizeof idb, "%d", id);
  snprintf(nb, sizeof nb, "%ld", n);
  for (i = 0; i < 2; ++i)
    if (posix_spawn(&pids[i], self, NULL, NULL, argv, environ) != 0)
      exit(6);
  /* Both are blocked on the closed lock when GETNCNT says 2 (bounded: 60 s). */
  for (i = 0; semctl(id, 0, GETNCNT) < 2; ++i) {
    if (i > 60000)
      exit(7);
    usleep(1000);
  }
  t0 = bench_now();
  a.val = 1;
  semctl(id, 0, SETVAL, a);
  for (i = 0; i < 2; ++i)
    if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
      exit(8);
  t1 = bench_now();
  semctl(id, 0, IPC_RMID);
  return 2.0 * (double)n / (t1 - t0);
}

int main(int argc, char **argv) {
  struct bench_series unc = {"sem.uncontended_lock_unlock", "pairs/s", "higher", {0}, 0};
  struct bench_series undo = {"sem.uncontended_lock_unlock_SEM_UNDO", "pairs/s", "higher",
                              {0}, 0};
  struct bench_series con = {"sem.contended_2proc_lock_unlock", "pairs/s", "higher", {0}, 0};
  int quick, reps, i;
  if (argc == 4 && strcmp(argv[1], "--worker") == 0)
    return lock_loop(atoi(argv[2]), atol(argv[3]), 0);
  quick = bench_quick(argc, argv);
  reps = quick ? 2 : 5;
  for (i = 0; i < reps; ++i) {
    bench_add(&unc, uncontended(quick ? 2000 : 20000, 0, quick ? 0.1 : 0.4));
    bench_add(&undo, uncontended(quick ? 2000 : 20000, SEM_UNDO, quick ? 0.1 : 0.4));
    bench_add(&con, contended(argv[0], quick ? 1000 : 2000));
  }
  bench_print(&unc);
  bench_print(&undo);
  bench_print(&con);
  return 0;
}
