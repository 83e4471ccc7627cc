/* System V semaphores: semget/semop/semtimedop/semctl across processes. Arrays of operations
 * apply all-or-nothing (also when a blocked array completes later), wait-for-zero, GETNCNT and
 * GETZCNT while processes wait, SEM_UNDO applied when a process exits and when it is killed
 * (a waiter blocked on the killed holder gets the semaphore), SETVAL clearing adjustments,
 * EIDRM for waiters of a removed set, timeouts, the error cases, IPC_SET/IPC_INFO/SEM_INFO/
 * SEM_STAT, mode bits, ipcs/ipcrm, and a counter in shared memory incremented 100,000 times
 * by 4 processes under a semaphore lock.
 *
 * Every test removes what it makes. Keys come from ftok on a temp file of this run, or are
 * IPC_PRIVATE. `union semun` is the caller's to define (POSIX), so it is defined here. */
#define _GNU_SOURCE /* semtimedop, SEM_STAT, SEM_INFO, struct seminfo in glibc */
#include "posix_util.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
  struct seminfo *__buf;
};

/* ---- helpers ---------------------------------------------------------------------------- */

static int new_set(int nsems) {
  int id = semget(IPC_PRIVATE, nsems, IPC_CREAT | 0600);
  if (id < 0)
    fail_msg("semget(IPC_PRIVATE, %d) failed: %s", nsems, strerror(errno));
  return id;
}

static void rmid(int id) {
  if (semctl(id, 0, IPC_RMID) != 0)
    fail_msg("semctl(%d, IPC_RMID) failed: %s", id, strerror(errno));
}

static int getval(int id, int num) {
  int v = semctl(id, num, GETVAL);
  if (v < 0)
    fail_msg("semctl(%d, %d, GETVAL) failed: %s", id, num, strerror(errno));
  return v;
}

static void setval(int id, int num, int val) {
  union semun a;
  a.val = val;
  if (semctl(id, num, SETVAL, a) != 0)
    fail_msg("semctl(%d, %d, SETVAL, %d) failed: %s", id, num, val, strerror(errno));
}

static void stat_or_fail(int id, struct semid_ds *ds) {
  union semun a;
  a.buf = ds;
  if (semctl(id, 0, IPC_STAT, a) != 0)
    fail_msg("semctl(%d, IPC_STAT) failed: %s", id, strerror(errno));
}

/* Polls semctl(id, num, cmd) (GETNCNT/GETZCNT/GETVAL) until it is `want`, within the bound. */
static void wait_for_count(int id, int num, int cmd, int want, const char *what) {
  int waited = 0, v = -1;
  for (;;) {
    v = semctl(id, num, cmd);
    if (v == want)
      return;
    if (v < 0)
      fail_msg("%s: semctl failed: %s", what, strerror(errno));
    if (waited >= CONF_WAIT_MS)
      fail_msg("%s: got %d, want %d within %d ms", what, v, want, CONF_WAIT_MS);
    conf_sleep_ms(1); /* polling interval of a bounded wait */
    waited += 1;
  }
}

/* Exit code of a child, bounded by `ms` (long runs: the shared counter). */
static int wait_exit_within(pid_t pid, const char *what, int ms) {
  int status = 0, waited = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      break;
    if (r < 0)
      fail_msg("waitpid for %s failed: %s", what, strerror(errno));
    if (waited >= ms)
      fail_msg("%s did not exit within %d ms", what, ms);
    conf_sleep_ms(10);
    waited += 10;
  }
  if (!WIFEXITED(status))
    fail_msg("%s did not exit normally (status 0x%x)", what, (unsigned)status);
  return WEXITSTATUS(status);
}

/* True while the child has not exited (it is blocked). */
static int still_running(pid_t pid) {
  int status;
  return waitpid(pid, &status, WNOHANG) == 0;
}

/* Parses "num:op[:flags],..." (flags: u = SEM_UNDO, n = IPC_NOWAIT) into ops; the count. */
static size_t parse_ops(const char *spec, struct sembuf *ops, size_t cap) {
  size_t n = 0;
  const char *s = spec;
  while (*s && n < cap) {
    char *end;
    ops[n].sem_num = (unsigned short)strtoul(s, &end, 10);
    s = end + (*end == ':');
    ops[n].sem_op = (short)strtol(s, &end, 10);
    s = end;
    ops[n].sem_flg = 0;
    if (*s == ':') {
      for (++s; *s && *s != ','; ++s) {
        if (*s == 'u')
          ops[n].sem_flg |= SEM_UNDO;
        else if (*s == 'n')
          ops[n].sem_flg |= IPC_NOWAIT;
      }
    }
    if (*s == ',')
      ++s;
    ++n;
  }
  return n;
}

/* The exit code roles give for a failed semop. */
static int errno_code(int e) {
  switch (e) {
  case EIDRM:
    return 101;
  case EAGAIN:
    return 102;
  case EINVAL:
    return 103;
  case ERANGE:
    return 104;
  default:
    return 109;
  }
}

static void let_go(struct conf_child *c) {
  if (c->to_child >= 0)
    close(c->to_child);
  c->to_child = -1;
}

