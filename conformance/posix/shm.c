/* System V shared memory: shmget/shmat/shmdt/shmctl and ftok across processes. Objects have
 * kernel persistence (a segment outlives its creator), IPC_STAT fields are checked after
 * attaches and detaches in several processes, IPC_RMID frees the key at once and the segment
 * with the last detach, killed processes stop counting in shm_nattch, SHM_RDONLY views fault
 * on write, mode bits give EACCES, and ipcs/ipcrm list and remove segments (util-linux's on
 * Linux, posix-on-win's own tools on Windows).
 *
 * Every test removes what it makes. Keys come from ftok on a temp file of this run (and a
 * proj id no live segment uses), or are IPC_PRIVATE, so parallel runs do not collide. */
#define _GNU_SOURCE /* SHM_STAT, SHM_INFO, struct shm_info in glibc */
#include "posix_util.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BAD_PTR ((void *)-1)

/* ---- helpers ---------------------------------------------------------------------------- */

/* Every object a test makes is recorded, and removed after the test if it still exists:
 * a failed assertion must not leave a kernel object behind on the reference. */
static int g_made[64];
static int g_nmade;

static int track(int id) {
  if (id >= 0 && g_nmade < 64)
    g_made[g_nmade++] = id;
  return id;
}

static int remove_leftovers(void **state) {
  int i;
  (void)state;
  for (i = 0; i < g_nmade; ++i)
    shmctl(g_made[i], IPC_RMID, NULL); /* fails with EINVAL for those already removed */
  g_nmade = 0;
  return 0;
}

static unsigned char pattern(size_t i) { return (unsigned char)((i * 7u + 3u) % 251u); }

/* A file of this run next to the test binary, for ftok. */
static void key_file(char *path, size_t cap, const char *tag) {
  FILE *f;
  snprintf(path, cap, "%s.%s-%ld.key", conf_self(), tag, (long)getpid());
  f = fopen(path, "w");
  if (!f)
    fail_msg("cannot create key file %s: %s", path, strerror(errno));
  fclose(f);
}

/* A new segment under an ftok key of `path` that no segment has yet; its id (and key). */
static int create_keyed(const char *path, size_t size, int mode, key_t *key_out) {
  int proj;
  for (proj = 1; proj < 256; ++proj) {
    key_t key = ftok(path, proj);
    int id;
    if (key == (key_t)-1)
      fail_msg("ftok(%s) failed: %s", path, strerror(errno));
    id = track(shmget(key, size, IPC_CREAT | IPC_EXCL | mode));
    if (id >= 0) {
      *key_out = key;
      return id;
    }
    if (errno != EEXIST)
      fail_msg("shmget(0x%08x, %u, IPC_CREAT|IPC_EXCL) failed: %s", (unsigned)key,
               (unsigned)size, strerror(errno));
  }
  fail_msg("no free ftok key for %s", path);
  return -1;
}

static void stat_or_fail(int id, struct shmid_ds *ds) {
  if (shmctl(id, IPC_STAT, ds) != 0)
    fail_msg("shmctl(%d, IPC_STAT) failed: %s", id, strerror(errno));
}

static void rmid(int id) {
  if (shmctl(id, IPC_RMID, NULL) != 0)
    fail_msg("shmctl(%d, IPC_RMID) failed: %s", id, strerror(errno));
}

static void end_child_pipes(struct conf_child *c) {
  if (c->to_child >= 0)
    close(c->to_child);
  if (c->from_child >= 0)
    close(c->from_child);
  c->to_child = c->from_child = -1;
}

/* ---- roles ------------------------------------------------------------------------------ */

/* create_write PATH SIZE: creates the segment of ftok(PATH, 'P') (proj id 'P'), fills it
 * with the pattern and exits while attached (exit detaches). */
static int role_create_write(int argc, char **argv) {
  key_t key;
  size_t size, i;
  int id;
  unsigned char *p;
  if (argc < 2)
    return 90;
  key = ftok(argv[0], 'P');
  size = (size_t)strtoul(argv[1], NULL, 10);
  id = shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
  if (id < 0)
    return 91;
  p = shmat(id, NULL, 0);
  if (p == BAD_PTR)
    return 92;
  for (i = 0; i < size; ++i)
    p[i] = pattern(i);
  return 0;
}

