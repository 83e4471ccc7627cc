/* System V message queues: msgget/msgsnd/msgrcv/msgctl across processes. Type selection in
 * all three modes (and MSG_EXCEPT), E2BIG/MSG_NOERROR, IPC_STAT counters and pids, blocking
 * receivers and senders woken by another process, EIDRM wake-ups on removal, EACCES/EPERM/
 * EINVAL/EEXIST/ENOENT/EAGAIN/ENOMSG, 4 senders and 4 receivers moving 100,000 checksummed
 * messages with nothing lost or duplicated, a process killed in the middle of operations
 * leaving the queue consistent, and ipcs -q / ipcrm -q -Q.
 *
 * Not covered: EINTR for a blocked call (posix-on-win has no asynchronous signals between
 * processes: its kill() terminates), MSG_COPY (not supported by posix-on-win).
 *
 * Every test removes what it makes; keys come from ftok on a temp file of this run. */
#define _GNU_SOURCE /* MSG_EXCEPT, MSG_STAT, struct msginfo in glibc */
#include "posix_util.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct msg {
  long mtype;
  char mtext[8192];
};

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

static int g_stress_shm = -1;

static int remove_leftovers(void **state) {
  int i;
  (void)state;
  if (g_stress_shm >= 0)
    shmctl(g_stress_shm, IPC_RMID, NULL);
  g_stress_shm = -1;
  for (i = 0; i < g_nmade; ++i)
    msgctl(g_made[i], IPC_RMID, NULL); /* fails with EINVAL for those already removed */
  g_nmade = 0;
  return 0;
}

static void key_file(char *path, size_t cap, const char *tag) {
  FILE *f;
  snprintf(path, cap, "%s.%s-%ld.key", conf_self(), tag, (long)getpid());
  f = fopen(path, "w");
  if (!f)
    fail_msg("cannot create key file %s: %s", path, strerror(errno));
  fclose(f);
}

/* A new queue under an ftok key of `path` that no queue has yet. */
static int create_keyed(const char *path, int mode, key_t *key_out) {
  int proj;
  for (proj = 1; proj < 256; ++proj) {
    key_t key = ftok(path, proj);
    int id;
    if (key == (key_t)-1)
      fail_msg("ftok(%s) failed: %s", path, strerror(errno));
    id = track(msgget(key, IPC_CREAT | IPC_EXCL | mode));
    if (id >= 0) {
      *key_out = key;
      return id;
    }
    if (errno != EEXIST)
      fail_msg("msgget(0x%08x, IPC_CREAT|IPC_EXCL) failed: %s", (unsigned)key, strerror(errno));
  }
  fail_msg("no free ftok key for %s", path);
  return -1;
}

