/* posix-on-win overlay <sys/shm.h> (Windows has none): System V shared memory. */
#ifndef POW_OVERLAY_SYS_SHM_H
#define POW_OVERLAY_SYS_SHM_H

#include <sys/ipc.h>
#include <pow/shm.h>

#ifndef POW_NO_RENAME
#define shmget pow_shmget
#define shmat pow_shmat
#define shmdt pow_shmdt
#define shmctl pow_shmctl
#endif

#endif /* POW_OVERLAY_SYS_SHM_H */
