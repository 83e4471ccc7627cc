/* posix-on-win: System V IPC common declarations (posix-on-win/src/sysv_store.cpp),
 * as Linux (glibc, x86_64) declares them: same names, same constant values. */
#ifndef POW_IPC_H
#define POW_IPC_H

#include "config.h"
#include "ids.h"

#include <time.h>

#ifndef POW_KEY_T_DEFINED
#define POW_KEY_T_DEFINED
typedef int key_t;
#endif

#define IPC_PRIVATE ((key_t)0)

/* Flags of the *get calls and of operations. */
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000

/* Commands of the *ctl calls. */
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3

/* glibc's layout and field names (__key, __seq). mode holds the 9 permission bits and the
 * family's state bits (SHM_DEST, SHM_LOCKED). */
struct ipc_perm {
  key_t __key;
  uid_t uid;
  gid_t gid;
  uid_t cuid;
  gid_t cgid;
  unsigned short mode;
  unsigned short __pad1;
  unsigned short __seq;
  unsigned short __pad2;
  unsigned long long __glibc_reserved1;
  unsigned long long __glibc_reserved2;
};

POW_BEGIN_DECLS

/* ftok: the low 16 bits of the file's index, the low 8 bits of its volume serial number and
 * the low 8 bits of proj_id, as glibc combines inode, device and proj_id. -1 with errno
 * (ENOENT...) if the file cannot be opened. */
POW_API key_t pow_ftok(const char *path, int proj_id);

POW_END_DECLS

#endif /* POW_IPC_H */
