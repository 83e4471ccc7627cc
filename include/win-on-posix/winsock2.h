/* win-on-posix: Winsock 2 (sockets, Winsock select, WSAEventSelect) for Linux builds of
 * Win32 code. Types have their Windows sizes (SOCKET is UINT_PTR, u_long and the LONG
 * arguments are 32-bit); the sockaddr structures have Linux's layout, which is also
 * Windows' (only AF_INET6's value differs, and the library translates it).
 *
 * Do not include <sys/socket.h>, <netinet/in.h>, <arpa/inet.h> or <netdb.h> in the same
 * source file: their declarations of the same names conflict, as on Windows. The names
 * that the C library's general headers (<sys/types.h>, <sys/select.h>, which C++ and
 * _GNU_SOURCE builds pull in everywhere) already use are renamed by macros here: fd_set,
 * select, FD_SET/FD_CLR/FD_ISSET/FD_ZERO/FD_SETSIZE, u_long and socklen_t. The socket
 * functions keep their names in source; their link names carry a wop_ws_ prefix so they
 * never interpose the C library's. */
#ifndef WOP_WINSOCK2_H
#define WOP_WINSOCK2_H

#include "windows.h"

/* The C library's definitions of fd_set/select first (include-guarded, so never again),
 * then ours under other names. A FD_SETSIZE the program set before including this header
 * is kept; the C library's own value is not. */
#if !defined(_MSC_VER)
#pragma push_macro("FD_SETSIZE")
#undef FD_SETSIZE
#include <sys/select.h>
#include <sys/types.h>
#undef FD_SETSIZE
#pragma pop_macro("FD_SETSIZE")
#endif
#undef FD_SET
#undef FD_CLR
#undef FD_ISSET
#undef FD_ZERO
#ifndef FD_SETSIZE
#define FD_SETSIZE 64
#endif

/* Overridable: the layer's own build points the labels at its impl names (call tracing). */
#ifndef WOP_WS_LINK
#if defined(__GNUC__) && !defined(_MSC_VER)
#define WOP_WS_LINK(name) __asm__("wop_ws_" #name)
#else
#define WOP_WS_LINK(name)
#endif
#endif

#define WSAAPI
#ifndef PASCAL
#define PASCAL
#endif
#ifndef FAR
#define FAR
#endif

WOP_BEGIN_DECLS

#ifndef __u_char_defined /* the C library's (same types) when it made them */
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
#endif
typedef ULONG wop_u_long; /* 32-bit, as on Windows */
#define u_long wop_u_long
typedef UINT_PTR SOCKET;
typedef HANDLE WSAEVENT;
typedef WSAEVENT *LPWSAEVENT;
typedef unsigned short ADDRESS_FAMILY;
typedef unsigned int GROUP;

#define INVALID_SOCKET ((SOCKET)(~0))
#define SOCKET_ERROR (-1)

/* ---- Winsock's fd_set: a count and an array of sockets ---- */
typedef struct wop_fd_set {
  u_int fd_count;
  SOCKET fd_array[FD_SETSIZE];
} wop_fd_set;
#define fd_set wop_fd_set
typedef wop_fd_set FD_SET, *PFD_SET, *LPFD_SET;

WOP_API int WSAAPI __WSAFDIsSet(SOCKET fd, wop_fd_set *set) WOP_WS_LINK(fd_isset);
#define FD_CLR(fd, set)                                                                      \
  do {                                                                                       \
    u_int wop_i_;                                                                            \
    for (wop_i_ = 0; wop_i_ < ((wop_fd_set *)(set))->fd_count; ++wop_i_) {                   \
      if (((wop_fd_set *)(set))->fd_array[wop_i_] == (SOCKET)(fd)) {                         \
        while (wop_i_ < ((wop_fd_set *)(set))->fd_count - 1) {                               \
          ((wop_fd_set *)(set))->fd_array[wop_i_] =                                          \
              ((wop_fd_set *)(set))->fd_array[wop_i_ + 1];                                   \
          ++wop_i_;                                                                          \
        }                                                                                    \
        ((wop_fd_set *)(set))->fd_count--;                                                   \
        break;                                                                               \
      }                                                                                      \
    }                                                                                        \
  } while (0)
