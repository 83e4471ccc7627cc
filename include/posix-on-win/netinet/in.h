/* posix-on-win overlay <netinet/in.h>: Winsock has these declarations (sockaddr_in, in_addr,
 * htons, inet_pton, getaddrinfo, TCP_NODELAY ...) under POSIX names already. */
#ifndef POW_OVERLAY_NETINET_IN_H
#define POW_OVERLAY_NETINET_IN_H

#include <sys/socket.h>

#endif /* POW_OVERLAY_NETINET_IN_H */
