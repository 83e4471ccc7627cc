/* posix-on-win overlay <sys/ipc.h> (Windows has none): key_t, struct ipc_perm, IPC_*, ftok. */
#ifndef POW_OVERLAY_SYS_IPC_H
#define POW_OVERLAY_SYS_IPC_H

#include <sys/types.h>
#include <pow/ipc.h>

#ifndef POW_NO_RENAME
#define ftok pow_ftok
#endif

#endif /* POW_OVERLAY_SYS_IPC_H */