static void end_child_pipes(struct conf_child *c) {
  let_go(c);
  if (c->from_child >= 0)
    close(c->from_child);
  c->from_child = -1;
}

static pid_t spawn_op(int id, const char *spec) {
  char idbuf[32];
  snprintf(idbuf, sizeof idbuf, "%d", id);
  return conf_spawn_role(NULL, "op", idbuf, spec, NULL);
}

/* ---- roles ------------------------------------------------------------------------------ */

/* op ID SPEC: semop(ID, SPEC); exit 0 or errno_code(errno). */
static int role_op(int argc, char **argv) {
  struct sembuf ops[16];
  size_t n;
  if (argc < 2)
    return 90;
  n = parse_ops(argv[1], ops, 16);
  if (semop(atoi(argv[0]), ops, n) != 0)
    return errno_code(errno);
  return 0;
}

/* hold ID SPEC: semop(ID, SPEC) (must succeed), writes 'L', waits for EOF on stdin, exits 0
 * (normal exit: SEM_UNDO adjustments are applied). */
static int role_hold(int argc, char **argv) {
  struct sembuf ops[16];
  size_t n;
  char b;
  if (argc < 2)
    return 90;
  n = parse_ops(argv[1], ops, 16);
  if (semop(atoi(argv[0]), ops, n) != 0)
    return errno_code(errno);
  if (write(1, "L", 1) != 1)
    return 91;
  while (read(0, &b, 1) > 0) {
  }
  return 0;
}

/* counter SEMID SHMID N: N times: lock (sem 0, -1, SEM_UNDO), ++counter, unlock. */
static int role_counter(int argc, char **argv) {
  struct sembuf lock = {0, -1, SEM_UNDO}, unlock = {0, 1, SEM_UNDO};
  volatile long *counter;
  long i, n;
  int semid;
  if (argc < 3)
    return 90;
  semid = atoi(argv[0]);
  n = atol(argv[2]);
  counter = shmat(atoi(argv[1]), NULL, 0);
  if (counter == (void *)-1)
    return 91;
  for (i = 0; i < n; ++i) {
    long v;
    if (semop(semid, &lock, 1) != 0)
      return 92;
    v = *counter;
    *counter = v + 1; /* a lost update if the lock does not exclude */
    if (semop(semid, &unlock, 1) != 0)
      return 93;
  }
  return shmdt((const void *)counter) == 0 ? 0 : 94;
}

/* hog SEMID SHMID: takes the lock, writes 'L', then unlocks and relocks at once in a loop
 * (counting in word 1) until word 0 of the segment is set; unlocks and exits. */
static int role_hog(int argc, char **argv) {
  struct sembuf lock = {0, -1, 0}, unlock = {0, 1, 0};
  volatile long *w;
  int semid;
  if (argc < 2)
    return 90;
  semid = atoi(argv[0]);
  w = shmat(atoi(argv[1]), NULL, 0);
  if (w == (void *)-1)
    return 91;
  if (semop(semid, &lock, 1) != 0)
    return 92;
  if (write(1, "L", 1) != 1)
    return 93;
  while (!w[0]) {
    if (semop(semid, &unlock, 1) != 0 || semop(semid, &lock, 1) != 0)
      return 94;
    ++w[1];
  }
  return semop(semid, &unlock, 1) == 0 ? 0 : 95;
}

/* taker SEMID SHMID: takes the lock, sets word 0 (the hog stops), unlocks. */
static int role_taker(int argc, char **argv) {
  struct sembuf lock = {0, -1, 0}, unlock = {0, 1, 0};
  volatile long *w;
  int semid;
  if (argc < 2)
    return 90;
  semid = atoi(argv[0]);
  w = shmat(atoi(argv[1]), NULL, 0);
  if (w == (void *)-1)
    return 91;
  if (semop(semid, &lock, 1) != 0)
    return 92;
  w[0] = 1;
  return semop(semid, &unlock, 1) == 0 ? 0 : 93;
}

/* no_access KEY ID: the set has mode 0. Linux's root bypasses modes and the reference runs
 * as root, so a root child first becomes `nobody` (65534); elsewhere the owner itself is
 * refused by mode 0 (Windows has no root). */
