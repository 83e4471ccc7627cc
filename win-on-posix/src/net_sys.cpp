// The Linux side of Winsock: see net_sys.hpp.
#include "net_sys.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace wop::lx {

static_assert(kAfInet6 == AF_INET6 && kSolSocket == SOL_SOCKET);
static_assert(kSoDebug == SO_DEBUG && kSoReuseAddr == SO_REUSEADDR && kSoType == SO_TYPE &&
              kSoError == SO_ERROR && kSoDontRoute == SO_DONTROUTE &&
              kSoBroadcast == SO_BROADCAST && kSoSndBuf == SO_SNDBUF &&
              kSoRcvBuf == SO_RCVBUF && kSoKeepAlive == SO_KEEPALIVE &&
              kSoOobInline == SO_OOBINLINE && kSoLinger == SO_LINGER &&
              kSoRcvLowat == SO_RCVLOWAT && kSoSndLowat == SO_SNDLOWAT &&
              kSoAcceptConn == SO_ACCEPTCONN);
static_assert(kSoRcvTimeo == SO_RCVTIMEO && kSoSndTimeo == SO_SNDTIMEO);
static_assert(kIpprotoIp == IPPROTO_IP && kIpprotoTcp == IPPROTO_TCP &&
              kIpprotoIpv6 == IPPROTO_IPV6 && kIpTtl == IP_TTL &&
              kIpMulticastTtl == IP_MULTICAST_TTL && kIpMulticastLoop == IP_MULTICAST_LOOP &&
              kIpv6UnicastHops == IPV6_UNICAST_HOPS && kIpv6V6Only == IPV6_V6ONLY &&
              kTcpNoDelay == TCP_NODELAY);
static_assert(kMsgOob == MSG_OOB && kMsgPeek == MSG_PEEK && kMsgDontRoute == MSG_DONTROUTE &&
              kMsgWaitAll == MSG_WAITALL);
static_assert(kAiPassive == AI_PASSIVE && kAiCanonName == AI_CANONNAME &&
              kAiNumericHost == AI_NUMERICHOST && kAiV4Mapped == AI_V4MAPPED &&
              kAiAll == AI_ALL && kAiAddrConfig == AI_ADDRCONFIG &&
              kAiNumericServ == AI_NUMERICSERV);
static_assert(kNiNumericHost == NI_NUMERICHOST && kNiNumericServ == NI_NUMERICSERV &&
              kNiNoFqdn == NI_NOFQDN && kNiNameReqd == NI_NAMEREQD && kNiDgram == NI_DGRAM);
static_assert(kPollIn == POLLIN && kPollPri == POLLPRI && kPollOut == POLLOUT &&
              kPollErr == POLLERR && kPollHup == POLLHUP && kPollRdHup == POLLRDHUP);
static_assert(kEpollIn == EPOLLIN && kEpollPri == EPOLLPRI && kEpollOut == EPOLLOUT &&
              kEpollErr == EPOLLERR && kEpollHup == EPOLLHUP && kEpollRdHup == EPOLLRDHUP &&
              kEpollEt == EPOLLET);
static_assert(sizeof(PollItem) == sizeof(pollfd) && offsetof(PollItem, revents) ==
              offsetof(pollfd, revents));

template <class F> static auto retry(F f) {
  for (;;) {
    auto r = f();
    if (r >= 0 || errno != EINTR)
      return r;
  }
}