#define FD_SET(fd, set)                                                                      \
  do {                                                                                       \
    u_int wop_i_;                                                                            \
    for (wop_i_ = 0; wop_i_ < ((wop_fd_set *)(set))->fd_count; ++wop_i_)                     \
      if (((wop_fd_set *)(set))->fd_array[wop_i_] == (SOCKET)(fd))                           \
        break;                                                                               \
    if (wop_i_ == ((wop_fd_set *)(set))->fd_count && wop_i_ < FD_SETSIZE) {                  \
      ((wop_fd_set *)(set))->fd_array[wop_i_] = (SOCKET)(fd);                                \
      ((wop_fd_set *)(set))->fd_count++;                                                     \
    }                                                                                        \
  } while (0)
#define FD_ZERO(set) (((wop_fd_set *)(set))->fd_count = 0)
#define FD_ISSET(fd, set) __WSAFDIsSet((SOCKET)(fd), (wop_fd_set *)(set))

/* struct timeval is the C library's (long seconds and microseconds). */

/* ---- addresses (Linux layout = Windows layout) ---- */
typedef struct in_addr {
  union {
    struct { u_char s_b1, s_b2, s_b3, s_b4; } S_un_b;
    struct { u_short s_w1, s_w2; } S_un_w;
    ULONG S_addr;
  } S_un;
} IN_ADDR, *PIN_ADDR, *LPIN_ADDR;
#define s_addr S_un.S_addr
#define s_host S_un.S_un_b.s_b2
#define s_net S_un.S_un_b.s_b1
#define s_imp S_un.S_un_w.s_w2
#define s_impno S_un.S_un_b.s_b4
#define s_lh S_un.S_un_b.s_b3

typedef struct sockaddr {
  ADDRESS_FAMILY sa_family;
  char sa_data[14];
} SOCKADDR, *PSOCKADDR, *LPSOCKADDR;

typedef struct sockaddr_in {
  short sin_family;
  u_short sin_port;
  struct in_addr sin_addr;
  char sin_zero[8];
} SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;

#define _SS_MAXSIZE 128
typedef struct sockaddr_storage {
  ADDRESS_FAMILY ss_family;
  char __ss_pad1[6];
  LONGLONG __ss_align;
  char __ss_pad2[112];
} SOCKADDR_STORAGE, *PSOCKADDR_STORAGE, *LPSOCKADDR_STORAGE;

struct linger {
  u_short l_onoff;
  u_short l_linger;
};
typedef struct linger LINGER, *PLINGER, *LPLINGER;

/* Windows' layout (short type and length), filled per thread by gethostbyname. */
typedef struct hostent {
  char *h_name;
  char **h_aliases;
  short h_addrtype;
  short h_length;
  char **h_addr_list;
} HOSTENT, *PHOSTENT, *LPHOSTENT;
#define h_addr h_addr_list[0]

#define WSADESCRIPTION_LEN 256
#define WSASYS_STATUS_LEN 128
typedef struct WSAData {
  WORD wVersion;
  WORD wHighVersion;
  unsigned short iMaxSockets; /* the Win64 layout */
  unsigned short iMaxUdpDg;
  char *lpVendorInfo;
  char szDescription[WSADESCRIPTION_LEN + 1];
  char szSystemStatus[WSASYS_STATUS_LEN + 1];
} WSADATA, *LPWSADATA;

#define FD_MAX_EVENTS 10
typedef struct _WSANETWORKEVENTS {
  LONG lNetworkEvents;
  int iErrorCode[FD_MAX_EVENTS];
} WSANETWORKEVENTS, *LPWSANETWORKEVENTS;

/* Only NULL is accepted where WSASocket takes one (no layered providers here). */
typedef struct _WSAPROTOCOL_INFOA WSAPROTOCOL_INFOA, *LPWSAPROTOCOL_INFOA;
typedef struct _WSAPROTOCOL_INFOW WSAPROTOCOL_INFOW, *LPWSAPROTOCOL_INFOW;

