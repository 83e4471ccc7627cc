/* posix-on-win: Winsock's types (struct sockaddr_in & co., the same layout POSIX code
 * expects) without Winsock's fd_set and select: those names are left for the POSIX ones.
 * Winsock's are declared under other names while its headers are read. If the program
 * included <winsock2.h> itself first, it has chosen Winsock's fd_set and gets it. */
#ifndef POW_WINSOCK_H
#define POW_WINSOCK_H

#if defined(__GNUC__)
#pragma GCC system_header
#endif

#if !defined(_WINSOCK2API_) && !defined(_WINSOCKAPI_)
#define POW_HIDING_WINSOCK_SELECT
#define fd_set pow_winsock_fd_set
#define select pow_winsock_select
#endif
#if !defined(_WINDOWS_) && !defined(NOMINMAX)
#define NOMINMAX /* windows.h's min/max macros would break std::min/std::max */
#define POW_DEFINED_NOMINMAX
#endif

#include <winsock2.h>
#include <ws2tcpip.h>

#ifdef POW_DEFINED_NOMINMAX
#undef NOMINMAX
#undef POW_DEFINED_NOMINMAX
#endif
#ifdef POW_HIDING_WINSOCK_SELECT
#undef fd_set
#undef select
#undef FD_SET
#undef FD_CLR
#undef FD_ZERO
#undef FD_ISSET
#undef FD_SETSIZE
#undef POW_HIDING_WINSOCK_SELECT
#endif

#endif /* POW_WINSOCK_H */
