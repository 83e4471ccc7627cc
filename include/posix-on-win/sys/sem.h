/* posix-on-win overlay <sys/sem.h> (Windows has none): System V semaphores. */
#ifndef POW_OVERLAY_SYS_SEM_H
#define POW_OVERLAY_SYS_SEM_H

#include <sys/ipc.h>
#include <time.h>
#include <pow/sem.h>

#ifndef POW_NO_RENAME
#define semget pow_semget
#define semop pow_semop
#define semtimedop pow_semtimedop
#define semctl pow_semctl
#endif

#endif /* POW_OVERLAY_SYS_SEM_H */