/* read_check PATH SIZE: finds the segment by key and checks the pattern. */
static int role_read_check(int argc, char **argv) {
  key_t key;
  size_t size, i;
  int id;
  unsigned char *p;
  if (argc < 2)
    return 90;
  key = ftok(argv[0], 'P');
  size = (size_t)strtoul(argv[1], NULL, 10);
  id = shmget(key, 0, 0);
  if (id < 0)
    return 91;
  p = shmat(id, NULL, SHM_RDONLY);
  if (p == BAD_PTR)
    return 92;
  for (i = 0; i < size; ++i)
    if (p[i] != pattern(i))
      return 93;
  return shmdt(p) == 0 ? 0 : 94;
}

/* attach_hold ID: attaches, writes 'A' to stdout, waits for EOF on stdin, writes 'x' into
 * the segment's byte 1, detaches, exits 0. */
static int role_attach_hold(int argc, char **argv) {
  char b;
  unsigned char *p;
  if (argc < 1)
    return 90;
  p = shmat(atoi(argv[0]), NULL, 0);
  if (p == BAD_PTR)
    return 91;
  if (write(1, "A", 1) != 1)
    return 92;
  while (read(0, &b, 1) > 0) {
  }
  p[1] = 'x';
  return shmdt(p) == 0 ? 0 : 93;
}

/* write_rdonly ID: attaches read-only, reads, writes 'R', then writes: must die. */
static int role_write_rdonly(int argc, char **argv) {
  volatile unsigned char *p;
  unsigned char v;
  if (argc < 1)
    return 90;
  p = shmat(atoi(argv[0]), NULL, SHM_RDONLY);
  if (p == BAD_PTR)
    return 91;
  v = p[0];
  if (write(1, "R", 1) != 1)
    return 92;
  p[0] = (unsigned char)(v + 1); /* faults */
  return 0;
}

/* no_access KEY ID: the segment has mode 0: no one but a privileged caller may use it.
 * Linux's root bypasses modes (CAP_IPC_OWNER) and the reference runs as root, so a root
 * child first becomes `nobody` (65534) and checks as another user; elsewhere (Windows: no
 * root; Linux as a normal user) the owner itself is refused by mode 0. */
static int role_no_access(int argc, char **argv) {
  key_t key;
  int id;
  struct shmid_ds ds;
  if (argc < 2)
    return 90;
  key = (key_t)strtoul(argv[0], NULL, 0);
  id = atoi(argv[1]);
  if (geteuid() == 0 && setuid(65534) != 0)
    return 91;
  if (geteuid() == 0)
    return 92;
  /* Asking for no access at all is allowed (Linux checks only the bits asked). */
  if (shmget(key, 0, 0) != id)
    return 93;
  errno = 0;
  if (shmget(key, 0, 0600) != -1 || errno != EACCES)
    return 94;
  errno = 0;
  if (shmget(key, 0, 0400) != -1 || errno != EACCES)
    return 95;
  errno = 0;
  if (shmat(id, NULL, 0) != BAD_PTR || errno != EACCES)
    return 96;
  errno = 0;
  if (shmat(id, NULL, SHM_RDONLY) != BAD_PTR || errno != EACCES)
    return 97;
  errno = 0;
  if (shmctl(id, IPC_STAT, &ds) != -1 || errno != EACCES)
    return 98;
  return 0;
}

