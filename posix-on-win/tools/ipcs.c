/* ipcs for posix-on-win: lists the System V objects of the user's store in util-linux's
 * format (the default "ipcs -m/-q/-s/-a" listing), through the public API as util-linux
 * does: *ctl(IPC_INFO) for the highest index, then *_STAT_ANY for each index. */
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <windows.h>

static void owner(unsigned uid) {
  char name[256];
  DWORD n = sizeof name;
  /* The store's uids are RIDs (see pow/ids.h): the caller's own one has a name here. */
  if (uid == (unsigned)getuid() && GetUserNameA(name, &n))
    printf("%-10.10s ", name);
  else
    printf("%-10u ", uid);
}

static void do_shm(void) {
  struct shminfo info;
  int max, i;
  printf("\n------ Shared Memory Segments --------\n");
  printf("%-10s %-10s %-10s %-10s %-10s %-10s %-12s\n", "key", "shmid", "owner", "perms",
         "bytes", "nattch", "status");
  max = shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info);
  for (i = 0; max >= 0 && i <= max; ++i) {
    struct shmid_ds ds;
    int id = shmctl(i, SHM_STAT_ANY, &ds);
    if (id < 0)
      continue;
    printf("0x%08x %-10d ", (unsigned)ds.shm_perm.__key, id);
    owner(ds.shm_perm.uid);
    printf("%-10o %-10llu %-10lu ", ds.shm_perm.mode & 0777u, (unsigned long long)ds.shm_segsz,
           (unsigned long)ds.shm_nattch);
    printf("%-6s %-6s\n", (ds.shm_perm.mode & SHM_DEST) ? "dest" : " ",
           (ds.shm_perm.mode & SHM_LOCKED) ? "locked" : " ");
  }
  printf("\n");
}

static void do_msg(void) {
  printf("\n------ Message Queues --------\n");
  struct msginfo info;
  int max, i;
  printf("%-10s %-10s %-10s %-10s %-12s %-12s\n", "key", "msqid", "owner", "perms",
         "used-bytes", "messages");
  max = msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&info);
  for (i = 0; max >= 0 && i <= max; ++i) {
    struct msqid_ds ds;
    int id = msgctl(i, MSG_STAT_ANY, &ds);
    if (id < 0)
      continue;
    printf("0x%08x %-10d ", (unsigned)ds.msg_perm.__key, id);
    owner(ds.msg_perm.uid);
    printf("%-10o %-12lu %-12lu\n", ds.msg_perm.mode & 0777u, (unsigned long)ds.msg_cbytes,
           (unsigned long)ds.msg_qnum);
  }
  printf("\n");
}

/* semctl's fourth argument (the caller defines union semun). */
union semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
  struct seminfo *__buf;
};

static void do_sem(void) {
  struct seminfo info;
  union semun arg;
  int max, i;
  printf("\n------ Semaphore Arrays --------\n");
  printf("%-10s %-10s %-10s %-10s %-10s\n", "key", "semid", "owner", "perms", "nsems");
  arg.__buf = &info;
  max = semctl(0, 0, IPC_INFO, arg);
  for (i = 0; max >= 0 && i <= max; ++i) {
    struct semid_ds ds;
    int id;
    arg.buf = &ds;
    id = semctl(i, 0, SEM_STAT_ANY, arg);
    if (id < 0)
      continue;
    printf("0x%08x %-10d ", (unsigned)ds.sem_perm.__key, id);
    owner(ds.sem_perm.uid);
    printf("%-10o %-10lu\n", ds.sem_perm.mode & 0777u, (unsigned long)ds.sem_nsems);
  }
  printf("\n");
}

static int usage(FILE *f) {
  fprintf(f, "Usage:\n ipcs [options]\n\nShow information on IPC facilities.\n\n"
             "Resource options:\n"
             " -m, --shmems      shared memory segments\n"
             " -q, --queues      message queues\n"
             " -s, --semaphores  semaphores\n"
             " -a, --all         all (default)\n");
  return f == stdout ? 0 : 1;
}

int main(int argc, char **argv) {
  int shm = 0, msg = 0, sem = 0, i;
  for (i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "--shmems") == 0) {
      shm = 1;
    } else if (strcmp(a, "--queues") == 0) {
      msg = 1;
    } else if (strcmp(a, "--semaphores") == 0) {
      sem = 1;
    } else if (strcmp(a, "--all") == 0) {
      shm = msg = sem = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      return usage(stdout);
    } else if (a[0] == '-' && a[1] && a[1] != '-') {
      const char *c;
      for (c = a + 1; *c; ++c) {
        if (*c == 'm')
          shm = 1;
        else if (*c == 'q')
          msg = 1;
        else if (*c == 's')
          sem = 1;
        else if (*c == 'a')
          shm = msg = sem = 1;
        else {
          fprintf(stderr, "ipcs: invalid option -- '%c'\n", *c);
          return usage(stderr);
        }
      }
    } else {
      fprintf(stderr, "ipcs: unrecognized option '%s'\n", a);
      return usage(stderr);
    }
  }
  if (!shm && !msg && !sem)
    shm = msg = sem = 1;
  /* util-linux's order. */
  if (msg)
    do_msg();
  if (shm)
    do_shm();
  if (sem)
    do_sem();
  return 0;
}
