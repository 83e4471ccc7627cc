/* posix-on-win overlay <arpa/inet.h>: Winsock has these declarations (sockaddr_in, in_addr,
 * htons, inet_pton, getaddrinfo, TCP_NODELAY ...) under POSIX names already. */
#ifndef POW_OVERLAY_ARPA_INET_H
#define POW_OVERLAY_ARPA_INET_H

#include <sys/socket.h>

#endif /* POW_OVERLAY_ARPA_INET_H */