static int role_no_access(int argc, char **argv) {
  struct sembuf op = {0, 1, IPC_NOWAIT}, zero = {0, 0, IPC_NOWAIT};
  struct semid_ds ds;
  union semun a;
  key_t key;
  int id, was_root = geteuid() == 0;
  if (argc < 2)
    return 90;
  key = (key_t)strtoul(argv[0], NULL, 0);
  id = atoi(argv[1]);
  if (was_root && setuid(65534) != 0)
    return 91;
  if (geteuid() == 0)
    return 92;
  if (semget(key, 0, 0) != id) /* no access asked: allowed */
    return 93;
  errno = 0;
  if (semget(key, 0, 0600) != -1 || errno != EACCES)
    return 94;
  errno = 0;
  if (semop(id, &op, 1) != -1 || errno != EACCES)
    return 95;
  errno = 0;
  if (semop(id, &zero, 1) != -1 || errno != EACCES) /* reading needs read permission */
    return 96;
  errno = 0;
  if (semctl(id, 0, GETVAL) != -1 || errno != EACCES)
    return 97;
  a.buf = &ds;
  errno = 0;
  if (semctl(id, 0, IPC_STAT, a) != -1 || errno != EACCES)
    return 98;
  a.val = 1;
  errno = 0;
  if (semctl(id, 0, SETVAL, a) != -1 || errno != EACCES)
    return 99;
  /* Another user may not remove it (the owner may, whatever the mode). */
  errno = 0;
  if (was_root && (semctl(id, 0, IPC_RMID) != -1 || errno != EPERM))
    return 100;
  return 0;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void sem_private_set_values_and_stat(void **state) {
  struct semid_ds ds;
  unsigned short all[3] = {9, 9, 9}, set[3] = {1, 200, 32767};
  union semun a;
  time_t before = time(NULL);
  int id = new_set(3);
  (void)state;
  stat_or_fail(id, &ds);
  assert_int_equal(ds.sem_perm.__key, IPC_PRIVATE);
  assert_int_equal(ds.sem_perm.mode & 0777, 0600);
  assert_int_equal(ds.sem_perm.uid, geteuid());
  assert_int_equal(ds.sem_perm.cuid, geteuid());
  assert_int_equal(ds.sem_perm.gid, getegid());
  assert_int_equal(ds.sem_nsems, 3);
  assert_int_equal(ds.sem_otime, 0);
  assert_true(ds.sem_ctime >= before && ds.sem_ctime <= time(NULL));
  a.array = all;
  assert_int_equal(semctl(id, 0, GETALL, a), 0);
  assert_int_equal(all[0], 0); /* new sets are zero (Linux) */
  assert_int_equal(all[1], 0);
  assert_int_equal(all[2], 0);
  assert_int_equal(semctl(id, 1, GETPID), 0);

  setval(id, 1, 5);
  assert_int_equal(getval(id, 1), 5);
  assert_int_equal(semctl(id, 1, GETPID), getpid());
  a.array = set;
  assert_int_equal(semctl(id, 0, SETALL, a), 0);
  a.array = all;
  assert_int_equal(semctl(id, 0, GETALL, a), 0);
  assert_int_equal(all[0], 1);
  assert_int_equal(all[1], 200);
  assert_int_equal(all[2], 32767);
  {
    struct sembuf op = {2, -7, 0};
    assert_int_equal(semop(id, &op, 1), 0);
  }
  assert_int_equal(getval(id, 2), 32760);
  stat_or_fail(id, &ds);
  assert_true(ds.sem_otime >= before);
  assert_int_equal(semctl(id, 2, GETPID), getpid());
  assert_int_equal(semctl(id, 0, GETNCNT), 0);
  assert_int_equal(semctl(id, 0, GETZCNT), 0);
  rmid(id);
  errno = 0;
  assert_int_equal(semctl(id, 0, GETVAL), -1);
  assert_int_equal(errno, EINVAL);
}

/* An array applies all-or-nothing: a blocking or failing op leaves every value as it was. */
static void sem_array_is_all_or_nothing(void **state) {
  struct sembuf two[2] = {{0, -1, IPC_NOWAIT}, {1, -1, IPC_NOWAIT}};
  struct sembuf range[2] = {{0, 5, 0}, {1, 32767, 0}};
  struct sembuf dup[3] = {{0, 2, 0}, {0, -3, 0}, {1, 1, 0}};
  int id = new_set(2);
  (void)state;
  setval(id, 0, 1);
  setval(id, 1, 0);
  errno = 0;
  assert_int_equal(semop(id, two, 2), -1); /* sem 1 would block */
  assert_true(conf_is_eagain(errno));
  assert_int_equal(getval(id, 0), 1);
  assert_int_equal(getval(id, 1), 0);

  setval(id, 1, 1);
  errno = 0;
  assert_int_equal(semop(id, range, 2), -1); /* 1 + 32767 > SEMVMX */
  assert_int_equal(errno, ERANGE);
  assert_int_equal(getval(id, 0), 1);
  assert_int_equal(getval(id, 1), 1);

  /* Ops on the same semaphore apply in order: 1 + 2 - 3 = 0. */
  assert_int_equal(semop(id, dup, 3), 0);
  assert_int_equal(getval(id, 0), 0);
  assert_int_equal(getval(id, 1), 2);
  assert_int_equal(semop(id, two, 2), -1); /* sem 0 is 0 now */
  assert_int_equal(getval(id, 1), 2);
  rmid(id);
}

/* A blocked array completes only when all of it can, in one step. */
static void sem_blocked_array_completes_atomically(void **state) {
  pid_t pid;
  int id = new_set(2);
  (void)state;
  pid = spawn_op(id, "0:-1,1:-1");
  wait_for_count(id, 0, GETNCNT, 1, "waiter on sem 0");
  assert_int_equal(semctl(id, 1, GETNCNT), 0); /* counted on the op that blocks it */
  setval(id, 0, 1);
  /* Now sem 1 blocks it: it is counted there, and sem 0 keeps its value. */
  wait_for_count(id, 1, GETNCNT, 1, "waiter on sem 1");
  assert_int_equal(semctl(id, 0, GETNCNT), 0);
  assert_int_equal(getval(id, 0), 1);
  assert_true(still_running(pid));
  setval(id, 1, 1);
  assert_int_equal(conf_wait_exit_code(pid, "op 0:-1,1:-1"), 0);
  assert_int_equal(getval(id, 0), 0);
  assert_int_equal(getval(id, 1), 0);
  assert_int_equal(semctl(id, 0, GETPID), pid);
  assert_int_equal(semctl(id, 1, GETPID), pid);
  rmid(id);
}

/* sem_op 0 waits until the value is zero. */
static void sem_wait_for_zero(void **state) {
  struct sembuf dec = {0, -1, 0}, zero = {0, 0, IPC_NOWAIT};
  pid_t pid;
  int id = new_set(1);
  (void)state;
  setval(id, 0, 2);
  errno = 0;
  assert_int_equal(semop(id, &zero, 1), -1);
  assert_true(conf_is_eagain(errno));
  pid = spawn_op(id, "0:0");
  wait_for_count(id, 0, GETZCNT, 1, "zero waiter");
  assert_int_equal(semctl(id, 0, GETNCNT), 0);
  assert_int_equal(semop(id, &dec, 1), 0);
  assert_int_equal(semctl(id, 0, GETZCNT), 1); /* 1 is not zero: still waiting */
  assert_true(still_running(pid));
  assert_int_equal(semop(id, &dec, 1), 0);
  assert_int_equal(conf_wait_exit_code(pid, "op 0:0"), 0);
  assert_int_equal(semctl(id, 0, GETZCNT), 0);
  assert_int_equal(semop(id, &zero, 1), 0); /* zero now: does not block */
  rmid(id);
}

/* GETNCNT/GETZCNT count every waiting process; one increment releases as many as it can. */
static void sem_counts_of_several_waiters(void **state) {
  struct sembuf up3 = {0, 3, 0}, down = {1, -1, 0};
  pid_t dec[3], zer[2];
  int id = new_set(2), i;
  (void)state;
  setval(id, 1, 1);
  for (i = 0; i < 3; ++i)
    dec[i] = spawn_op(id, "0:-1");
  for (i = 0; i < 2; ++i)
    zer[i] = spawn_op(id, "1:0");
  wait_for_count(id, 0, GETNCNT, 3, "3 decrementers");
  wait_for_count(id, 1, GETZCNT, 2, "2 zero waiters");
  assert_int_equal(semctl(id, 0, GETZCNT), 0);
  assert_int_equal(semctl(id, 1, GETNCNT), 0);
  assert_int_equal(semop(id, &up3, 1), 0);
  for (i = 0; i < 3; ++i)
    assert_int_equal(conf_wait_exit_code(dec[i], "decrementer"), 0);
  assert_int_equal(getval(id, 0), 0);
  assert_int_equal(semctl(id, 0, GETNCNT), 0);
  assert_int_equal(semctl(id, 1, GETZCNT), 2);
  assert_int_equal(semop(id, &down, 1), 0);
  for (i = 0; i < 2; ++i)
    assert_int_equal(conf_wait_exit_code(zer[i], "zero waiter"), 0);
  assert_int_equal(semctl(id, 1, GETZCNT), 0);
  rmid(id);
}

/* Many processes blocked with long arrays, and undo on a large set: all are counted, and
 * one SETVAL lets every one of them complete. */
static void sem_many_waiters_with_long_arrays(void **state) {
  enum { kWaiters = 10 };
  char spec[256];
  pid_t pids[kWaiters], undo;
  size_t len = 0;
  int id = new_set(200), i;
  (void)state;
  for (i = 0; i < 12; ++i) /* 12 ops of -1 on semaphore 7: needs 12 at once */
    len += (size_t)snprintf(spec + len, sizeof spec - len, "%s7:-1", i ? "," : "");
  for (i = 0; i < kWaiters; ++i)
    pids[i] = spawn_op(id, spec);
  wait_for_count(id, 7, GETNCNT, kWaiters, "10 waiters with 12-op arrays");
  /* A process with SEM_UNDO on the far end of the large set, while they wait. */
  undo = spawn_op(id, "199:5:u,0:1:u,100:2");
  assert_int_equal(conf_wait_exit_code(undo, "undo on a large set"), 0);
  assert_int_equal(getval(id, 199), 0);
  assert_int_equal(getval(id, 0), 0);
  assert_int_equal(getval(id, 100), 2);
  setval(id, 7, 12 * kWaiters - 1); /* one short: the last waiter still waits */
  wait_for_count(id, 7, GETNCNT, 1, "the last waiter");
  assert_int_equal(getval(id, 7), 11);
  {
    struct sembuf one = {7, 1, 0};
    assert_int_equal(semop(id, &one, 1), 0);
  }
  for (i = 0; i < kWaiters; ++i)
    assert_int_equal(conf_wait_exit_code(pids[i], "waiter"), 0);
  assert_int_equal(getval(id, 7), 0);
  assert_int_equal(semctl(id, 7, GETNCNT), 0);
  rmid(id);
}

/* SEM_UNDO adjustments are applied when the process exits; ops without it stay. */
static void sem_undo_applied_at_exit(void **state) {
  pid_t pid;
  int id = new_set(3);
  (void)state;
  setval(id, 0, 5);
  pid = spawn_op(id, "0:-2:u,1:3:u,2:4");
  assert_int_equal(conf_wait_exit_code(pid, "op with SEM_UNDO"), 0);
  assert_int_equal(getval(id, 0), 5);
  assert_int_equal(getval(id, 1), 0);
  assert_int_equal(getval(id, 2), 4); /* no SEM_UNDO: stays */
  assert_int_equal(semctl(id, 0, GETPID), pid);
  rmid(id);
}

/* A killed holder's SEM_UNDO is applied, and a process waiting for it gets the semaphore. */
static void sem_undo_applied_when_killed(void **state) {
  struct conf_child holder;
  char idbuf[32];
  pid_t waiter;
  int status;
  int id = new_set(1);
  (void)state;
  setval(id, 0, 1);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  holder = conf_start_child("hold", idbuf, "0:-1:u", NULL);
  assert_int_equal(conf_child_report(&holder, "hold"), 'L');
  assert_int_equal(getval(id, 0), 0);
  waiter = spawn_op(id, "0:-1:u");
  wait_for_count(id, 0, GETNCNT, 1, "waiter behind the holder");

  assert_int_equal(kill(holder.pid, SIGKILL), 0);
  status = conf_wait_status(holder.pid, "killed holder");
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGKILL);
  /* The waiter got the semaphore released by the undo, then exited (its own undo). */
  assert_int_equal(conf_wait_exit_code(waiter, "waiter"), 0);
  assert_int_equal(getval(id, 0), 1);
  assert_int_equal(semctl(id, 0, GETNCNT), 0);
  end_child_pipes(&holder);

  /* Killed with nobody waiting: the next user finds the value restored. */
  holder = conf_start_child("hold", idbuf, "0:-1:u", NULL);
  assert_int_equal(conf_child_report(&holder, "hold 2"), 'L');
  assert_int_equal(getval(id, 0), 0);
  assert_int_equal(kill(holder.pid, SIGKILL), 0);
  status = conf_wait_status(holder.pid, "killed holder 2");
  assert_true(WIFSIGNALED(status));
  end_child_pipes(&holder);
  {
    struct sembuf take = {0, -1, IPC_NOWAIT};
    assert_int_equal(semop(id, &take, 1), 0);
  }
  rmid(id);
}

