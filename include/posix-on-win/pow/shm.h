/* posix-on-win: System V shared memory (posix-on-win/src/shm.cpp), Linux's declarations.
 * SHMLBA is Windows' allocation granularity (64 KiB): views can only start there. */
#ifndef POW_SHM_H
#define POW_SHM_H

#include "ipc.h"

#if defined(_MSC_VER) && !defined(_PID_T_DEFINED)
typedef int pid_t;
#define _PID_T_DEFINED
#endif

/* shmget flags (besides IPC_CREAT/IPC_EXCL and the mode bits). */
#define SHM_HUGETLB 04000
#define SHM_NORESERVE 010000

/* shmat flags. */
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000

/* shmctl commands (besides IPC_*). */
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15

/* State bits in shm_perm.mode. */
#define SHM_DEST 01000
#define SHM_LOCKED 02000

#define SHMLBA 65536

typedef unsigned long shmatt_t;

struct shmid_ds {
  struct ipc_perm shm_perm;
  size_t shm_segsz;
  time_t shm_atime;
  time_t shm_dtime;
  time_t shm_ctime;
  pid_t shm_cpid;
  pid_t shm_lpid;
  shmatt_t shm_nattch;
  unsigned long long __glibc_reserved5;
  unsigned long long __glibc_reserved6;
};

/* IPC_INFO's answer (shmctl casts it to struct shmid_ds *, as on Linux). 64-bit fields, as
 * Linux x86_64 has them: a 32-bit unsigned long could not say the real limits. */
struct shminfo {
  unsigned long long shmmax;
  unsigned long long shmmin;
  unsigned long long shmmni;
  unsigned long long shmseg;
  unsigned long long shmall;
  unsigned long long __glibc_reserved1;
  unsigned long long __glibc_reserved2;
  unsigned long long __glibc_reserved3;
  unsigned long long __glibc_reserved4;
};

/* SHM_INFO's answer. */
struct shm_info {
  int used_ids;
  unsigned long long shm_tot; /* pages */
  unsigned long long shm_rss;
  unsigned long long shm_swp;
  unsigned long long swap_attempts;
  unsigned long long swap_successes;
};

POW_BEGIN_DECLS

POW_API int pow_shmget(key_t key, size_t size, int shmflg);
POW_API void *pow_shmat(int shmid, const void *shmaddr, int shmflg);
POW_API int pow_shmdt(const void *shmaddr);
POW_API int pow_shmctl(int shmid, int cmd, struct shmid_ds *buf);

POW_END_DECLS

#endif /* POW_SHM_H */
