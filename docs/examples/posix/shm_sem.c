/* shm_sem WORKERS INCREMENTS
 *
 * The System V pairing the seeds describe: a shared memory segment holds a counter and a
 * semaphore makes sure only one process at a time touches it. This program creates both
 * (IPC_PRIVATE), starts WORKERS copies of itself with posix_spawn (no fork), passing the
 * two ids on the command line, and each adds 1 to the counter INCREMENTS times, taking the
 * semaphore around every update (SEM_UNDO, so a worker that dies holding it releases it).
 * It waits for them, prints "total N", removes both objects and exits 0 if N is exact.
 *
 * Builds unchanged for Linux (glibc) and for Windows against posix-on-win, where the objects
 * live in posix-on-win's daemon-less store. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_WORKERS 16

/* POSIX leaves union semun to the program. */
union semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
};

static int die(const char *what) {
  fprintf(stderr, "shm_sem: %s failed: %s\n", what, strerror(errno));
  return 1;
}

static int lock_op(int semid, short op) {
  struct sembuf b;
  b.sem_num = 0;
  b.sem_op = op;
  b.sem_flg = SEM_UNDO;
  return semop(semid, &b, 1);
}

static int worker(int shmid, int semid, long increments) {
  volatile long *counter = (volatile long *)shmat(shmid, NULL, 0);
  long i;
  if (counter == (void *)-1)
    return die("shmat");
  for (i = 0; i < increments; ++i) {
    if (lock_op(semid, -1) != 0)
      return die("semop(lock)");
    *counter = *counter + 1; /* safe only under the semaphore */
    if (lock_op(semid, 1) != 0)
      return die("semop(unlock)");
  }
  return shmdt((const void *)counter) == 0 ? 0 : die("shmdt");
}

int main(int argc, char **argv) {
  char shm_arg[16], sem_arg[16], inc_arg[24];
  pid_t pids[MAX_WORKERS];
  union semun arg;
  volatile long *counter;
  long workers, increments, total;
  int shmid, semid, i, failed = 0;
  if (argc == 5 && strcmp(argv[1], "--worker") == 0)
    return worker(atoi(argv[2]), atoi(argv[3]), atol(argv[4]));
  if (argc != 3 || (workers = atol(argv[1])) < 1 || workers > MAX_WORKERS ||
      (increments = atol(argv[2])) < 1) {
    fprintf(stderr, "usage: shm_sem WORKERS(1-%d) INCREMENTS\n", MAX_WORKERS);
    return 1;
  }
  shmid = shmget(IPC_PRIVATE, sizeof(long), IPC_CREAT | 0600);
  if (shmid < 0)
    return die("shmget");
  semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  if (semid < 0)
    return die("semget");
  arg.val = 1; /* unlocked */
  if (semctl(semid, 0, SETVAL, arg) != 0)
    return die("semctl(SETVAL)");
  counter = (volatile long *)shmat(shmid, NULL, 0);
  if (counter == (void *)-1)
    return die("shmat");
  *counter = 0;
  snprintf(shm_arg, sizeof shm_arg, "%d", shmid);
  snprintf(sem_arg, sizeof sem_arg, "%d", semid);
  snprintf(inc_arg, sizeof inc_arg, "%ld", increments);
  for (i = 0; i < workers; ++i) {
    char *wargv[] = {argv[0], "--worker", shm_arg, sem_arg, inc_arg, NULL};
    errno = posix_spawn(&pids[i], argv[0], NULL, NULL, wargv, environ);
    if (errno != 0)
      return die("posix_spawn");
  }
  for (i = 0; i < workers; ++i) {
    int status = 0;
    if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      failed = 1;
  }
  total = *counter;
  printf("total %ld\n", total);
  shmdt((const void *)counter);
  shmctl(shmid, IPC_RMID, NULL);
  semctl(semid, 0, IPC_RMID);
  return failed || total != workers * increments;
}