/* A process killed while it waits is no longer counted, and nothing is applied for it: the
 * value it waited for stays for the others. */
static void sem_killed_waiter_takes_nothing(void **state) {
  struct sembuf up = {0, 1, 0}, take = {0, -1, IPC_NOWAIT};
  pid_t pid;
  int status;
  int id = new_set(1);
  (void)state;
  pid = spawn_op(id, "0:-1");
  wait_for_count(id, 0, GETNCNT, 1, "waiter");
  assert_int_equal(kill(pid, SIGKILL), 0);
  status = conf_wait_status(pid, "killed waiter");
  assert_true(WIFSIGNALED(status));
  assert_int_equal(semctl(id, 0, GETNCNT), 0);
  assert_int_equal(semop(id, &up, 1), 0);
  assert_int_equal(getval(id, 0), 1);
  assert_int_equal(semop(id, &take, 1), 0);
  rmid(id);
}

/* SETVAL clears the semaphore's adjustments in every process: the exit undoes nothing. */
static void sem_setval_clears_undo(void **state) {
  struct conf_child c;
  char idbuf[32];
  int id = new_set(2);
  (void)state;
  setval(id, 0, 3);
  setval(id, 1, 3);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  c = conf_start_child("hold", idbuf, "0:-1:u,1:-1:u", NULL);
  assert_int_equal(conf_child_report(&c, "hold"), 'L');
  assert_int_equal(getval(id, 0), 2);
  setval(id, 0, 10);
  let_go(&c);
  assert_int_equal(conf_wait_exit_code(c.pid, "hold"), 0);
  end_child_pipes(&c);
  assert_int_equal(getval(id, 0), 10); /* cleared */
  assert_int_equal(getval(id, 1), 3);  /* sem 1's undo still applied */
  rmid(id);
}

