/* posix-on-win: BSD sockets on fds (posix-on-win/src/socket.cpp). Sockets are CRT fds
 * over the SOCKET handle; Winsock is started on first use; errors are POSIX errno codes. */
#ifndef POW_SOCKET_H
#define POW_SOCKET_H

#include "config.h"
#include "winsock.h"

/* Flags POSIX has and Winsock lacks (values Winsock never uses). */
#ifndef SOCK_NONBLOCK
#define SOCK_NONBLOCK 0x0800
#endif
#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC 0x80000
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0x4000
#endif
#ifndef SHUT_RD
#define SHUT_RD SD_RECEIVE
#define SHUT_WR SD_SEND
#define SHUT_RDWR SD_BOTH
#endif

POW_BEGIN_DECLS

POW_API int pow_socket(int domain, int type, int protocol);
/* AF_UNIX, SOCK_STREAM or SOCK_DGRAM: a connected loopback pair (AF_UNIX sockets are not
 * everywhere: Wine has none), behaving as AF_UNIX at close (EOF, EPIPE). */
POW_API int pow_socketpair(int domain, int type, int protocol, int sv[2]);
POW_API int pow_bind(int fd, const struct sockaddr *addr, socklen_t len);
POW_API int pow_listen(int fd, int backlog);
POW_API int pow_accept(int fd, struct sockaddr *addr, socklen_t *len);
POW_API int pow_connect(int fd, const struct sockaddr *addr, socklen_t len);
POW_API ssize_t pow_send(int fd, const void *buf, size_t len, int flags);
POW_API ssize_t pow_recv(int fd, void *buf, size_t len, int flags);
POW_API ssize_t pow_sendto(int fd, const void *buf, size_t len, int flags,
                           const struct sockaddr *to, socklen_t tolen);
POW_API ssize_t pow_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                             socklen_t *fromlen);
POW_API int pow_shutdown(int fd, int how);
POW_API int pow_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
POW_API int pow_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
POW_API int pow_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
POW_API int pow_getpeername(int fd, struct sockaddr *addr, socklen_t *len);

POW_END_DECLS

#endif /* POW_SOCKET_H */
