/* posix-on-win overlay <sys/msg.h> (Windows has none): System V message queues. */
#ifndef POW_OVERLAY_SYS_MSG_H
#define POW_OVERLAY_SYS_MSG_H

#include <sys/ipc.h>
#include <pow/msg.h>

#ifndef POW_NO_RENAME
#define msgget pow_msgget
#define msgsnd pow_msgsnd
#define msgrcv pow_msgrcv
#define msgctl pow_msgctl
#endif

#endif /* POW_OVERLAY_SYS_MSG_H */