/* IPC_RMID wakes every waiter with EIDRM. */
static void sem_rmid_wakes_waiters_with_eidrm(void **state) {
  pid_t a, b;
  int id = new_set(2);
  (void)state;
  setval(id, 1, 1);
  a = spawn_op(id, "0:-1");
  b = spawn_op(id, "1:0");
  wait_for_count(id, 0, GETNCNT, 1, "decrementer");
  wait_for_count(id, 1, GETZCNT, 1, "zero waiter");
  rmid(id);
  assert_int_equal(conf_wait_exit_code(a, "decrementer"), 101);
  assert_int_equal(conf_wait_exit_code(b, "zero waiter"), 101);
}

/* semtimedop gives EAGAIN when the time passes; IPC_NOWAIT at once. */
static void sem_timedop_times_out(void **state) {
  struct sembuf dec = {0, -1, 0}, nowait = {0, -1, IPC_NOWAIT};
  struct timespec to = {0, 100 * 1000 * 1000}, t0, t1, bad = {0, 1000000000L};
  double elapsed;
  int id = new_set(1);
  (void)state;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  errno = 0;
  assert_int_equal(semtimedop(id, &dec, 1, &to), -1);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_true(conf_is_eagain(errno));
  elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
  assert_true(elapsed >= 0.08);
  assert_int_equal(semctl(id, 0, GETNCNT), 0); /* no longer waiting */
  errno = 0;
  assert_int_equal(semop(id, &nowait, 1), -1);
  assert_true(conf_is_eagain(errno));
  errno = 0;
  assert_int_equal(semtimedop(id, &dec, 1, &bad), -1);
  assert_int_equal(errno, EINVAL);
  /* A timed wait that is satisfied in time succeeds. */
  setval(id, 0, 1);
  assert_int_equal(semtimedop(id, &dec, 1, &to), 0);
  assert_int_equal(getval(id, 0), 0);
  rmid(id);
}

