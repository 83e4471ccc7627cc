/* posix-on-win: user and group ids (posix-on-win/src/ids.cpp). Windows names users by SID;
 * the layer gives each a stable number: the last sub-authority (RID) of the SID of the
 * process token's user (uid) and primary group (gid), e.g. 1000 and 513 under Wine. Every
 * process of a user gets the same numbers, which is what System V ownership needs. There
 * is no root: no id is privileged, and setuid/setgid succeed only for the current id. */
#ifndef POW_IDS_H
#define POW_IDS_H

#include "config.h"

#ifndef POW_UID_T_DEFINED
#define POW_UID_T_DEFINED
typedef unsigned int uid_t;
typedef unsigned int gid_t;
#endif

POW_BEGIN_DECLS

POW_API uid_t pow_getuid(void);
POW_API uid_t pow_geteuid(void);
POW_API gid_t pow_getgid(void);
POW_API gid_t pow_getegid(void);
/* 0 if id is the current one, else -1 with errno EPERM (an unprivileged caller's answer). */
POW_API int pow_setuid(uid_t id);
POW_API int pow_setgid(gid_t id);

POW_END_DECLS

#endif /* POW_IDS_H */