/* ---- constants (Windows values) ---- */
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 23
#define PF_UNSPEC AF_UNSPEC
#define PF_UNIX AF_UNIX
#define PF_INET AF_INET
#define PF_INET6 AF_INET6

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_RDM 4
#define SOCK_SEQPACKET 5

#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41

#define INADDR_ANY ((ULONG)0x00000000)
#define INADDR_LOOPBACK 0x7f000001
#define INADDR_BROADCAST ((ULONG)0xffffffff)
#define INADDR_NONE 0xffffffff

#define SOL_SOCKET 0xffff
#define SO_DEBUG 0x0001
#define SO_ACCEPTCONN 0x0002
#define SO_REUSEADDR 0x0004
#define SO_KEEPALIVE 0x0008
#define SO_DONTROUTE 0x0010
#define SO_BROADCAST 0x0020
#define SO_USELOOPBACK 0x0040
#define SO_LINGER 0x0080
#define SO_OOBINLINE 0x0100
#define SO_DONTLINGER ((int)(~SO_LINGER))
#define SO_EXCLUSIVEADDRUSE ((int)(~SO_REUSEADDR))
#define SO_SNDBUF 0x1001
#define SO_RCVBUF 0x1002
#define SO_SNDLOWAT 0x1003
#define SO_RCVLOWAT 0x1004
#define SO_SNDTIMEO 0x1005
#define SO_RCVTIMEO 0x1006
#define SO_ERROR 0x1007
#define SO_TYPE 0x1008
#define TCP_NODELAY 0x0001

#define SOMAXCONN 0x7fffffff
#define SOMAXCONN_HINT(b) (-(b))

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_DONTROUTE 0x4
#define MSG_WAITALL 0x8

#define SD_RECEIVE 0x00
#define SD_SEND 0x01
#define SD_BOTH 0x02

/* ioctlsocket commands: _IOW/_IOR('f'/'s', n, u_long) as Windows builds them */
#undef FIONBIO
#undef FIONREAD
#undef SIOCATMARK
#define FIONBIO ((LONG)0x8004667eu)
#define FIONREAD ((LONG)0x4004667fu)
#define SIOCATMARK ((LONG)0x40047307u)

/* network events */
#define FD_READ_BIT 0
#define FD_READ (1 << FD_READ_BIT)
#define FD_WRITE_BIT 1
#define FD_WRITE (1 << FD_WRITE_BIT)
#define FD_OOB_BIT 2
#define FD_OOB (1 << FD_OOB_BIT)
#define FD_ACCEPT_BIT 3
#define FD_ACCEPT (1 << FD_ACCEPT_BIT)
#define FD_CONNECT_BIT 4
#define FD_CONNECT (1 << FD_CONNECT_BIT)
#define FD_CLOSE_BIT 5
#define FD_CLOSE (1 << FD_CLOSE_BIT)
#define FD_QOS_BIT 6
#define FD_QOS (1 << FD_QOS_BIT)
#define FD_GROUP_QOS_BIT 7
#define FD_GROUP_QOS (1 << FD_GROUP_QOS_BIT)
#define FD_ROUTING_INTERFACE_CHANGE_BIT 8
#define FD_ROUTING_INTERFACE_CHANGE (1 << FD_ROUTING_INTERFACE_CHANGE_BIT)
#define FD_ADDRESS_LIST_CHANGE_BIT 9
#define FD_ADDRESS_LIST_CHANGE (1 << FD_ADDRESS_LIST_CHANGE_BIT)
#define FD_ALL_EVENTS ((1 << FD_MAX_EVENTS) - 1)

#define WSA_FLAG_OVERLAPPED 0x01
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80

#define WSA_INVALID_EVENT ((WSAEVENT)NULL)
#define WSA_MAXIMUM_WAIT_EVENTS MAXIMUM_WAIT_OBJECTS
#define WSA_WAIT_EVENT_0 WAIT_OBJECT_0
#define WSA_WAIT_IO_COMPLETION WAIT_IO_COMPLETION
#define WSA_WAIT_TIMEOUT WAIT_TIMEOUT
#define WSA_WAIT_FAILED WAIT_FAILED
#define WSA_INFINITE INFINITE

