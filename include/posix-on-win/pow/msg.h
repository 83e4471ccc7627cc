/* posix-on-win: System V message queues (posix-on-win/src/msg.cpp), Linux's declarations.
 * A message is `long mtype` followed by its text, as the program's own struct msgbuf lays
 * it out (long is 4 bytes on Windows: the text starts at offset sizeof(long)). */
#ifndef POW_MSG_H
#define POW_MSG_H

#include "ipc.h"

#if defined(_MSC_VER) && !defined(_PID_T_DEFINED)
typedef int pid_t;
#define _PID_T_DEFINED
#endif

/* msgrcv flags. MSG_COPY is not supported (ENOSYS, as a Linux kernel without
 * CONFIG_CHECKPOINT_RESTORE answers). */
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000

/* msgctl commands (besides IPC_*). */
#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13

/* Linux's limits: the largest message, the default (and unprivileged maximum) msg_qbytes. */
#define MSGMAX 8192
#define MSGMNB 16384

typedef unsigned long msgqnum_t;
typedef unsigned long msglen_t;

struct msqid_ds {
  struct ipc_perm msg_perm;
  time_t msg_stime;
  time_t msg_rtime;
  time_t msg_ctime;
  unsigned long __msg_cbytes;
  msgqnum_t msg_qnum;
  msglen_t msg_qbytes;
  pid_t msg_lspid;
  pid_t msg_lrpid;
  unsigned long long __glibc_reserved4;
  unsigned long long __glibc_reserved5;
};
#define msg_cbytes __msg_cbytes

/* IPC_INFO's and MSG_INFO's answer (msgctl casts it to struct msqid_ds *, as on Linux). */
struct msginfo {
  int msgpool;
  int msgmap;
  int msgmax;
  int msgmnb;
  int msgmni;
  int msgssz;
  int msgtql;
  unsigned short msgseg;
};

#ifdef _GNU_SOURCE
/* The shape of a message, as glibc declares it only for _GNU_SOURCE (programs declare
 * their own struct msgbuf otherwise). */
struct msgbuf {
  long mtype;
  char mtext[1];
};
#endif

POW_BEGIN_DECLS

POW_API int pow_msgget(key_t key, int msgflg);
POW_API int pow_msgsnd(int msqid, const void *msgp, size_t msgsz, int msgflg);
POW_API ssize_t pow_msgrcv(int msqid, void *msgp, size_t msgsz, long msgtyp, int msgflg);
POW_API int pow_msgctl(int msqid, int cmd, struct msqid_ds *buf);

POW_END_DECLS

#endif /* POW_MSG_H */
