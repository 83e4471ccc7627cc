// The Linux side of Winsock (winsock.cpp): the kernel's socket calls and the C library's
// resolver, behind names that do not collide with Winsock's. winsock.cpp sees only the
// Windows headers; this file's .cpp sees only the Linux ones. Linux constant values are
// spelled here (checked against the system headers in net_sys.cpp) so the translation
// tables in winsock.cpp can be constant expressions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace wop::lx {

constexpr int kAfInet6 = 10;
constexpr int kSolSocket = 1;
constexpr int kSoDebug = 1, kSoReuseAddr = 2, kSoType = 3, kSoError = 4, kSoDontRoute = 5,
              kSoBroadcast = 6, kSoSndBuf = 7, kSoRcvBuf = 8, kSoKeepAlive = 9,
              kSoOobInline = 10, kSoLinger = 13, kSoRcvLowat = 18, kSoSndLowat = 19,
              kSoRcvTimeo = 20, kSoSndTimeo = 21, kSoAcceptConn = 30;
constexpr int kIpprotoIp = 0, kIpprotoTcp = 6, kIpprotoIpv6 = 41;
constexpr int kIpTtl = 2, kIpMulticastTtl = 33, kIpMulticastLoop = 34;
constexpr int kIpv6UnicastHops = 16, kIpv6V6Only = 26;
constexpr int kTcpNoDelay = 1;
constexpr int kMsgOob = 1, kMsgPeek = 2, kMsgDontRoute = 4, kMsgWaitAll = 0x100;
constexpr int kAiPassive = 1, kAiCanonName = 2, kAiNumericHost = 4, kAiV4Mapped = 8,
              kAiAll = 0x10, kAiAddrConfig = 0x20, kAiNumericServ = 0x400;
constexpr int kNiNumericHost = 1, kNiNumericServ = 2, kNiNoFqdn = 4, kNiNameReqd = 8,
              kNiDgram = 16;
constexpr short kPollIn = 1, kPollPri = 2, kPollOut = 4, kPollErr = 8, kPollHup = 16,
                kPollRdHup = 0x2000;
constexpr uint32_t kEpollIn = 1, kEpollPri = 2, kEpollOut = 4, kEpollErr = 8, kEpollHup = 16,
                   kEpollRdHup = 0x2000, kEpollEt = 1u << 31;

// Calls return what the kernel returns (-1 with errno on failure); EINTR is retried.
int socket(int af, int type, int protocol, bool cloexec);
int bind(int fd, const void *sa, unsigned len);
int listen(int fd, int backlog);
int accept(int fd, void *sa, unsigned *len, bool nonblock);
int connect(int fd, const void *sa, unsigned len);
ssize_t send(int fd, const void *buf, size_t len, int flags); // never raises SIGPIPE
ssize_t recv(int fd, void *buf, size_t len, int flags);
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const void *sa, unsigned salen);
ssize_t recvfrom(int fd, void *buf, size_t len, int flags, void *sa, unsigned *salen);
int shutdown(int fd, int how);
int getsockname(int fd, void *sa, unsigned *len);
int getpeername(int fd, void *sa, unsigned *len);
int getsockopt(int fd, int level, int name, void *val, unsigned *len);
int setsockopt(int fd, int level, int name, const void *val, unsigned len);
int set_nonblocking(int fd, bool on);
int bytes_readable(int fd, int *n);   // FIONREAD
int at_mark(int fd, int *mark);       // SIOCATMARK
int close(int fd);
// poll(2) on one descriptor: revents, 0 on timeout, -1 on error.
int poll_one(int fd, short events, int timeout_ms);
struct PollItem {
  int fd;
  short events;
  short revents;
};
int poll(PollItem *items, size_t n, int timeout_ms);
bool is_socket(int fd, int *type);

// Resolver results, in neutral form: winsock.cpp builds Windows' structures from them.
enum class GaiError { Ok, Again, BadFlags, Fail, Family, Memory, NoName, Service, SockType, System };
struct AddrInfo {
  int flags, family, socktype, protocol;
  std::string canonname;
  unsigned char addr[128];
  unsigned addrlen;
};
GaiError getaddrinfo(const char *node, const char *service, const AddrInfo *hints,
                     std::vector<AddrInfo> *out);
GaiError getnameinfo(const void *sa, unsigned salen, char *host, size_t hostlen, char *serv,
                     size_t servlen, int flags);
struct HostEnt {
  std::string name;
  std::vector<std::string> aliases;
  std::vector<std::string> addrs; // 4 bytes each
};
// false with *not_found set when the name has no IPv4 address.
bool gethostbyname(const char *name, HostEnt *out, bool *not_found);
int inet_pton(int af, const char *src, void *dst);
const char *inet_ntop(int af, const void *src, char *dst, unsigned size);

} // namespace wop::lx