static int new_queue(void) {
  int id = track(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
  if (id < 0)
    fail_msg("msgget(IPC_PRIVATE) failed: %s", strerror(errno));
  return id;
}

static void rmid(int id) {
  if (msgctl(id, IPC_RMID, NULL) != 0)
    fail_msg("msgctl(%d, IPC_RMID) failed: %s", id, strerror(errno));
}

static void stat_or_fail(int id, struct msqid_ds *ds) {
  if (msgctl(id, IPC_STAT, ds) != 0)
    fail_msg("msgctl(%d, IPC_STAT) failed: %s", id, strerror(errno));
}

static void send_text(int id, long type, const char *text) {
  struct msg m;
  size_t n = strlen(text);
  m.mtype = type;
  memcpy(m.mtext, text, n);
  if (msgsnd(id, &m, n, IPC_NOWAIT) != 0)
    fail_msg("msgsnd(type %ld, \"%s\") failed: %s", type, text, strerror(errno));
}

/* Receives with msgtyp/flags and checks type and text. */
static void expect_recv(int id, long msgtyp, int flags, long want_type, const char *want) {
  struct msg m;
  ssize_t n;
  memset(&m, 0, sizeof m);
  n = msgrcv(id, &m, sizeof m.mtext, msgtyp, flags | IPC_NOWAIT);
  if (n < 0)
    fail_msg("msgrcv(msgtyp %ld) failed: %s (wanted \"%s\")", msgtyp, strerror(errno), want);
  assert_int_equal(m.mtype, want_type);
  assert_int_equal(n, strlen(want));
  assert_memory_equal(m.mtext, want, (size_t)n);
}

static void end_child(struct conf_child *c) {
  close(c->to_child);
  close(c->from_child);
}

/* The checksummed payload of message `seq` of sender `s`: 8..127 bytes. */
static size_t stress_len(unsigned seq) { return 8u + (seq * 37u) % 120u; }
static unsigned char stress_byte(unsigned s, unsigned seq, size_t i) {
  return (unsigned char)(s * 131u + seq * 7u + (unsigned)i * 13u);
}

/* ---- roles ------------------------------------------------------------------------------ */

/* recv_one QID TYPE TEXT: reports 'R', blocks for a message of TYPE; exit 0 if it is TEXT. */
static int role_recv_one(int argc, char **argv) {
  struct msg m;
  ssize_t n;
  if (argc < 3)
    return 90;
  if (write(1, "R", 1) != 1)
    return 91;
  n = msgrcv(atoi(argv[0]), &m, sizeof m.mtext, atol(argv[1]), 0);
  if (n < 0)
    return 92;
  return (m.mtype == atol(argv[1]) && (size_t)n == strlen(argv[2]) &&
          memcmp(m.mtext, argv[2], (size_t)n) == 0)
             ? 0
             : 93;
}

/* send_one QID TYPE TEXT: reports 'S', sends (blocking); exit 0 when sent. */
static int role_send_one(int argc, char **argv) {
  struct msg m;
  size_t n;
  if (argc < 3)
    return 90;
  m.mtype = atol(argv[1]);
  n = strlen(argv[2]);
  memcpy(m.mtext, argv[2], n);
  if (write(1, "S", 1) != 1)
    return 91;
  return msgsnd(atoi(argv[0]), &m, n, 0) == 0 ? 0 : 92;
}

/* wait_removed QID recv|send: reports 'W', then blocks receiving (empty queue) or sending
 * (full queue). Exit 0 for EIDRM, 10 for EINVAL (the removal came first), else 20 + errno. */
static int role_wait_removed(int argc, char **argv) {
  struct msg m;
  int r;
  if (argc < 2)
    return 90;
  if (write(1, "W", 1) != 1)
    return 91;
  m.mtype = 1;
  if (strcmp(argv[1], "recv") == 0)
    r = (int)msgrcv(atoi(argv[0]), &m, sizeof m.mtext, 0, 0);
  else
    r = msgsnd(atoi(argv[0]), &m, 16, 0);
  if (r >= 0)
    return 92;
  if (errno == EIDRM)
    return 0;
  return errno == EINVAL ? 10 : 20 + errno;
}

/* stress_send QID SENDER COUNT */
static int role_stress_send(int argc, char **argv) {
  struct msg m;
  unsigned s, seq, count;
  int id;
  size_t i, n;
  if (argc < 3)
    return 90;
  id = atoi(argv[0]);
  s = (unsigned)atoi(argv[1]);
  count = (unsigned)atoi(argv[2]);
  for (seq = 0; seq < count; ++seq) {
    n = stress_len(seq);
    m.mtype = 1 + (long)(seq % 3u);
    memcpy(m.mtext, &s, 4);
    memcpy(m.mtext + 4, &seq, 4);
    for (i = 8; i < n; ++i)
      m.mtext[i] = (char)stress_byte(s, seq, i);
    if (msgsnd(id, &m, n, 0) != 0)
      return 91;
  }
  return 0;
}

/* stress_recv QID SHMID COUNT: receives until a type-99 message; marks each (sender, seq)
 * in the shared seen[] array. */
static int role_stress_recv(int argc, char **argv) {
  struct msg m;
  unsigned char *seen;
  unsigned s, seq, count;
  int id;
  size_t i;
  if (argc < 3)
    return 90;
  id = atoi(argv[0]);
  count = (unsigned)atoi(argv[2]);
  seen = shmat(atoi(argv[1]), NULL, 0);
  if (seen == (void *)-1)
    return 91;
  for (;;) {
    ssize_t n = msgrcv(id, &m, sizeof m.mtext, 0, 0);
    if (n < 0)
      return 92;
    if (m.mtype == 99)
      break;
    if (n < 8)
      return 93;
    memcpy(&s, m.mtext, 4);
    memcpy(&seq, m.mtext + 4, 4);
    if (s >= 4 || seq >= count || (size_t)n != stress_len(seq) || m.mtype != 1 + (long)(seq % 3u))
      return 94;
    for (i = 8; i < (size_t)n; ++i)
      if ((unsigned char)m.mtext[i] != stress_byte(s, seq, i))
        return 95;
    seen[s * count + seq]++;
  }
  return shmdt(seen) == 0 ? 0 : 96;
}

/* churn QID: sends and receives checksummed messages until killed (reports 'G' after a
 * while; gives up after 20 million rounds so that a failed test leaves no process behind). */
static int role_churn(int argc, char **argv) {
  struct msg m;
  unsigned k;
  int id;
  if (argc < 1)
    return 90;
  id = atoi(argv[0]);
  for (k = 0; k < 20000000u; ++k) {
    size_t n = 4 + (k * 53u) % 200u, i;
    m.mtype = 1 + (long)(k % 5u);
    memcpy(m.mtext, &k, 4);
    for (i = 4; i < n; ++i)
      m.mtext[i] = (char)stress_byte(7, k, i);
    if (msgsnd(id, &m, n, IPC_NOWAIT) != 0 || k % 3 == 2)
      msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT);
    if (k == 2000 && write(1, "G", 1) != 1)
      return 91;
  }
  return 92;
}

