/* posix-on-win overlay <netdb.h>: Winsock has these declarations (sockaddr_in, in_addr,
 * htons, inet_pton, getaddrinfo, TCP_NODELAY ...) under POSIX names already. */
#ifndef POW_OVERLAY_NETDB_H
#define POW_OVERLAY_NETDB_H

#include <sys/socket.h>

#endif /* POW_OVERLAY_NETDB_H */
