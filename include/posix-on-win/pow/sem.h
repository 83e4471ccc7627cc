/* posix-on-win: System V semaphores (posix-on-win/src/sem.cpp), Linux's declarations: same
 * names, same constant values. `union semun` is the caller's to define (POSIX; glibc says so
 * with _SEM_SEMUN_UNDEFINED), as on Linux. */
#ifndef POW_SEM_H
#define POW_SEM_H

#include "ipc.h"

#if defined(_MSC_VER) && !defined(_PID_T_DEFINED)
typedef int pid_t;
#define _PID_T_DEFINED
#endif

/* semop flag (besides IPC_NOWAIT). */
#define SEM_UNDO 0x1000

/* semctl commands (besides IPC_*). */
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20

#define _SEM_SEMUN_UNDEFINED 1

struct sembuf {
  unsigned short sem_num;
  short sem_op;
  short sem_flg;
};

/* glibc x86_64's field names and order. */
struct semid_ds {
  struct ipc_perm sem_perm;
  time_t sem_otime;
  unsigned long long __sem_otime_high;
  time_t sem_ctime;
  unsigned long long __sem_ctime_high;
  unsigned long sem_nsems;
  unsigned long long __glibc_reserved3;
  unsigned long long __glibc_reserved4;
};

/* IPC_INFO's and SEM_INFO's answer (semctl's fourth argument is then a struct seminfo *). */
struct seminfo {
  int semmap;
  int semmni;
  int semmns;
  int semmnu;
  int semmsl;
  int semopm;
  int semume;
  int semusz;
  int semvmx;
  int semaem;
};

struct timespec;

POW_BEGIN_DECLS

POW_API int pow_semget(key_t key, int nsems, int semflg);
POW_API int pow_semop(int semid, struct sembuf *sops, size_t nsops);
/* timeout is relative (NULL: no limit); EAGAIN when it passes. */
POW_API int pow_semtimedop(int semid, struct sembuf *sops, size_t nsops,
                           const struct timespec *timeout);
/* The fourth argument, when cmd takes one, is a union semun passed by value. */
POW_API int pow_semctl(int semid, int semnum, int cmd, ...);

POW_END_DECLS

#endif /* POW_SEM_H */