/* echo QID: answers each type-1 message with a type-2 copy until a type-3 message. */
static int role_echo(int argc, char **argv) {
  struct msg m;
  int id;
  if (argc < 1)
    return 90;
  id = atoi(argv[0]);
  for (;;) {
    ssize_t n = msgrcv(id, &m, sizeof m.mtext, -3, 0);
    if (n < 0)
      return 91;
    if (m.mtype == 3)
      return 0;
    m.mtype = 2;
    if (msgsnd(id, &m, (size_t)n, 0) != 0)
      return 92;
  }
}

/* ping QID COUNT: COUNT round trips through an echo process (type 1 out, type 2 back), each
 * checked; then stops the echo. Both processes sleep in msgrcv on one queue for different
 * types, so a wake-up meant for one must not be taken by the other. */
static int role_ping(int argc, char **argv) {
  struct msg m;
  int id, i, count;
  if (argc < 2)
    return 90;
  id = atoi(argv[0]);
  count = atoi(argv[1]);
  for (i = 0; i < count; ++i) {
    m.mtype = 1;
    memcpy(m.mtext, &i, sizeof i);
    if (msgsnd(id, &m, sizeof i, 0) != 0)
      return 91;
    if (msgrcv(id, &m, sizeof m.mtext, 2, 0) != (ssize_t)sizeof i || memcmp(m.mtext, &i, sizeof i))
      return 92;
  }
  m.mtype = 3;
  return msgsnd(id, &m, 0, 0) == 0 ? 0 : 93;
}

/* no_access KEY ID OWNER_UID: the queue has mode 0 (see shm.c's role for why root first
 * becomes nobody); a caller that is not its owner may not remove it. Then, as the owner of
 * a queue of its own, raising msg_qbytes above MSGMNB is EPERM for an unprivileged caller. */
static int role_no_access(int argc, char **argv) {
  struct msg m;
  struct msqid_ds ds;
  key_t key;
  int id, own;
  if (argc < 3)
    return 90;
  key = (key_t)strtoul(argv[0], NULL, 0);
  id = atoi(argv[1]);
  if (geteuid() == 0 && setuid(65534) != 0)
    return 91;
  if (geteuid() == 0)
    return 92;
  if (msgget(key, 0) != id)
    return 93;
  errno = 0;
  if (msgget(key, 0600) != -1 || errno != EACCES)
    return 94;
  m.mtype = 1;
  errno = 0;
  if (msgsnd(id, &m, 1, IPC_NOWAIT) != -1 || errno != EACCES)
    return 95;
  errno = 0;
  if (msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT) != -1 || errno != EACCES)
    return 96;
  errno = 0;
  if (msgctl(id, IPC_STAT, &ds) != -1 || errno != EACCES)
    return 97;
  errno = 0;
  if ((unsigned long)geteuid() != strtoul(argv[2], NULL, 10) &&
      (msgctl(id, IPC_RMID, NULL) != -1 || errno != EPERM)) /* not the owner */
    return 98;
  own = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (own < 0 || msgctl(own, IPC_STAT, &ds) != 0)
    return 99;
  ds.msg_qbytes = 16384 + 1;
  errno = 0;
  if (msgctl(own, IPC_SET, &ds) != -1 || errno != EPERM)
    return 100;
  ds.msg_qbytes = 1000; /* lowering (and raising up to MSGMNB) is allowed */
  if (msgctl(own, IPC_SET, &ds) != 0)
    return 101;
  return msgctl(own, IPC_RMID, NULL) == 0 ? 0 : 102;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void msg_type_selection(void **state) {
  int id = new_queue();
  (void)state;
  send_text(id, 5, "a5");
  send_text(id, 3, "b3");
  send_text(id, 1, "c1");
  send_text(id, 3, "d3");
  send_text(id, 7, "e7");
  send_text(id, 2, "f2");
  expect_recv(id, 0, 0, 5, "a5");           /* 0: the first */
  expect_recv(id, 3, 0, 3, "b3");           /* > 0: the first of that type */
  expect_recv(id, 3, MSG_EXCEPT, 1, "c1");  /* MSG_EXCEPT: the first of another type */
  expect_recv(id, -5, 0, 2, "f2");          /* < 0: the lowest type <= 5 */
  {
    struct msg m;
    errno = 0;
    assert_int_equal(msgrcv(id, &m, sizeof m.mtext, -2, IPC_NOWAIT), -1);
    assert_int_equal(errno, ENOMSG);
    errno = 0;
    assert_int_equal(msgrcv(id, &m, sizeof m.mtext, 4, IPC_NOWAIT), -1);
    assert_int_equal(errno, ENOMSG);
  }
  send_text(id, 3, "g3");
  expect_recv(id, -100, 0, 3, "d3"); /* of the lowest type, the first */
  expect_recv(id, 7, 0, 7, "e7");
  expect_recv(id, 0, 0, 3, "g3");
  {
    struct msg m;
    errno = 0;
    assert_int_equal(msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT), -1);
    assert_int_equal(errno, ENOMSG);
  }
  /* Zero-length messages are messages. */
  {
    struct msg m;
    m.mtype = 4;
    assert_int_equal(msgsnd(id, &m, 0, 0), 0);
    assert_int_equal(msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT), 0);
    assert_int_equal(m.mtype, 4);
  }
  rmid(id);
}