/* A file of this run next to the test binary, for ftok. */
static void key_file(char *path, size_t cap, const char *tag) {
  FILE *f;
  snprintf(path, cap, "%s.%s-%ld.key", conf_self(), tag, (long)getpid());
  f = fopen(path, "w");
  if (!f)
    fail_msg("cannot create key file %s: %s", path, strerror(errno));
  fclose(f);
}

/* A new set under an ftok key of `path` that no set has yet; its id (and key). */
static int create_keyed(const char *path, int nsems, int mode, key_t *key_out) {
  int proj;
  for (proj = 1; proj < 256; ++proj) {
    key_t key = ftok(path, proj);
    int id;
    if (key == (key_t)-1)
      fail_msg("ftok(%s) failed: %s", path, strerror(errno));
    id = semget(key, nsems, IPC_CREAT | IPC_EXCL | mode);
    if (id >= 0) {
      *key_out = key;
      return id;
    }
    if (errno != EEXIST)
      fail_msg("semget(0x%08x, %d, IPC_CREAT|IPC_EXCL) failed: %s", (unsigned)key, nsems,
               strerror(errno));
  }
  fail_msg("no free ftok key for %s", path);
  return -1;
}

static void sem_get_op_ctl_errors(void **state) {
  char path[1024];
  struct sembuf ops[501];
  union semun a;
  key_t key;
  int id, i;
  (void)state;
  key_file(path, sizeof path, "errors");
  id = create_keyed(path, 2, 0600, &key);
  errno = 0;
  assert_int_equal(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600), -1);
  assert_int_equal(errno, EEXIST);
  assert_int_equal(semget(key, 2, IPC_CREAT | 0600), id);
  assert_int_equal(semget(key, 0, 0), id);
  assert_int_equal(semget(key, 1, 0), id);
  errno = 0;
  assert_int_equal(semget(key, 3, 0), -1); /* larger than the set */
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(semget(IPC_PRIVATE, -1, IPC_CREAT | 0600), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(semget(IPC_PRIVATE, 32001, IPC_CREAT | 0600), -1); /* > SEMMSL */
  assert_int_equal(errno, EINVAL);

  /* semop */
  memset(ops, 0, sizeof ops);
  ops[0].sem_num = 2;
  ops[0].sem_op = 1;
  errno = 0;
  assert_int_equal(semop(id, ops, 1), -1);
  assert_int_equal(errno, EFBIG);
  errno = 0;
  assert_int_equal(semop(id, ops, 0), -1);
  assert_int_equal(errno, EINVAL);
  for (i = 0; i < 501; ++i) {
    ops[i].sem_num = 0;
    ops[i].sem_op = 1;
  }
  errno = 0;
  assert_int_equal(semop(id, ops, 501), -1); /* > SEMOPM */
  assert_int_equal(errno, E2BIG);
  assert_int_equal(getval(id, 0), 0);
  assert_int_equal(semop(id, ops, 500), 0);
  assert_int_equal(getval(id, 0), 500);
  errno = 0;
  assert_int_equal(semop(-1, ops, 1), -1);
  assert_int_equal(errno, EINVAL);
  setval(id, 1, 32767);
  ops[0].sem_num = 1;
  errno = 0;
  assert_int_equal(semop(id, ops, 1), -1);
  assert_int_equal(errno, ERANGE);
  assert_int_equal(getval(id, 1), 32767);
  /* The undo adjustment is bounded too: -32768 .. 32767. */
  setval(id, 1, 32767);
  ops[0].sem_op = -32767;
  ops[0].sem_flg = SEM_UNDO;
  assert_int_equal(semop(id, ops, 1), 0); /* adj +32767 */
  ops[0].sem_op = 1;
  ops[0].sem_flg = 0;
  assert_int_equal(semop(id, ops, 1), 0); /* value 1, adj unchanged */
  ops[0].sem_op = -1;
  ops[0].sem_flg = SEM_UNDO | IPC_NOWAIT;
  errno = 0;
  assert_int_equal(semop(id, ops, 1), -1); /* adj would be 32768 */
  assert_int_equal(errno, ERANGE);
  assert_int_equal(getval(id, 1), 1);
  ops[0].sem_op = 1;
  ops[0].sem_flg = SEM_UNDO;
  assert_int_equal(semop(id, ops, 1), 0);

  /* semctl */
  a.val = 32768;
  errno = 0;
  assert_int_equal(semctl(id, 0, SETVAL, a), -1);
  assert_int_equal(errno, ERANGE);
  a.val = -1;
  errno = 0;
  assert_int_equal(semctl(id, 0, SETVAL, a), -1);
  assert_int_equal(errno, ERANGE);
  errno = 0;
  assert_int_equal(semctl(id, 2, GETVAL), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(semctl(id, -1, GETNCNT), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(semctl(id, 0, 12345), -1);
  assert_int_equal(errno, EINVAL);
  {
    unsigned short big[2] = {1, 40000};
    a.array = big;
    errno = 0;
    assert_int_equal(semctl(id, 0, SETALL, a), -1);
    assert_int_equal(errno, ERANGE);
  }
  rmid(id);
  errno = 0;
  assert_int_equal(semget(key, 0, 0), -1);
  assert_int_equal(errno, ENOENT);
  errno = 0;
  assert_int_equal(semop(id, ops, 1), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(semctl(id, 0, IPC_RMID), -1);
  assert_int_equal(errno, EINVAL);
  remove(path);
}

/* IPC_SET by the owner; IPC_INFO/SEM_INFO/SEM_STAT. */
static void sem_ctl_set_info_stat(void **state) {
  struct semid_ds ds, ds2;
  struct seminfo info, sinfo;
  union semun a;
  int id = new_set(4), max, i, found = 0;
  (void)state;
  stat_or_fail(id, &ds);
  ds.sem_perm.mode = 0640;
  a.buf = &ds;
  assert_int_equal(semctl(id, 0, IPC_SET, a), 0);
  stat_or_fail(id, &ds2);
  assert_int_equal(ds2.sem_perm.mode & 0777, 0640);
  assert_int_equal(ds2.sem_perm.uid, geteuid());
  assert_int_equal(ds2.sem_nsems, 4);

  a.__buf = &info;
  max = semctl(0, 0, IPC_INFO, a);
  assert_true(max >= 0);
  assert_int_equal(info.semvmx, 32767);
  assert_true(info.semmsl >= 250);
  assert_true(info.semopm >= 32);
  assert_true(info.semmni >= 1);
  a.__buf = &sinfo;
  assert_int_equal(semctl(0, 0, SEM_INFO, a), max);
  assert_true(sinfo.semusz >= 1); /* sets in use */
  assert_true(sinfo.semaem >= 4); /* semaphores in use */
  a.buf = &ds2;
  for (i = 0; i <= max; ++i) {
    if (semctl(i, 0, SEM_STAT, a) == id) {
      found = 1;
      assert_int_equal(ds2.sem_nsems, 4);
    }
  }
  assert_true(found);
  errno = 0;
  assert_int_equal(semctl(-1, 0, SEM_STAT, a), -1); /* Linux keeps an index's low 15 bits */
  assert_int_equal(errno, EINVAL);
  rmid(id);
}

static void sem_mode_bits_give_eacces(void **state) {
  char path[1024], keybuf[32], idbuf[32];
  key_t key;
  pid_t pid;
  int id;
  (void)state;
  key_file(path, sizeof path, "eacces");
  id = create_keyed(path, 1, 0, &key);
  snprintf(keybuf, sizeof keybuf, "0x%08x", (unsigned)key);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  pid = conf_spawn_role(NULL, "no_access", keybuf, idbuf, NULL);
  assert_int_equal(conf_wait_exit_code(pid, "no_access"), 0);
  rmid(id);
  remove(path);
}

/* A process that unlocks and relocks at once in a loop does not starve one waiting for the
 * lock: the waiter gets it at an unlock (bounded wait, or the case fails). */
static void sem_waiter_is_not_starved_by_relocking(void **state) {
  char semb[32], shmb[32];
  struct conf_child hog;
  pid_t taker;
  volatile long *w;
  int semid = new_set(1), shmid;
  (void)state;
  shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  assert_true(shmid >= 0);
  w = shmat(shmid, NULL, 0);
  assert_true(w != (void *)-1);
  w[0] = w[1] = 0;
  setval(semid, 0, 1);
  snprintf(semb, sizeof semb, "%d", semid);
  snprintf(shmb, sizeof shmb, "%d", shmid);
  hog = conf_start_child("hog", semb, shmb, NULL);
  assert_int_equal(conf_child_report(&hog, "hog"), 'L');
  taker = conf_spawn_role(NULL, "taker", semb, shmb, NULL);
  assert_int_equal(conf_wait_exit_code(taker, "taker behind a relocking holder"), 0);
  assert_int_equal(conf_wait_exit_code(hog.pid, "hog"), 0);
  end_child_pipes(&hog);
  assert_int_equal(w[0], 1);
  assert_int_equal(getval(semid, 0), 1);
  assert_int_equal(shmdt((const void *)w), 0);
  assert_int_equal(shmctl(shmid, IPC_RMID, NULL), 0);
  rmid(semid);
}

/* 4 processes increment a counter in shared memory 25,000 times each under the lock. */
static void sem_lock_protects_shared_counter(void **state) {
  enum { kProcs = 4, kEach = 25000 };
  char semb[32], shmb[32], nb[32];
  pid_t pids[kProcs];
  volatile long *counter;
  int semid = new_set(1), shmid, i;
  (void)state;
  shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  assert_true(shmid >= 0);
  counter = shmat(shmid, NULL, 0);
  assert_true(counter != (void *)-1);
  *counter = 0;
  setval(semid, 0, 1);
  snprintf(semb, sizeof semb, "%d", semid);
  snprintf(shmb, sizeof shmb, "%d", shmid);
  snprintf(nb, sizeof nb, "%d", kEach);
  for (i = 0; i < kProcs; ++i)
    pids[i] = conf_spawn_role(NULL, "counter", semb, shmb, nb);
  for (i = 0; i < kProcs; ++i)
    assert_int_equal(wait_exit_within(pids[i], "counter", 300000), 0);
  assert_int_equal(*counter, (long)kProcs * kEach);
  assert_int_equal(getval(semid, 0), 1);
  assert_int_equal(shmdt((const void *)counter), 0);
  assert_int_equal(shmctl(shmid, IPC_RMID, NULL), 0);
  rmid(semid);
}

static void sem_ipcs_lists_and_ipcrm_removes(void **state) {
  static char out[1 << 16];
  char path[1024], keyhex[32], idbuf[32], line[512];
  char f_key[64], f_id[64], f_owner[64], f_perms[64], f_nsems[64];
  key_t key;
  int id, id2;
  (void)state;
  key_file(path, sizeof path, "ipcs");
  id = create_keyed(path, 7, 0640, &key);
  snprintf(keyhex, sizeof keyhex, "0x%08x", (unsigned)key);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  assert_int_equal(conf_run_tool("ipcs", "-s", NULL, out, sizeof out), 0);
  assert_non_null(strstr(out, "------ Semaphore Arrays --------"));
  assert_non_null(strstr(out, "key        semid      owner      perms      nsems"));
  if (!conf_find_line(out, keyhex, line, sizeof line))
    fail_msg("ipcs -s does not list key %s:\n%s", keyhex, out);
  assert_int_equal(
      sscanf(line, "%63s %63s %63s %63s %63s", f_key, f_id, f_owner, f_perms, f_nsems), 5);
  assert_string_equal(f_id, idbuf);
  assert_string_equal(f_perms, "640");
  assert_string_equal(f_nsems, "7");

  assert_int_equal(conf_run_tool("ipcrm", "-S", keyhex, out, sizeof out), 0);
  errno = 0;
  assert_int_equal(semget(key, 0, 0), -1);
  assert_int_equal(errno, ENOENT);
  assert_int_equal(conf_run_tool("ipcrm", "-s", idbuf, out, sizeof out), 1);
  assert_int_equal(conf_run_tool("ipcrm", "-S", keyhex, out, sizeof out), 1);

  id2 = new_set(1);
  snprintf(idbuf, sizeof idbuf, "%d", id2);
  assert_int_equal(conf_run_tool("ipcrm", "-s", idbuf, out, sizeof out), 0);
  errno = 0;
  assert_int_equal(semctl(id2, 0, GETVAL), -1);
  assert_int_equal(errno, EINVAL);
  remove(path);
}

/* docs/examples/posix/shm_sem.c, built next to this binary: 4 workers add 500 each to a
 * counter in a shm segment under a semaphore; the example exits 0 when the total is exact
 * (and removes both objects). */
static void example_shm_sem_counter_is_exact(void **state) {
  static const char *const args[] = {"4", "500", NULL};
  (void)state;
  assert_int_equal(conf_run_sibling("example-posix-shm-sem", args), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(sem_private_set_values_and_stat),
    cmocka_unit_test(sem_array_is_all_or_nothing),
    cmocka_unit_test(sem_blocked_array_completes_atomically),
    cmocka_unit_test(sem_wait_for_zero),
    cmocka_unit_test(sem_counts_of_several_waiters),
    cmocka_unit_test(sem_many_waiters_with_long_arrays),
    cmocka_unit_test(sem_undo_applied_at_exit),
    cmocka_unit_test(sem_undo_applied_when_killed),
    cmocka_unit_test(sem_killed_waiter_takes_nothing),
    cmocka_unit_test(sem_setval_clears_undo),
    cmocka_unit_test(sem_rmid_wakes_waiters_with_eidrm),
    cmocka_unit_test(sem_timedop_times_out),
    cmocka_unit_test(sem_get_op_ctl_errors),
    cmocka_unit_test(sem_ctl_set_info_stat),
    cmocka_unit_test(sem_mode_bits_give_eacces),
    cmocka_unit_test(sem_waiter_is_not_starved_by_relocking),
    cmocka_unit_test(sem_lock_protects_shared_counter),
    cmocka_unit_test(sem_ipcs_lists_and_ipcrm_removes),
    cmocka_unit_test(example_shm_sem_counter_is_exact),
};

static const struct conf_role roles[] = {
    {"op", role_op},
    {"hold", role_hold},
    {"counter", role_counter},
    {"no_access", role_no_access},
    {"hog", role_hog},
    {"taker", role_taker},
};

CONF_MAIN_WITH_ROLES(tests, roles)