/* print_ftok PATH: prints ftok(PATH, 'k') in hex. */
static int role_print_ftok(int argc, char **argv) {
  char buf[32];
  int n;
  if (argc < 1)
    return 90;
  n = snprintf(buf, sizeof buf, "%08x", (unsigned)ftok(argv[0], 'k'));
  return write(1, buf, (size_t)n) == n ? 0 : 91;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void shm_private_segment_attach_write_stat(void **state) {
  struct shmid_ds ds;
  unsigned char *p;
  size_t i;
  time_t before = time(NULL);
  int id = track(shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600));
  (void)state;
  assert_true(id >= 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_perm.__key, IPC_PRIVATE);
  assert_int_equal(ds.shm_perm.mode & 0777, 0600);
  assert_int_equal(ds.shm_perm.uid, geteuid());
  assert_int_equal(ds.shm_perm.cuid, geteuid());
  assert_int_equal(ds.shm_perm.gid, getegid());
  assert_int_equal(ds.shm_perm.cgid, getegid());
  assert_int_equal(ds.shm_segsz, 10000);
  assert_int_equal(ds.shm_nattch, 0);
  assert_int_equal(ds.shm_cpid, getpid());
  assert_int_equal(ds.shm_lpid, 0);
  assert_int_equal(ds.shm_atime, 0);
  assert_int_equal(ds.shm_dtime, 0);
  assert_true(ds.shm_ctime >= before && ds.shm_ctime <= time(NULL));

  p = shmat(id, NULL, 0);
  assert_true(p != BAD_PTR);
  for (i = 0; i < 10000; ++i)
    assert_int_equal(p[i], 0); /* new segments are zero */
  for (i = 0; i < 10000; ++i)
    p[i] = pattern(i);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 1);
  assert_int_equal(ds.shm_lpid, getpid());
  assert_true(ds.shm_atime >= before);

  /* A second attachment of the same segment sees the same bytes. */
  {
    unsigned char *q = shmat(id, NULL, 0);
    assert_true(q != BAD_PTR);
    assert_true(q != p);
    assert_memory_equal(p, q, 10000);
    q[5] = 0xEE;
    assert_int_equal(p[5], 0xEE);
    stat_or_fail(id, &ds);
    assert_int_equal(ds.shm_nattch, 2);
    assert_int_equal(shmdt(q), 0);
  }
  assert_int_equal(shmdt(p), 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 0);
  assert_true(ds.shm_dtime >= before);
  rmid(id);
  errno = 0;
  assert_int_equal(shmctl(id, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
}

/* Created and written by one process, read by another started after the first exited. */
static void shm_persists_after_every_process_exits(void **state) {
  char path[1024];
  struct shmid_ds ds;
  pid_t writer, reader;
  key_t key;
  int id;
  (void)state;
  key_file(path, sizeof path, "persist");
  key = ftok(path, 'P');
  assert_true(key != (key_t)-1);
  /* A leftover of an aborted run with this very key would make the writer fail. */
  id = shmget(key, 0, 0);
  if (id >= 0)
    rmid(id);

  writer = conf_spawn_role(NULL, "create_write", path, "70000", NULL);
  assert_int_equal(conf_wait_exit_code(writer, "create_write"), 0);
  id = track(shmget(key, 0, 0));
  assert_true(id >= 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 0); /* the writer exited attached: exit detaches */
  assert_int_equal(ds.shm_cpid, writer);
  assert_int_equal(ds.shm_lpid, writer);
  assert_int_equal(ds.shm_segsz, 70000);

  reader = conf_spawn_role(NULL, "read_check", path, "70000", NULL);
  assert_int_equal(conf_wait_exit_code(reader, "read_check"), 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 0);
  assert_int_equal(ds.shm_cpid, writer);
  assert_int_equal(ds.shm_lpid, reader);
  rmid(id);
  remove(path);
}

/* IPC_STAT's nattch/lpid/atime/dtime follow attaches and detaches of other processes. */
static void shm_stat_follows_other_processes(void **state) {
  struct shmid_ds ds;
  struct conf_child c1, c2;
  char idbuf[32];
  unsigned char *p;
  time_t before = time(NULL);
  int id = track(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
  (void)state;
  assert_true(id >= 0);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  p = shmat(id, NULL, 0);
  assert_true(p != BAD_PTR);

  c1 = conf_start_child("attach_hold", idbuf, NULL, NULL);
  assert_int_equal(conf_child_report(&c1, "attach_hold 1"), 'A');
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 2);
  assert_int_equal(ds.shm_lpid, c1.pid);
  assert_true(ds.shm_atime >= before);

  c2 = conf_start_child("attach_hold", idbuf, NULL, NULL);
  assert_int_equal(conf_child_report(&c2, "attach_hold 2"), 'A');
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 3);
  assert_int_equal(ds.shm_lpid, c2.pid);

  /* c1 detaches (after writing byte 1) and exits. */
  close(c1.to_child);
  c1.to_child = -1;
  assert_int_equal(conf_wait_exit_code(c1.pid, "attach_hold 1"), 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 2);
  assert_int_equal(ds.shm_lpid, c1.pid);
  assert_true(ds.shm_dtime >= before);
  assert_int_equal(p[1], 'x');

  close(c2.to_child);
  c2.to_child = -1;
  assert_int_equal(conf_wait_exit_code(c2.pid, "attach_hold 2"), 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 1);
  assert_int_equal(ds.shm_lpid, c2.pid);
  end_child_pipes(&c1);
  end_child_pipes(&c2);

  assert_int_equal(shmdt(p), 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 0);
  assert_int_equal(ds.shm_lpid, getpid());
  rmid(id);
}