/* ---- error codes ---- */
#define WSA_INVALID_HANDLE 6L
#define WSA_NOT_ENOUGH_MEMORY 8L
#define WSA_INVALID_PARAMETER 87L
#define WSA_OPERATION_ABORTED 995L
#define WSA_IO_INCOMPLETE 996L
#define WSA_IO_PENDING 997L
#define WSABASEERR 10000
#define WSAEINTR 10004L
#define WSAEBADF 10009L
#define WSAEACCES 10013L
#define WSAEFAULT 10014L
#define WSAEINVAL 10022L
#define WSAEMFILE 10024L
#define WSAEWOULDBLOCK 10035L
#define WSAEINPROGRESS 10036L
#define WSAEALREADY 10037L
#define WSAENOTSOCK 10038L
#define WSAEDESTADDRREQ 10039L
#define WSAEMSGSIZE 10040L
#define WSAEPROTOTYPE 10041L
#define WSAENOPROTOOPT 10042L
#define WSAEPROTONOSUPPORT 10043L
#define WSAESOCKTNOSUPPORT 10044L
#define WSAEOPNOTSUPP 10045L
#define WSAEPFNOSUPPORT 10046L
#define WSAEAFNOSUPPORT 10047L
#define WSAEADDRINUSE 10048L
#define WSAEADDRNOTAVAIL 10049L
#define WSAENETDOWN 10050L
#define WSAENETUNREACH 10051L
#define WSAENETRESET 10052L
#define WSAECONNABORTED 10053L
#define WSAECONNRESET 10054L
#define WSAENOBUFS 10055L
#define WSAEISCONN 10056L
#define WSAENOTCONN 10057L
#define WSAESHUTDOWN 10058L
#define WSAETOOMANYREFS 10059L
#define WSAETIMEDOUT 10060L
#define WSAECONNREFUSED 10061L
#define WSAELOOP 10062L
#define WSAENAMETOOLONG 10063L
#define WSAEHOSTDOWN 10064L
#define WSAEHOSTUNREACH 10065L
#define WSAENOTEMPTY 10066L
#define WSAEPROCLIM 10067L
#define WSAEUSERS 10068L
#define WSAEDQUOT 10069L
#define WSAESTALE 10070L
#define WSAEREMOTE 10071L
#define WSASYSNOTREADY 10091L
#define WSAVERNOTSUPPORTED 10092L
#define WSANOTINITIALISED 10093L
#define WSAEDISCON 10101L
#define WSATYPE_NOT_FOUND 10109L
#define WSAHOST_NOT_FOUND 11001L
#define WSATRY_AGAIN 11002L
#define WSANO_RECOVERY 11003L
#define WSANO_DATA 11004L
#define WSANO_ADDRESS WSANO_DATA
#define HOST_NOT_FOUND WSAHOST_NOT_FOUND
#define TRY_AGAIN WSATRY_AGAIN
#define NO_RECOVERY WSANO_RECOVERY
#define NO_DATA WSANO_DATA
#undef h_errno
#define h_errno WSAGetLastError()

/* ---- functions ---- */
WOP_API int WSAAPI WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData);
WOP_API int WSAAPI WSACleanup(void);
WOP_API int WSAAPI WSAGetLastError(void);
WOP_API void WSAAPI WSASetLastError(int iError);

WOP_API SOCKET WSAAPI socket(int af, int type, int protocol) WOP_WS_LINK(socket);
WOP_API SOCKET WSAAPI WSASocketA(int af, int type, int protocol,
                                 LPWSAPROTOCOL_INFOA lpProtocolInfo, GROUP g, DWORD dwFlags);
WOP_API SOCKET WSAAPI WSASocketW(int af, int type, int protocol,
                                 LPWSAPROTOCOL_INFOW lpProtocolInfo, GROUP g, DWORD dwFlags);
#ifdef UNICODE
#define WSASocket WSASocketW
#else
#define WSASocket WSASocketA
#endif
WOP_API int WSAAPI closesocket(SOCKET s) WOP_WS_LINK(closesocket);
WOP_API int WSAAPI bind(SOCKET s, const struct sockaddr *name, int namelen) WOP_WS_LINK(bind);
WOP_API int WSAAPI listen(SOCKET s, int backlog) WOP_WS_LINK(listen);
WOP_API SOCKET WSAAPI accept(SOCKET s, struct sockaddr *addr, int *addrlen)
    WOP_WS_LINK(accept);
