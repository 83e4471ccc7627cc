/* posix-on-win: select()/pselect() over any mix of fds (posix-on-win/src/select.cpp).
 * POSIX's fd_set is a bit mask of FD_SETSIZE (1024) fds, not Winsock's array of 64
 * SOCKETs: it is pow_fd_set here, and <sys/select.h> maps the POSIX names onto it.
 * struct timeval is Winsock's (long tv_sec, long tv_usec), the one the CRT knows too. */
#ifndef POW_SELECT_H
#define POW_SELECT_H

#include "config.h"
#include "signal.h"
/* struct timeval: Winsock 2 (its fd_set and select hidden), unless a Winsock header is in
 * already (<windows.h> reads Winsock 1, which has timeval too). */
#ifndef _WINSOCKAPI_
#include "winsock.h"
#endif

#include <time.h> /* struct timespec */

#define POW_FD_SETSIZE 1024
#define POW_NFDBITS (8 * (int)sizeof(unsigned long))

typedef struct pow_fd_set {
  unsigned long fds_bits[POW_FD_SETSIZE / (8 * sizeof(unsigned long))];
} pow_fd_set;

/* Out-of-range fds are ignored rather than writing past the set. */
#define POW_FD_SET(fd, set)                                                                  \
  ((void)((unsigned)(fd) < POW_FD_SETSIZE                                                    \
              ? ((set)->fds_bits[(unsigned)(fd) / POW_NFDBITS] |=                            \
                 (1UL << ((unsigned)(fd) % POW_NFDBITS)))                                    \
              : 0))
#define POW_FD_CLR(fd, set)                                                                  \
  ((void)((unsigned)(fd) < POW_FD_SETSIZE                                                    \
              ? ((set)->fds_bits[(unsigned)(fd) / POW_NFDBITS] &=                            \
                 ~(1UL << ((unsigned)(fd) % POW_NFDBITS)))                                   \
              : 0))
#define POW_FD_ISSET(fd, set)                                                                \
  ((unsigned)(fd) < POW_FD_SETSIZE &&                                                        \
   ((set)->fds_bits[(unsigned)(fd) / POW_NFDBITS] & (1UL << ((unsigned)(fd) % POW_NFDBITS))) != 0)
#define POW_FD_ZERO(set) pow_fd_zero(set)

static __inline void pow_fd_zero(pow_fd_set *set) {
  unsigned i;
  for (i = 0; i < sizeof set->fds_bits / sizeof set->fds_bits[0]; ++i)
    set->fds_bits[i] = 0;
}

POW_BEGIN_DECLS

/* Linux's select: the ready count with the sets rewritten, 0 at timeout (the remaining
 * time is written back into *timeout, as Linux does), -1 with errno EBADF (a set fd is
 * not open), EINVAL (nfds < 0 or > FD_SETSIZE, a negative timeout). */
POW_API int pow_select(int nfds, pow_fd_set *readfds, pow_fd_set *writefds,
                       pow_fd_set *exceptfds, struct timeval *timeout);
/* The layer delivers no asynchronous signals (SIGPIPE is raised synchronously by the
 * failing write), so sigmask changes nothing and the call never ends with EINTR. */
POW_API int pow_pselect(int nfds, pow_fd_set *readfds, pow_fd_set *writefds,
                        pow_fd_set *exceptfds, const struct timespec *timeout,
                        const pow_sigset_t *sigmask);

POW_END_DECLS

#endif /* POW_SELECT_H */
