/* win-on-posix: the WinSock 2 TCP/IP extensions (IPv6 addresses, getaddrinfo, getnameinfo,
 * inet_pton/inet_ntop). addrinfo has Windows' layout (size_t ai_addrlen, ai_canonname
 * before ai_addr): the library converts the C library's results into it. */
#ifndef WOP_WS2TCPIP_H
#define WOP_WS2TCPIP_H

#include "winsock2.h"

#if !defined(_MSC_VER)
#include <unistd.h> /* the C library's socklen_t first (include-guarded), then ours */
#endif

WOP_BEGIN_DECLS

typedef int wop_socklen_t; /* int, as on Windows */
#define socklen_t wop_socklen_t

typedef struct in6_addr {
  union {
    UCHAR Byte[16];
    USHORT Word[8];
  } u;
} IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;
#define in_addr6 in6_addr
#define _S6_un u
#define _S6_u8 Byte
#define s6_addr _S6_un._S6_u8
#define s6_bytes u.Byte
#define s6_words u.Word

typedef struct sockaddr_in6 {
  ADDRESS_FAMILY sin6_family;
  USHORT sin6_port;
  ULONG sin6_flowinfo;
  IN6_ADDR sin6_addr;
  ULONG sin6_scope_id;
} SOCKADDR_IN6, *PSOCKADDR_IN6, *LPSOCKADDR_IN6;

typedef struct addrinfo {
  int ai_flags;
  int ai_family;
  int ai_socktype;
  int ai_protocol;
  size_t ai_addrlen;
  char *ai_canonname;
  struct sockaddr *ai_addr;
  struct addrinfo *ai_next;
} ADDRINFOA, *PADDRINFOA;

#define AI_PASSIVE 0x00000001
#define AI_CANONNAME 0x00000002
#define AI_NUMERICHOST 0x00000004
#define AI_NUMERICSERV 0x00000008
#define AI_ALL 0x00000100
#define AI_ADDRCONFIG 0x00000400
#define AI_V4MAPPED 0x00000800

#define NI_NOFQDN 0x01
#define NI_NUMERICHOST 0x02
#define NI_NAMEREQD 0x04
#define NI_NUMERICSERV 0x08
#define NI_DGRAM 0x10
#define NI_MAXHOST 1025
#define NI_MAXSERV 32

#define EAI_AGAIN WSATRY_AGAIN
#define EAI_BADFLAGS WSAEINVAL
#define EAI_FAIL WSANO_RECOVERY
#define EAI_FAMILY WSAEAFNOSUPPORT
#define EAI_MEMORY WSA_NOT_ENOUGH_MEMORY
#define EAI_NOSECURENAME 11032L
#define EAI_NONAME WSAHOST_NOT_FOUND
#define EAI_SERVICE WSATYPE_NOT_FOUND
#define EAI_SOCKTYPE WSAESOCKTNOSUPPORT
#define EAI_NODATA EAI_NONAME

#define INET_ADDRSTRLEN 22
#define INET6_ADDRSTRLEN 65

#define IP_TTL 4
#define IP_MULTICAST_TTL 10
#define IP_MULTICAST_LOOP 11
#define IPV6_UNICAST_HOPS 4
#define IPV6_V6ONLY 27

WOP_API int WSAAPI getaddrinfo(const char *pNodeName, const char *pServiceName,
                               const ADDRINFOA *pHints, PADDRINFOA *ppResult)
    WOP_WS_LINK(getaddrinfo);
WOP_API void WSAAPI freeaddrinfo(PADDRINFOA pAddrInfo) WOP_WS_LINK(freeaddrinfo);
WOP_API int WSAAPI getnameinfo(const struct sockaddr *pSockaddr, socklen_t SockaddrLength,
                               char *pNodeBuffer, DWORD NodeBufferSize, char *pServiceBuffer,
                               DWORD ServiceBufferSize, INT Flags) WOP_WS_LINK(getnameinfo);
WOP_API INT WSAAPI inet_pton(INT Family, PCSTR pszAddrString, PVOID pAddrBuf)
    WOP_WS_LINK(inet_pton);
WOP_API PCSTR WSAAPI inet_ntop(INT Family, const VOID *pAddr, PSTR pStringBuf,
                               size_t StringBufSize) WOP_WS_LINK(inet_ntop);

WOP_END_DECLS

#endif /* WOP_WS2TCPIP_H */