int socket(int af, int type, int protocol, bool cloexec) {
  return ::socket(af, type | (cloexec ? SOCK_CLOEXEC : 0), protocol);
}
int bind(int fd, const void *sa, unsigned len) {
  return ::bind(fd, static_cast<const sockaddr *>(sa), len);
}
int listen(int fd, int backlog) { return ::listen(fd, backlog); }
int accept(int fd, void *sa, unsigned *len, bool nonblock) {
  return retry([&] {
    return ::accept4(fd, static_cast<sockaddr *>(sa), len,
                     SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
  });
}
int connect(int fd, const void *sa, unsigned len) {
  // A connect interrupted by a signal goes on in the background: not retried.
  return ::connect(fd, static_cast<const sockaddr *>(sa), len);
}
ssize_t send(int fd, const void *buf, size_t len, int flags) {
  return retry([&] { return ::send(fd, buf, len, flags | MSG_NOSIGNAL); });
}
ssize_t recv(int fd, void *buf, size_t len, int flags) {
  return retry([&] { return ::recv(fd, buf, len, flags); });
}
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const void *sa, unsigned salen) {
  return retry([&] {
    return ::sendto(fd, buf, len, flags | MSG_NOSIGNAL, static_cast<const sockaddr *>(sa), salen);
  });
}
ssize_t recvfrom(int fd, void *buf, size_t len, int flags, void *sa, unsigned *salen) {
  return retry(
      [&] { return ::recvfrom(fd, buf, len, flags, static_cast<sockaddr *>(sa), salen); });
}
int shutdown(int fd, int how) { return ::shutdown(fd, how); }
int getsockname(int fd, void *sa, unsigned *len) {
  return ::getsockname(fd, static_cast<sockaddr *>(sa), len);
}
int getpeername(int fd, void *sa, unsigned *len) {
  return ::getpeername(fd, static_cast<sockaddr *>(sa), len);
}
int getsockopt(int fd, int level, int name, void *val, unsigned *len) {
  return ::getsockopt(fd, level, name, val, len);
}
int setsockopt(int fd, int level, int name, const void *val, unsigned len) {
  return ::setsockopt(fd, level, name, val, len);
}
int set_nonblocking(int fd, bool on) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0)
    return -1;
  int want = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  return want == fl ? 0 : ::fcntl(fd, F_SETFL, want);
}
int bytes_readable(int fd, int *n) { return ::ioctl(fd, FIONREAD, n); }
int at_mark(int fd, int *mark) { return ::ioctl(fd, SIOCATMARK, mark); }
int close(int fd) { return ::close(fd); }
int poll_one(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  int r = retry([&] { return ::poll(&p, 1, timeout_ms); });
  return r > 0 ? p.revents : r;
}
int poll(PollItem *items, size_t n, int timeout_ms) {
  return ::poll(reinterpret_cast<pollfd *>(items), n, timeout_ms);
}
bool is_socket(int fd, int *type) {
  struct stat st;
  if (::fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
    return false;
  socklen_t len = sizeof *type;
  return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, type, &len) == 0;
}

static GaiError gai_error(int e) {
  switch (e) {
  case 0: return GaiError::Ok;
  case EAI_AGAIN: return GaiError::Again;
  case EAI_BADFLAGS: return GaiError::BadFlags;
  case EAI_FAIL: return GaiError::Fail;
  case EAI_FAMILY: return GaiError::Family;
  case EAI_MEMORY: return GaiError::Memory;
  case EAI_NONAME:
  case EAI_NODATA:
  case EAI_ADDRFAMILY: return GaiError::NoName;
  case EAI_SERVICE: return GaiError::Service;
  case EAI_SOCKTYPE: return GaiError::SockType;
  default: return GaiError::System;
  }
}

GaiError getaddrinfo(const char *node, const char *service, const AddrInfo *hints,
                     std::vector<AddrInfo> *out) {
  addrinfo h{}, *res = nullptr;
  if (hints) {
    h.ai_flags = hints->flags;
    h.ai_family = hints->family;
    h.ai_socktype = hints->socktype;
    h.ai_protocol = hints->protocol;
  }
  int e = ::getaddrinfo(node, service, hints ? &h : nullptr, &res);
  if (e != 0)
    return gai_error(e);
  for (addrinfo *p = res; p; p = p->ai_next) {
    AddrInfo a{};
    a.flags = p->ai_flags;
    a.family = p->ai_family;
    a.socktype = p->ai_socktype;
    a.protocol = p->ai_protocol;
    if (p->ai_canonname)
      a.canonname = p->ai_canonname;
    a.addrlen = p->ai_addrlen <= sizeof a.addr ? p->ai_addrlen : sizeof a.addr;
    std::memcpy(a.addr, p->ai_addr, a.addrlen);
    out->push_back(std::move(a));
  }
  ::freeaddrinfo(res);
  return GaiError::Ok;
}

GaiError getnameinfo(const void *sa, unsigned salen, char *host, size_t hostlen, char *serv,
                     size_t servlen, int flags) {
  return gai_error(::getnameinfo(static_cast<const sockaddr *>(sa), salen, host,
                                 static_cast<socklen_t>(hostlen), serv,
                                 static_cast<socklen_t>(servlen), flags));
}

bool gethostbyname(const char *name, HostEnt *out, bool *not_found) {
  hostent he{}, *res = nullptr;
  std::vector<char> buf(4096);
  int err = 0, herr = 0;
  while ((err = ::gethostbyname_r(name, &he, buf.data(), buf.size(), &res, &herr)) == ERANGE)
    buf.resize(buf.size() * 2);
  if (err != 0 || !res || res->h_addrtype != AF_INET) {
    *not_found = herr == HOST_NOT_FOUND || herr == NO_DATA || (res && res->h_addrtype != AF_INET);
    return false;
  }
  out->name = res->h_name ? res->h_name : name;
  for (char **a = res->h_aliases; a && *a; ++a)
    out->aliases.emplace_back(*a);
  for (char **a = res->h_addr_list; a && *a; ++a)
    out->addrs.emplace_back(*a, 4);
  return true;
}

int inet_pton(int af, const char *src, void *dst) { return ::inet_pton(af, src, dst); }
const char *inet_ntop(int af, const void *src, char *dst, unsigned size) {
  return ::inet_ntop(af, src, dst, size);
}

} // namespace wop::lx
