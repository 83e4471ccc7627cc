/* posix-on-win overlay <sys/select.h>: POSIX's fd_set (a 1024-fd bit mask) and select()
 * over pipes, sockets, files and the console. Winsock's fd_set/select are not these: if
 * the program included <winsock2.h> first, its FD_* macros are replaced by POSIX's here
 * (Winsock's select stays reachable with POW_NO_RENAME). */
#ifndef POW_OVERLAY_SYS_SELECT_H
#define POW_OVERLAY_SYS_SELECT_H

#include <pow/select.h>

#ifndef POW_NO_RENAME
#undef fd_set
#undef FD_SETSIZE
#undef FD_SET
#undef FD_CLR
#undef FD_ISSET
#undef FD_ZERO
#undef select
#define fd_set pow_fd_set
#define FD_SETSIZE POW_FD_SETSIZE
#define NFDBITS POW_NFDBITS
#define FD_SET(fd, set) POW_FD_SET(fd, set)
#define FD_CLR(fd, set) POW_FD_CLR(fd, set)
#define FD_ISSET(fd, set) POW_FD_ISSET(fd, set)
#define FD_ZERO(set) POW_FD_ZERO(set)
#define select pow_select
#define pselect pow_pselect
#endif

#endif /* POW_OVERLAY_SYS_SELECT_H */
