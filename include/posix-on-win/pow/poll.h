/* posix-on-win: poll() over any mix of fds (posix-on-win/src/select.cpp), with Linux's
 * struct pollfd and POLL* values. Winsock has its own struct pollfd (SOCKET fd) and
 * POLL* values for WSAPoll: ours are pow_pollfd and POW_POLL*; <poll.h> maps the POSIX
 * names onto them. */
#ifndef POW_POLL_H
#define POW_POLL_H

#include "config.h"
/* Winsock 2 is read before <poll.h> renames struct pollfd (Winsock has its own), unless a
 * Winsock header is in already. */
#ifndef _WINSOCKAPI_
#include "winsock.h"
#endif

struct pow_pollfd {
  int fd;
  short events;
  short revents;
};
typedef unsigned long pow_nfds_t;

#define POW_POLLIN 0x001
#define POW_POLLPRI 0x002
#define POW_POLLOUT 0x004
#define POW_POLLERR 0x008
#define POW_POLLHUP 0x010
#define POW_POLLNVAL 0x020
#define POW_POLLRDNORM 0x040
#define POW_POLLRDBAND 0x080
#define POW_POLLWRNORM 0x100
#define POW_POLLWRBAND 0x200

POW_BEGIN_DECLS

/* Linux's poll: the count of entries with revents set, 0 at timeout (ms; < 0 blocks),
 * -1 with errno EINVAL (n beyond what the process may open), EFAULT (fds NULL, n > 0),
 * ENOMEM. A negative fd is skipped (revents 0); a closed one gets POLLNVAL. */
POW_API int pow_poll(struct pow_pollfd *fds, pow_nfds_t nfds, int timeout);

POW_END_DECLS

#endif /* POW_POLL_H */