static void msg_e2big_and_noerror(void **state) {
  struct msg m;
  struct msqid_ds ds;
  int id = new_queue(), i;
  (void)state;
  m.mtype = 1;
  for (i = 0; i < 100; ++i)
    m.mtext[i] = (char)('a' + i % 26);
  assert_int_equal(msgsnd(id, &m, 100, 0), 0);
  errno = 0;
  assert_int_equal(msgrcv(id, &m, 10, 0, IPC_NOWAIT), -1);
  assert_int_equal(errno, E2BIG);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_qnum, 1); /* still there */
  memset(&m, 0, sizeof m);
  assert_int_equal(msgrcv(id, &m, 10, 0, MSG_NOERROR | IPC_NOWAIT), 10);
  assert_memory_equal(m.mtext, "abcdefghij", 10);
  assert_int_equal(m.mtext[10], 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_qnum, 0); /* the rest is gone with it */
  assert_int_equal(ds.msg_cbytes, 0);
  rmid(id);
}

static void msg_stat_counters_and_pids(void **state) {
  struct msqid_ds ds;
  struct msg m;
  struct conf_child c;
  char idbuf[32];
  time_t before = time(NULL);
  int id = new_queue();
  (void)state;
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_perm.__key, IPC_PRIVATE);
  assert_int_equal(ds.msg_perm.mode & 0777, 0600);
  assert_int_equal(ds.msg_perm.uid, geteuid());
  assert_int_equal(ds.msg_perm.cuid, geteuid());
  assert_int_equal(ds.msg_qnum, 0);
  assert_int_equal(ds.msg_cbytes, 0);
  assert_int_equal(ds.msg_qbytes, 16384);
  assert_int_equal(ds.msg_lspid, 0);
  assert_int_equal(ds.msg_lrpid, 0);
  assert_int_equal(ds.msg_stime, 0);
  assert_int_equal(ds.msg_rtime, 0);
  assert_true(ds.msg_ctime >= before);

  send_text(id, 1, "hello");
  send_text(id, 2, "worlds!");
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_qnum, 2);
  assert_int_equal(ds.msg_cbytes, 12);
  assert_int_equal(ds.msg_lspid, getpid());
  assert_true(ds.msg_stime >= before);
  assert_int_equal(ds.msg_lrpid, 0);

  /* Another process receives type 2 and, from it, lrpid. */
  snprintf(idbuf, sizeof idbuf, "%d", id);
  c = conf_start_child("recv_one", idbuf, "2", "worlds!");
  assert_int_equal(conf_child_report(&c, "recv_one"), 'R');
  assert_int_equal(conf_wait_exit_code(c.pid, "recv_one"), 0);
  end_child(&c);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_qnum, 1);
  assert_int_equal(ds.msg_cbytes, 5);
  assert_int_equal(ds.msg_lrpid, c.pid);
  assert_int_equal(ds.msg_lspid, getpid());
  assert_true(ds.msg_rtime >= before);

  /* Another process sends. */
  c = conf_start_child("send_one", idbuf, "3", "xyz");
  assert_int_equal(conf_child_report(&c, "send_one"), 'S');
  assert_int_equal(conf_wait_exit_code(c.pid, "send_one"), 0);
  end_child(&c);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_qnum, 2);
  assert_int_equal(ds.msg_cbytes, 8);
  assert_int_equal(ds.msg_lspid, c.pid);
  assert_int_equal(msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT), 5);
  assert_int_equal(msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT), 3);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_lrpid, getpid());
  rmid(id);
}

