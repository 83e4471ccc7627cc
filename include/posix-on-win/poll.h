/* posix-on-win overlay <poll.h>: struct pollfd, nfds_t, POLL* with Linux's values and
 * poll() over pipes, sockets, files and the console. Winsock's struct pollfd and POLL*
 * (WSAPoll's, other values) are replaced by these names. */
#ifndef POW_OVERLAY_POLL_H
#define POW_OVERLAY_POLL_H

#include <pow/poll.h>

#ifndef POW_NO_RENAME
#undef POLLIN
#undef POLLPRI
#undef POLLOUT
#undef POLLERR
#undef POLLHUP
#undef POLLNVAL
#undef POLLRDNORM
#undef POLLRDBAND
#undef POLLWRNORM
#undef POLLWRBAND
#undef poll
#define pollfd pow_pollfd
#define nfds_t pow_nfds_t
#define POLLIN POW_POLLIN
#define POLLPRI POW_POLLPRI
#define POLLOUT POW_POLLOUT
#define POLLERR POW_POLLERR
#define POLLHUP POW_POLLHUP
#define POLLNVAL POW_POLLNVAL
#define POLLRDNORM POW_POLLRDNORM
#define POLLRDBAND POW_POLLRDBAND
#define POLLWRNORM POW_POLLWRNORM
#define POLLWRBAND POW_POLLWRBAND
#define poll pow_poll
#endif

#endif /* POW_OVERLAY_POLL_H */