WOP_API int WSAAPI connect(SOCKET s, const struct sockaddr *name, int namelen)
    WOP_WS_LINK(connect);
WOP_API int WSAAPI send(SOCKET s, const char *buf, int len, int flags) WOP_WS_LINK(send);
WOP_API int WSAAPI recv(SOCKET s, char *buf, int len, int flags) WOP_WS_LINK(recv);
WOP_API int WSAAPI sendto(SOCKET s, const char *buf, int len, int flags,
                          const struct sockaddr *to, int tolen) WOP_WS_LINK(sendto);
WOP_API int WSAAPI recvfrom(SOCKET s, char *buf, int len, int flags, struct sockaddr *from,
                            int *fromlen) WOP_WS_LINK(recvfrom);
WOP_API int WSAAPI shutdown(SOCKET s, int how) WOP_WS_LINK(shutdown);
WOP_API int WSAAPI getsockname(SOCKET s, struct sockaddr *name, int *namelen)
    WOP_WS_LINK(getsockname);
WOP_API int WSAAPI getpeername(SOCKET s, struct sockaddr *name, int *namelen)
    WOP_WS_LINK(getpeername);
WOP_API int WSAAPI getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen)
    WOP_WS_LINK(getsockopt);
WOP_API int WSAAPI setsockopt(SOCKET s, int level, int optname, const char *optval,
                              int optlen) WOP_WS_LINK(setsockopt);
WOP_API int WSAAPI ioctlsocket(SOCKET s, LONG cmd, u_long *argp) WOP_WS_LINK(ioctlsocket);
/* Winsock select: nfds is ignored, the sets are Winsock fd_sets. */
WOP_API int WSAAPI wop_select(int nfds, wop_fd_set *readfds, wop_fd_set *writefds,
                              wop_fd_set *exceptfds, const struct timeval *timeout)
    WOP_WS_LINK(select);
#define select wop_select

WOP_API struct hostent *WSAAPI gethostbyname(const char *name) WOP_WS_LINK(gethostbyname);
WOP_API ULONG WSAAPI inet_addr(const char *cp) WOP_WS_LINK(inet_addr);
WOP_API char *WSAAPI inet_ntoa(struct in_addr in) WOP_WS_LINK(inet_ntoa);
WOP_API u_long WSAAPI htonl(u_long hostlong) WOP_WS_LINK(htonl);
WOP_API u_short WSAAPI htons(u_short hostshort) WOP_WS_LINK(htons);
WOP_API u_long WSAAPI ntohl(u_long netlong) WOP_WS_LINK(ntohl);
WOP_API u_short WSAAPI ntohs(u_short netshort) WOP_WS_LINK(ntohs);

WOP_API WSAEVENT WSAAPI WSACreateEvent(void);
WOP_API BOOL WSAAPI WSACloseEvent(WSAEVENT hEvent);
WOP_API BOOL WSAAPI WSASetEvent(WSAEVENT hEvent);
WOP_API BOOL WSAAPI WSAResetEvent(WSAEVENT hEvent);
WOP_API int WSAAPI WSAEventSelect(SOCKET s, WSAEVENT hEventObject, LONG lNetworkEvents);
WOP_API int WSAAPI WSAEnumNetworkEvents(SOCKET s, WSAEVENT hEventObject,
                                        LPWSANETWORKEVENTS lpNetworkEvents);
WOP_API DWORD WSAAPI WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents,
                                              BOOL fWaitAll, DWORD dwTimeout,
                                              BOOL fAlertable);
/* Needs a window message queue, which this layer has not: always fails, WSAEOPNOTSUPP. */
WOP_API int WSAAPI WSAAsyncSelect(SOCKET s, HANDLE hWnd, u_int wMsg, LONG lEvent);

WOP_END_DECLS

#endif /* WOP_WINSOCK2_H */
