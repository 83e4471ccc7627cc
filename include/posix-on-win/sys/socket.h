/* posix-on-win overlay <sys/socket.h>: BSD socket calls on fds (read/write/close/fcntl
 * work on them too). Winsock's fd_set/select stay hidden: <sys/select.h> is POSIX's. */
#ifndef POW_OVERLAY_SYS_SOCKET_H
#define POW_OVERLAY_SYS_SOCKET_H

#include <pow/socket.h>
#include <pow/unistd.h>

#ifndef POW_NO_RENAME
#define socket pow_socket
#define socketpair pow_socketpair
#define bind pow_bind
#define listen pow_listen
#define accept pow_accept
#define connect pow_connect
#define send pow_send
#define recv pow_recv
#define sendto pow_sendto
#define recvfrom pow_recvfrom
#define shutdown pow_shutdown
#define getsockopt pow_getsockopt
#define setsockopt pow_setsockopt
#define getsockname pow_getsockname
#define getpeername pow_getpeername
#endif

#endif /* POW_OVERLAY_SYS_SOCKET_H */