static void msg_errors(void **state) {
  char path[1024];
  struct msg m;
  struct msqid_ds ds;
  struct msginfo info;
  key_t key;
  int id, max, i, found = 0;
  (void)state;
  key_file(path, sizeof path, "errors");
  id = create_keyed(path, 0600, &key);
  errno = 0;
  assert_int_equal(msgget(key, IPC_CREAT | IPC_EXCL | 0600), -1);
  assert_int_equal(errno, EEXIST);
  assert_int_equal(msgget(key, IPC_CREAT | 0600), id);
  assert_int_equal(msgget(key, 0), id);

  /* Bad messages and ids. */
  m.mtype = 0;
  errno = 0;
  assert_int_equal(msgsnd(id, &m, 1, IPC_NOWAIT), -1);
  assert_int_equal(errno, EINVAL);
  m.mtype = -3;
  errno = 0;
  assert_int_equal(msgsnd(id, &m, 1, IPC_NOWAIT), -1);
  assert_int_equal(errno, EINVAL);
  m.mtype = 1;
  max = msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&info);
  assert_true(max >= 0);
  assert_int_equal(info.msgmax, 8192);
  assert_int_equal(info.msgmnb, 16384);
  assert_true(info.msgmni >= 1);
  errno = 0;
  assert_int_equal(msgsnd(id, &m, 8193, IPC_NOWAIT), -1);
  assert_int_equal(errno, EINVAL);
  assert_int_equal(msgsnd(id, &m, 8192, IPC_NOWAIT), 0);
  errno = 0;
  assert_int_equal(msgsnd(-1, &m, 1, IPC_NOWAIT), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(msgrcv(-1, &m, 1, 0, IPC_NOWAIT), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(msgctl(id, 12345, &ds), -1);
  assert_int_equal(errno, EINVAL);

  /* MSG_STAT (an index) finds it; MSG_INFO counts it. */
  max = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&info);
  assert_true(max >= 0);
  assert_true(info.msgpool >= 1); /* queues in use */
  assert_true(info.msgmap >= 1);  /* messages */
  assert_true(info.msgtql >= 8192); /* bytes */
  for (i = 0; i <= max; ++i)
    if (msgctl(i, MSG_STAT, &ds) == id) {
      found = 1;
      assert_int_equal(ds.msg_qnum, 1);
    }
  assert_true(found);

  /* A full queue: EAGAIN with IPC_NOWAIT. msg_qbytes can be lowered by the owner. */
  stat_or_fail(id, &ds);
  ds.msg_qbytes = 8192 + 10;
  assert_int_equal(msgctl(id, IPC_SET, &ds), 0);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_qbytes, 8192 + 10);
  assert_int_equal(msgsnd(id, &m, 10, IPC_NOWAIT), 0);
  errno = 0;
  assert_int_equal(msgsnd(id, &m, 1, IPC_NOWAIT), -1);
  assert_true(conf_is_eagain(errno));
  /* msg_qbytes also bounds the number of messages: zero-length ones fill a small queue. */
  ds.msg_qbytes = 2;
  assert_int_equal(msgctl(id, IPC_SET, &ds), 0);
  assert_int_equal(msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT), 8192);
  assert_int_equal(msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT), 10);
  assert_int_equal(msgsnd(id, &m, 0, IPC_NOWAIT), 0);
  assert_int_equal(msgsnd(id, &m, 0, IPC_NOWAIT), 0);
  errno = 0;
  assert_int_equal(msgsnd(id, &m, 0, IPC_NOWAIT), -1);
  assert_true(conf_is_eagain(errno));

  rmid(id);
  errno = 0;
  assert_int_equal(msgget(key, 0), -1);
  assert_int_equal(errno, ENOENT);
  errno = 0;
  assert_int_equal(msgsnd(id, &m, 1, IPC_NOWAIT), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(msgrcv(id, &m, 1, 0, IPC_NOWAIT), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(msgctl(id, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
  errno = 0;
  assert_int_equal(msgctl(id, IPC_RMID, NULL), -1);
  assert_int_equal(errno, EINVAL);
  remove(path);
}

static void msg_mode_bits_and_privilege(void **state) {
  char path[1024], keybuf[32], idbuf[32], uidbuf[32];
  key_t key;
  pid_t pid;
  int id;
  (void)state;
  key_file(path, sizeof path, "eacces");
  id = create_keyed(path, 0, &key);
  snprintf(keybuf, sizeof keybuf, "0x%08x", (unsigned)key);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  snprintf(uidbuf, sizeof uidbuf, "%lu", (unsigned long)geteuid());
  pid = conf_spawn_role(NULL, "no_access", keybuf, idbuf, uidbuf);
  assert_int_equal(conf_wait_exit_code(pid, "no_access"), 0);
  rmid(id);
  remove(path);
}

/* A receiver blocked for type 9 gets the message another process sends. */
static void msg_blocked_receiver_is_woken(void **state) {
  struct conf_child c;
  struct msqid_ds ds;
  char idbuf[32];
  int id = new_queue();
  (void)state;
  snprintf(idbuf, sizeof idbuf, "%d", id);
  c = conf_start_child("recv_one", idbuf, "9", "for nine");
  assert_int_equal(conf_child_report(&c, "recv_one"), 'R');
  send_text(id, 4, "not for it");
  send_text(id, 9, "for nine");
  assert_int_equal(conf_wait_exit_code(c.pid, "recv_one"), 0);
  end_child(&c);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_qnum, 1);
  expect_recv(id, 0, 0, 4, "not for it");
  rmid(id);
}

/* A sender blocked on a full queue goes on when another process receives. */
static void msg_blocked_sender_is_woken(void **state) {
  struct conf_child c;
  struct msqid_ds ds;
  char idbuf[32];
  int id = new_queue();
  (void)state;
  stat_or_fail(id, &ds);
  ds.msg_qbytes = 8;
  assert_int_equal(msgctl(id, IPC_SET, &ds), 0);
  send_text(id, 1, "12345678"); /* full */
  snprintf(idbuf, sizeof idbuf, "%d", id);
  c = conf_start_child("send_one", idbuf, "2", "abcd");
  assert_int_equal(conf_child_report(&c, "send_one"), 'S');
  expect_recv(id, 0, 0, 1, "12345678");
  assert_int_equal(conf_wait_exit_code(c.pid, "send_one"), 0);
  end_child(&c);
  expect_recv(id, 0, 0, 2, "abcd");
  rmid(id);
}

/* Removal wakes blocked receivers and senders with EIDRM. The child reports just before it
 * blocks; if the removal overtakes it (it then sees EINVAL: the queue is gone) the round
 * is repeated: at least one must show EIDRM, and no other outcome is allowed. */
static void msg_removal_wakes_with_eidrm(void **state) {
  static const char *const sides[2] = {"recv", "send"};
  int s;
  (void)state;
  for (s = 0; s < 2; ++s) {
    int round, eidrm = 0;
    for (round = 0; round < 300 && !eidrm; ++round) {
      struct conf_child c;
      struct msqid_ds ds;
      char idbuf[32];
      int id = new_queue(), code;
      if (s == 1) { /* a full queue for the sender */
        stat_or_fail(id, &ds);
        ds.msg_qbytes = 8;
        assert_int_equal(msgctl(id, IPC_SET, &ds), 0);
        send_text(id, 1, "12345678");
      }
      snprintf(idbuf, sizeof idbuf, "%d", id);
      c = conf_start_child("wait_removed", idbuf, sides[s], NULL);
      assert_int_equal(conf_child_report(&c, "wait_removed"), 'W');
      rmid(id);
      code = conf_wait_exit_code(c.pid, "wait_removed");
      end_child(&c);
      if (code == 0)
        eidrm = 1;
      else if (code != 10)
        fail_msg("blocked %s after IPC_RMID: exit %d (0 = EIDRM, 10 = EINVAL)", sides[s], code);
    }
    if (!eidrm)
      fail_msg("a blocked %s never saw EIDRM in 300 rounds", sides[s]);
  }
}

/* 4 senders x 25,000 checksummed messages, 4 receivers: each exactly once. */
static void msg_many_processes_lose_nothing(void **state) {
  enum { SENDERS = 4, RECEIVERS = 4, COUNT = 25000 };
  pid_t snd[SENDERS], rcv[RECEIVERS];
  char idbuf[32], shmbuf[32], countbuf[32], sbuf[8];
  struct msqid_ds ds;
  struct msg m;
  unsigned char *seen;
  int id = new_queue(), shmid, i;
  (void)state;
  shmid = shmget(IPC_PRIVATE, SENDERS * COUNT, IPC_CREAT | 0600);
  g_stress_shm = shmid;
  assert_true(shmid >= 0);
  seen = shmat(shmid, NULL, 0);
  assert_true(seen != (void *)-1);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  snprintf(shmbuf, sizeof shmbuf, "%d", shmid);
  snprintf(countbuf, sizeof countbuf, "%d", COUNT);
  for (i = 0; i < RECEIVERS; ++i)
    rcv[i] = conf_spawn_role(NULL, "stress_recv", idbuf, shmbuf, countbuf);
  for (i = 0; i < SENDERS; ++i) {
    snprintf(sbuf, sizeof sbuf, "%d", i);
    snd[i] = conf_spawn_role(NULL, "stress_send", idbuf, sbuf, countbuf);
  }
  for (i = 0; i < SENDERS; ++i)
    assert_int_equal(conf_wait_exit_code(snd[i], "stress_send"), 0);
  m.mtype = 99;
  for (i = 0; i < RECEIVERS; ++i)
    assert_int_equal(msgsnd(id, &m, 0, 0), 0);
  for (i = 0; i < RECEIVERS; ++i)
    assert_int_equal(conf_wait_exit_code(rcv[i], "stress_recv"), 0);
  for (i = 0; i < SENDERS * COUNT; ++i)
    if (seen[i] != 1)
      fail_msg("message %d of sender %d arrived %d times", i % COUNT, i / COUNT, seen[i]);
  stat_or_fail(id, &ds);
  assert_int_equal(ds.msg_qnum, 0);
  assert_int_equal(ds.msg_cbytes, 0);
  assert_int_equal(shmdt(seen), 0);
  assert_int_equal(shmctl(shmid, IPC_RMID, NULL), 0);
  rmid(id);
}

/* Two processes, each blocking in msgrcv for its own type on one queue, ping-pong 3,000
 * times. A wake-up taken by the wrong sleeper would leave both asleep: the bound catches it
 * (and the processes are killed, not left behind). */
static void msg_typed_sleepers_in_two_processes(void **state) {
  char idbuf[32];
  pid_t echo, ping;
  int id = new_queue(), waited = 0, status = 0;
  pid_t done = 0;
  (void)state;
  snprintf(idbuf, sizeof idbuf, "%d", id);
  echo = conf_spawn_role(NULL, "echo", idbuf, NULL, NULL);
  ping = conf_spawn_role(NULL, "ping", idbuf, "3000", NULL);
  while ((done = waitpid(ping, &status, WNOHANG)) == 0 && waited < CONF_WAIT_MS) {
    conf_sleep_ms(5); /* polling interval of a bounded wait */
    waited += 5;
  }
  if (done != ping) {
    kill(ping, SIGKILL);
    kill(echo, SIGKILL);
    conf_wait_status(ping, "ping");
    conf_wait_status(echo, "echo");
    rmid(id);
    fail_msg("3,000 round trips did not finish within %d ms: a lost wake-up", CONF_WAIT_MS);
  }
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_int_equal(conf_wait_exit_code(echo, "echo"), 0);
  rmid(id);
}

/* A process killed while it sends and receives leaves every message whole or gone, the
 * counters right and no lock held. */
static void msg_killed_process_leaves_queue_consistent(void **state) {
  int round;
  (void)state;
  for (round = 0; round < 3; ++round) {
    struct conf_child c;
    struct msqid_ds ds;
    struct msg m;
    char idbuf[32];
    unsigned long count = 0, bytes = 0;
    int id = new_queue(), status;
    ssize_t n;
    snprintf(idbuf, sizeof idbuf, "%d", id);
    c = conf_start_child("churn", idbuf, NULL, NULL);
    assert_int_equal(conf_child_report(&c, "churn"), 'G');
    assert_int_equal(kill(c.pid, SIGKILL), 0);
    status = conf_wait_status(c.pid, "churn");
    end_child(&c);
    assert_true(WIFSIGNALED(status));
    stat_or_fail(id, &ds);
    while ((n = msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT)) >= 0) {
      unsigned k;
      size_t i;
      assert_true(n >= 4);
      memcpy(&k, m.mtext, 4);
      assert_int_equal(n, 4 + (k * 53u) % 200u);
      assert_int_equal(m.mtype, 1 + (long)(k % 5u));
      for (i = 4; i < (size_t)n; ++i)
        if ((unsigned char)m.mtext[i] != stress_byte(7, k, i))
          fail_msg("message %u is torn at byte %u", k, (unsigned)i);
      ++count;
      bytes += (unsigned long)n;
    }
    assert_int_equal(errno, ENOMSG);
    assert_int_equal(count, ds.msg_qnum);
    assert_int_equal(bytes, ds.msg_cbytes);
    /* Still usable. */
    send_text(id, 1, "after");
    expect_recv(id, 0, 0, 1, "after");
    rmid(id);
  }
}

static void msg_ipcs_lists_and_ipcrm_removes(void **state) {
  static char out[1 << 16];
  char path[1024], keyhex[32], idbuf[32], want[64];
  char f_key[64], f_id[64], f_owner[64], f_perms[64], f_bytes[64], f_msgs[64];
  const char *l;
  struct msqid_ds ds;
  key_t key;
  int id, id2;
  (void)state;
  key_file(path, sizeof path, "ipcs");
  id = create_keyed(path, 0620, &key);
  send_text(id, 1, "0123456789");
  send_text(id, 2, "abcdefghij");
  snprintf(keyhex, sizeof keyhex, "0x%08x", (unsigned)key);
  snprintf(idbuf, sizeof idbuf, "%d", id);
  assert_int_equal(conf_run_tool("ipcs", "-q", NULL, out, sizeof out), 0);
  assert_non_null(strstr(out, "------ Message Queues --------"));
  assert_non_null(strstr(out, "key        msqid      owner      perms      used-bytes   messages"));
  l = strstr(out, keyhex);
  if (!l)
    fail_msg("ipcs -q does not list key %s:\n%s", keyhex, out);
  assert_int_equal(sscanf(l, "%63s %63s %63s %63s %63s %63s", f_key, f_id, f_owner, f_perms,
                          f_bytes, f_msgs),
                   6);
  assert_string_equal(f_id, idbuf);
  assert_string_equal(f_perms, "620");
  assert_string_equal(f_bytes, "20");
  assert_string_equal(f_msgs, "2");

  assert_int_equal(conf_run_tool("ipcrm", "-Q", keyhex, out, sizeof out), 0);
  errno = 0;
  assert_int_equal(msgget(key, 0), -1);
  assert_int_equal(errno, ENOENT);
  errno = 0;
  assert_int_equal(msgctl(id, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
  assert_int_equal(conf_run_tool("ipcrm", "-q", idbuf, out, sizeof out), 1);

  id2 = new_queue();
  snprintf(idbuf, sizeof idbuf, "%d", id2);
  snprintf(want, sizeof want, "0x00000000 %-10d ", id2);
  assert_int_equal(conf_run_tool("ipcs", "-q", NULL, out, sizeof out), 0);
  if (!strstr(out, want))
    fail_msg("ipcs -q does not list id %d:\n%s", id2, out);
  assert_int_equal(conf_run_tool("ipcrm", "-q", idbuf, out, sizeof out), 0);
  errno = 0;
  assert_int_equal(msgctl(id2, IPC_STAT, &ds), -1);
  assert_int_equal(errno, EINVAL);
  remove(path);
}

/* docs/examples/posix/msg_server.c, built next to this binary: 4 clients x 200 requests
 * answered by type; exits 0 when every answer was right (and removes its queue). */
static void example_msg_server_answers_clients(void **state) {
  static const char *const args[] = {"4", "200", NULL};
  (void)state;
  assert_int_equal(conf_run_sibling("example-posix-msg-server", args), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(msg_type_selection, remove_leftovers),
    cmocka_unit_test_teardown(msg_e2big_and_noerror, remove_leftovers),
    cmocka_unit_test_teardown(msg_stat_counters_and_pids, remove_leftovers),
    cmocka_unit_test_teardown(msg_errors, remove_leftovers),
    cmocka_unit_test_teardown(msg_mode_bits_and_privilege, remove_leftovers),
    cmocka_unit_test_teardown(msg_blocked_receiver_is_woken, remove_leftovers),
    cmocka_unit_test_teardown(msg_blocked_sender_is_woken, remove_leftovers),
    cmocka_unit_test_teardown(msg_removal_wakes_with_eidrm, remove_leftovers),
    cmocka_unit_test_teardown(msg_many_processes_lose_nothing, remove_leftovers),
    cmocka_unit_test_teardown(msg_typed_sleepers_in_two_processes, remove_leftovers),
    cmocka_unit_test_teardown(msg_killed_process_leaves_queue_consistent, remove_leftovers),
    cmocka_unit_test_teardown(msg_ipcs_lists_and_ipcrm_removes, remove_leftovers),
    cmocka_unit_test_teardown(example_msg_server_answers_clients, remove_leftovers),
};

static const struct conf_role roles[] = {
    {"recv_one", role_recv_one},       {"send_one", role_send_one},
    {"wait_removed", role_wait_removed}, {"stress_send", role_stress_send},
    {"stress_recv", role_stress_recv}, {"churn", role_churn},
    {"no_access", role_no_access},     {"echo", role_echo},
    {"ping", role_ping},
};

CONF_MAIN_WITH_ROLES(tests, roles)