/* IPC_RMID while attached: the key is free at once, the memory stays usable, the id stays
 * valid (SHM_DEST, key 0) until the last detach. */
static void shm_rmid_while_attached(void **state) {
  char path[1024];
  struct shmid_ds ds;
  unsigned char *p, *q;
  key_t key;
  int id, id2;
  (void)state;
  key_file(path, sizeof path, "rmid");
  id = create_keyed(path, 8192, 0600, &key);
  p = shmat(id, NULL, 0);
  assert_true(p != BAD_PTR);
  p[0] = 42;
  rmid(id);

  stat_or_fail(id, &ds);
  assert_true(ds.shm_perm.mode & SHM_DEST);
  assert_int_equal(ds.shm_perm.__key, IPC_PRIVATE);
  assert_int_equal(ds.shm_nattch, 1);
  errno = 0;
  assert_int_equal(shmget(key, 0, 0), -1);
  assert_int_equal(errno, ENOENT);
  /* The key makes a new segment now. */
  id2 = track(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600));
  assert_true(id2 >= 0);
  assert_true(id2 != id);

  /* Linux lets a process attach a destroyed segment that is still attached, by id. */
  q = shmat(id, NULL, 0);
  assert_true(q != BAD_PTR);
  assert_int_equal(q[0], 42);
  p[1] = 43;
  assert_int_equal(q[1], 43);
  assert_int_equal(shmdt(q), 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 1);
  assert_int_equal(shmdt(p), 0);
  /* The last detach destroyed it. */
  errno = 0;
  assert_int_equal(shmctl(id, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_true(shmat(id, NULL, 0) == BAD_PTR);
  assert_int_equal(errno, EINVAL);
  rmid(id2);
  remove(path);
}

static void shm_get_errors(void **state) {
  char path[1024];
  struct shmid_ds ds;
  struct shminfo info;
  key_t key;
  int id;
  (void)state;
  key_file(path, sizeof path, "errors");
  id = create_keyed(path, 4096, 0600, &key);
  /* IPC_CREAT|IPC_EXCL on an existing key. */
  errno = 0;
  assert_int_equal(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600), -1);
  assert_int_equal(errno, EEXIST);
  /* Without IPC_EXCL it is the same segment; size 0 and smaller sizes are fine. */
  assert_int_equal(shmget(key, 4096, IPC_CREAT | 0600), id);
  assert_int_equal(shmget(key, 0, 0), id);
  assert_int_equal(shmget(key, 100, 0), id);
  /* Larger than the segment. */
  errno = 0;
  assert_int_equal(shmget(key, 4097, 0), -1);
  assert_int_equal(errno, EINVAL);
  rmid(id);
  /* Gone: no such key. */
  errno = 0;
  assert_int_equal(shmget(key, 0, 0), -1);
  assert_int_equal(errno, ENOENT);
  /* Size below SHMMIN (1) for a new segment. */
  errno = 0;
  assert_int_equal(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(shmget(key, 0, IPC_CREAT | 0600), -1);
  assert_int_equal(errno, EINVAL);
  /* Above SHMMAX. */
  assert_true(shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info) >= 0);
  if ((unsigned long long)info.shmmax < (unsigned long long)SIZE_MAX) {
    errno = 0;
    assert_int_equal(shmget(IPC_PRIVATE, (size_t)info.shmmax + 1, IPC_CREAT | 0600), -1);
    assert_int_equal(errno, EINVAL);
  }
  /* Stale and invalid ids. */
  errno = 0;
  assert_int_equal(shmctl(id, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(shmctl(id, IPC_RMID, NULL), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_true(shmat(id, NULL, 0) == BAD_PTR);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_true(shmat(-1, NULL, 0) == BAD_PTR);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(shmctl(-1, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
  remove(path);
}

static void shm_attach_detach_errors(void **state) {
  struct shmid_ds ds;
  unsigned char *p, *q;
  int local = 0;
  int id = track(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
  (void)state;
  assert_true(id >= 0);
  /* shmdt of what is not an attachment. */
  errno = 0;
  assert_int_equal(shmdt(&local), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(shmdt(NULL), -1);
  assert_int_equal(errno, EINVAL);
  /* Unknown command. */
  errno = 0;
  assert_int_equal(shmctl(id, 12345, &ds), -1);
  assert_int_equal(errno, EINVAL);

  p = shmat(id, NULL, 0);
  assert_true(p != BAD_PTR);
  /* Not the start of the attachment. */
  errno = 0;
  assert_int_equal(shmdt(p + 1), -1);
  assert_int_equal(errno, EINVAL);
  /* An address already in use. */
  errno = 0;
  assert_true(shmat(id, p, 0) == BAD_PTR);
  assert_int_equal(errno, EINVAL);
  assert_int_equal(shmdt(p), 0);
  /* Detached twice. */
  errno = 0;
  assert_int_equal(shmdt(p), -1);
  assert_int_equal(errno, EINVAL);

  /* The address given back (SHMLBA-aligned, as attachments are) is honoured... */
  q = shmat(id, p, 0);
  assert_true(q == p);
  assert_int_equal(shmdt(q), 0);
  /* ...a misaligned one only with SHM_RND, which rounds down to SHMLBA. */
  errno = 0;
  assert_true(shmat(id, p + 1, 0) == BAD_PTR);
  assert_int_equal(errno, EINVAL);
  q = shmat(id, p + 1, SHM_RND);
  assert_true(q == p);
  assert_int_equal(shmdt(q), 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 0);
  rmid(id);
}

/* IPC_SET by the owner; IPC_INFO/SHM_INFO/SHM_STAT; SHM_LOCK/UNLOCK. */
static void shm_ctl_set_info_stat(void **state) {
  struct shmid_ds ds, ds2;
  struct shminfo info;
  struct shm_info sinfo;
  int id = track(shmget(IPC_PRIVATE, 5000, IPC_CREAT | 0600)), max, i, found = 0;
  (void)state;
  assert_true(id >= 0);
  stat_or_fail(id, &ds);
  ds.shm_perm.mode = 0640;
  assert_int_equal(shmctl(id, IPC_SET, &ds), 0);
  stat_or_fail(id, &ds2);
  assert_int_equal(ds2.shm_perm.mode & 0777, 0640);
  assert_int_equal(ds2.shm_perm.uid, geteuid());
  assert_true(ds2.shm_ctime >= ds.shm_ctime);

  max = shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info);
  assert_true(max >= 0);
  assert_int_equal(info.shmmin, 1);
  assert_true(info.shmmni >= 1);
  assert_true(info.shmmax >= 1024 * 1024);
  assert_true(info.shmall >= 1);
  assert_int_equal(shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&sinfo), max);
  assert_true(sinfo.used_ids >= 1);
  assert_true(sinfo.shm_tot >= 2); /* our 5000 bytes are 2 pages */
  /* SHM_STAT takes an index and gives the id: ours is at one of 0..max. */
  for (i = 0; i <= max; ++i) {
    int r = shmctl(i, SHM_STAT, &ds2);
    if (r == id) {
      found = 1;
      assert_int_equal(ds2.shm_segsz, 5000);
    }
  }
  assert_true(found);
  errno = 0;
  assert_int_equal(shmctl(-1, SHM_STAT, &ds2), -1);
  assert_int_equal(errno, EINVAL);

  assert_int_equal(shmctl(id, SHM_LOCK, NULL), 0);
  stat_or_fail(id, &ds2);
  assert_true(ds2.shm_perm.mode & SHM_LOCKED);
  assert_int_equal(shmctl(id, SHM_UNLOCK, NULL), 0);
  stat_or_fail(id, &ds2);
  assert_false(ds2.shm_perm.mode & SHM_LOCKED);
  rmid(id);
}

/* A mode-0 segment refuses access (see role_no_access for root). */
static void shm_mode_bits_give_eacces(void **state) {
  char path[1024], keybuf[32], idbuf[32];
  key_t key;
  pid_t pid;
  int id;
  (void)state;
  key_file(path, sizeof path, "eacces");
  id = create_keyed(path, 4096, 0, &key);
  snprintf(keybuf, sizeof keybuf, "0x%08x", (unsigned)key);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  pid = conf_spawn_role(NULL, "no_access", keybuf, idbuf, NULL);
  assert_int_equal(conf_wait_exit_code(pid, "no_access"), 0);
  rmid(id); /* the owner may always remove */
  remove(path);
}

/* A write through a SHM_RDONLY attachment kills the writer with SIGSEGV. */
static void shm_rdonly_write_faults(void **state) {
  struct shmid_ds ds;
  struct conf_child c;
  char idbuf[32];
  int status;
  unsigned char *p;
  int id = track(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
  (void)state;
  assert_true(id >= 0);
  p = shmat(id, NULL, 0);
  assert_true(p != BAD_PTR);
  p[0] = 7;
  snprintf(idbuf, sizeof idbuf, "%d", id);
  c = conf_start_child("write_rdonly", idbuf, NULL, NULL);
  assert_int_equal(conf_child_report(&c, "write_rdonly"), 'R');
  status = conf_wait_status(c.pid, "write_rdonly");
  end_child_pipes(&c);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGSEGV);
  assert_int_equal(p[0], 7);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 1); /* the dead child no longer counts */
  assert_int_equal(shmdt(p), 0);
  rmid(id);
}

/* A killed process's attachment goes; a removed segment goes with it. */
static void shm_killed_process_is_detached(void **state) {
  struct shmid_ds ds;
  struct conf_child c1, c2;
  char idbuf[32];
  int status;
  int id = track(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
  (void)state;
  assert_true(id >= 0);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  c1 = conf_start_child("attach_hold", idbuf, NULL, NULL);
  assert_int_equal(conf_child_report(&c1, "attach_hold 1"), 'A');
  c2 = conf_start_child("attach_hold", idbuf, NULL, NULL);
  assert_int_equal(conf_child_report(&c2, "attach_hold 2"), 'A');
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 2);

  assert_int_equal(kill(c1.pid, SIGKILL), 0);
  status = conf_wait_status(c1.pid, "killed attach_hold 1");
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGKILL);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 1);

  /* Removed while the second is attached, then the second is killed: the segment goes. */
  rmid(id);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.shm_nattch, 1);
  assert_int_equal(kill(c2.pid, SIGKILL), 0);
  status = conf_wait_status(c2.pid, "killed attach_hold 2");
  assert_true(WIFSIGNALED(status));
  end_child_pipes(&c1);
  end_child_pipes(&c2);
  errno = 0;
  assert_int_equal(shmctl(id, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
}

/* ftok: stable across calls and processes, proj id in the top byte, ENOENT for no file. */
static void shm_ftok_is_stable(void **state) {
  char path[1024], other[1100], buf[32];
  struct conf_child c;
  key_t k1, k2;
  size_t n;
  (void)state;
  key_file(path, sizeof path, "ftok");
  k1 = ftok(path, 'k');
  assert_true(k1 != (key_t)-1);
  assert_int_equal(ftok(path, 'k'), k1);
  assert_int_equal(((unsigned)k1 >> 24) & 0xff, 'k');
  k2 = ftok(path, 'j');
  assert_true(k2 != k1);
  assert_int_equal((unsigned)k2 & 0xffffff, (unsigned)k1 & 0xffffff);
  c = conf_start_child("print_ftok", path, NULL, NULL);
  close(c.to_child);
  c.to_child = -1;
  n = conf_read_to_eof(c.from_child, buf, sizeof buf - 1, "print_ftok");
  buf[n] = 0;
  assert_int_equal(conf_wait_exit_code(c.pid, "print_ftok"), 0);
  end_child_pipes(&c);
  assert_int_equal(strtoul(buf, NULL, 16), (unsigned)k1);
  snprintf(other, sizeof other, "%s.missing", path);
  errno = 0;
  assert_int_equal(ftok(other, 'k'), (key_t)-1);
  assert_int_equal(errno, ENOENT);
  remove(path);
}

static void shm_ipcs_lists_and_ipcrm_removes(void **state) {
  static char out[1 << 16];
  char path[1024], keyhex[32], idbuf[32], line[512];
  char f_key[64], f_id[64], f_owner[64], f_perms[64], f_bytes[64], f_nattch[64];
  struct shmid_ds ds;
  key_t key;
  int id, id2;
  unsigned char *p;
  (void)state;
  key_file(path, sizeof path, "ipcs");
  id = create_keyed(path, 12345, 0640, &key);
  p = shmat(id, NULL, 0);
  assert_true(p != BAD_PTR);
  snprintf(keyhex, sizeof keyhex, "0x%08x", (unsigned)key);
  snprintf(idbuf, sizeof idbuf, "%d", id);

  assert_int_equal(conf_run_tool("ipcs", "-m", NULL, out, sizeof out), 0);
  assert_non_null(strstr(out, "------ Shared Memory Segments --------"));
  assert_non_null(strstr(out, "key        shmid      owner      perms      bytes      nattch"));
  if (!conf_find_line(out, keyhex, line, sizeof line))
    fail_msg("ipcs -m does not list key %s:\n%s", keyhex, out);
  assert_int_equal(sscanf(line, "%63s %63s %63s %63s %63s %63s", f_key, f_id, f_owner, f_perms,
                          f_bytes, f_nattch),
                   6);
  assert_string_equal(f_id, idbuf);
  assert_string_equal(f_perms, "640");
  assert_string_equal(f_bytes, "12345");
  assert_string_equal(f_nattch, "1");
  assert_int_equal(shmdt(p), 0);

  /* ipcrm -M key removes it; the key is gone. */
  assert_int_equal(conf_run_tool("ipcrm", "-M", keyhex, out, sizeof out), 0);
  errno = 0;
  assert_int_equal(shmget(key, 0, 0), -1);
  assert_int_equal(errno, ENOENT);
  errno = 0;
  assert_int_equal(shmctl(id, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
  /* The removed id and key are invalid now: exit status 1. */
  assert_int_equal(conf_run_tool("ipcrm", "-m", idbuf, out, sizeof out), 1);
  assert_int_equal(conf_run_tool("ipcrm", "-M", keyhex, out, sizeof out), 1);

  /* ipcrm -m id, and the segment shows as "dest" while attached. */
  id2 = track(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
  assert_true(id2 >= 0);
  p = shmat(id2, NULL, 0);
  assert_true(p != BAD_PTR);
  snprintf(idbuf, sizeof idbuf, "%d", id2);
  assert_int_equal(conf_run_tool("ipcrm", "-m", idbuf, out, sizeof out), 0);
  stat_or_fail(id2, &ds);
  assert_true(ds.shm_perm.mode & SHM_DEST);
  assert_int_equal(conf_run_tool("ipcs", "-m", NULL, out, sizeof out), 0);
  {
    char want[64];
    const char *l;
    snprintf(want, sizeof want, "0x00000000 %-10d ", id2);
    l = strstr(out, want);
    if (!l)
      fail_msg("ipcs -m does not list removed id %d:\n%s", id2, out);
    if (!conf_find_line(l, want, line, sizeof line) || !strstr(line, " dest"))
      fail_msg("ipcs -m does not say 'dest' for id %d: %s", id2, line);
  }
  assert_int_equal(shmdt(p), 0);
  errno = 0;
  assert_int_equal(shmctl(id2, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
  remove(path);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(shm_private_segment_attach_write_stat, remove_leftovers),
    cmocka_unit_test_teardown(shm_persists_after_every_process_exits, remove_leftovers),
    cmocka_unit_test_teardown(shm_stat_follows_other_processes, remove_leftovers),
    cmocka_unit_test_teardown(shm_rmid_while_attached, remove_leftovers),
    cmocka_unit_test_teardown(shm_get_errors, remove_leftovers),
    cmocka_unit_test_teardown(shm_attach_detach_errors, remove_leftovers),
    cmocka_unit_test_teardown(shm_ctl_set_info_stat, remove_leftovers),
    cmocka_unit_test_teardown(shm_mode_bits_give_eacces, remove_leftovers),
    cmocka_unit_test_teardown(shm_rdonly_write_faults, remove_leftovers),
    cmocka_unit_test_teardown(shm_killed_process_is_detached, remove_leftovers),
    cmocka_unit_test_teardown(shm_ftok_is_stable, remove_leftovers),
    cmocka_unit_test_teardown(shm_ipcs_lists_and_ipcrm_removes, remove_leftovers),
};

static const struct conf_role roles[] = {
    {"create_write", role_create_write}, {"read_check", role_read_check},
    {"attach_hold", role_attach_hold},   {"write_rdonly", role_write_rdonly},
    {"no_access", role_no_access},       {"print_ftok", role_print_ftok},
};

CONF_MAIN_WITH_ROLES(tests, roles)
