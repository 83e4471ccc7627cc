/* ipcrm for posix-on-win: removes System V objects by id (-m/-q/-s) or key (-M/-Q/-S),
 * with util-linux's messages and exit status (1 if any removal failed). */
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { SHM, MSG, SEM };

static int remove_id(enum kind k, int id) {
  switch (k) {
  case SHM:
    return shmctl(id, IPC_RMID, NULL);
  case SEM:
    return semctl(id, 0, IPC_RMID);
  case MSG:
    return msgctl(id, IPC_RMID, NULL);
  default:
    errno = EINVAL;
    return -1;
  }
}

static int id_of_key(enum kind k, key_t key) {
  switch (k) {
  case SHM:
    return shmget(key, 0, 0);
  case SEM:
    return semget(key, 0, 0);
  case MSG:
    return msgget(key, 0);
  default:
    errno = ENOENT;
    return -1;
  }
}

static void report(int e, const char *what, const char *arg) {
  if (e == EACCES || e == EPERM)
    fprintf(stderr, "ipcrm: permission denied for %s (%s)\n", what, arg);
  else if (e == EIDRM)
    fprintf(stderr, "ipcrm: already removed %s (%s)\n", what, arg);
  else if (e == EINVAL || e == ENOENT)
    fprintf(stderr, "ipcrm: invalid %s (%s)\n", what, arg);
  else
    fprintf(stderr, "ipcrm: %s failed for %s (%s): %s\n", "removal", what, arg, strerror(e));
}

static int usage(FILE *f) {
  fprintf(f, "Usage:\n ipcrm [options]\n ipcrm shm|msg|sem <id>...\n\n"
             "Remove certain IPC resources.\n\n"
             " -m, --shmem-id <id>        remove shared memory segment by id\n"
             " -M, --shmem-key <key>      remove shared memory segment by key\n"
             " -q, --queue-id <id>        remove message queue by id\n"
             " -Q, --queue-key <key>      remove message queue by key\n"
             " -s, --semaphore-id <id>    remove semaphore by id\n"
             " -S, --semaphore-key <key>  remove semaphore by key\n");
  return f == stdout ? 0 : 1;
}

static int parse_num(const char *s, long long *out) {
  char *end;
  errno = 0;
  *out = strtoll(s, &end, 0);
  return errno == 0 && end != s && *end == 0;
}

int main(int argc, char **argv) {
  int failed = 0, i;
  if (argc < 2)
    return usage(stderr);
  for (i = 1; i < argc; ++i) {
    const char *a = argv[i];
    enum kind k;
    int by_key;
    long long v;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
      return usage(stdout);
    if (!strcmp(a, "-m") || !strcmp(a, "--shmem-id")) { k = SHM; by_key = 0; }
    else if (!strcmp(a, "-M") || !strcmp(a, "--shmem-key")) { k = SHM; by_key = 1; }
    else if (!strcmp(a, "-q") || !strcmp(a, "--queue-id")) { k = MSG; by_key = 0; }
    else if (!strcmp(a, "-Q") || !strcmp(a, "--queue-key")) { k = MSG; by_key = 1; }
    else if (!strcmp(a, "-s") || !strcmp(a, "--semaphore-id")) { k = SEM; by_key = 0; }
    else if (!strcmp(a, "-S") || !strcmp(a, "--semaphore-key")) { k = SEM; by_key = 1; }
    else {
      fprintf(stderr, "ipcrm: unknown option '%s'\n", a);
      return usage(stderr);
    }
    if (++i >= argc) {
      fprintf(stderr, "ipcrm: option '%s' requires an argument\n", a);
      return usage(stderr);
    }
    if (!parse_num(argv[i], &v)) {
      fprintf(stderr, "ipcrm: failed to parse argument: '%s'\n", argv[i]);
      return 1;
    }
    if (by_key) {
      int id;
      if (v == 0) { /* IPC_PRIVATE names no one object */
        fprintf(stderr, "ipcrm: illegal key (%s)\n", argv[i]);
        failed = 1;
        continue;
      }
      id = id_of_key(k, (key_t)(unsigned)v);
      if (id < 0 || remove_id(k, id) != 0) {
        report(errno, "key", argv[i]);
        failed = 1;
      }
    } else if (remove_id(k, (int)v) != 0) {
      report(errno, "id", argv[i]);
      failed = 1;
    }
  }
  return failed;
}
