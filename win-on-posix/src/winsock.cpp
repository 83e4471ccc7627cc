// Winsock 2: sockets as handle-table objects over Linux sockets, Winsock select, and
// WSAEventSelect driven by the process's one epoll reactor (the monitor thread).
//
// WSAEventSelect: a selected socket is watched edge-triggered for input, output, urgent
// data and hang-up. Each socket keeps Windows' per-event state under its lock: the
// selection (event + mask), the recorded events with their error codes, and the
// re-enable bits (an event is recorded once, then again only after its re-enabling call).
// The reactor records events and sets the event object; recv/send/accept re-enable them
// in user space. Lost wake-ups are avoided with edge counters: recv/send read a counter
// before their system call, and if an edge arrived meanwhile (or recv filled the whole
// buffer, so more may remain) the event is recorded again at once, as Windows re-posts
// FD_READ when data remains after a recv. No system call is added to recv or send.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net_sys.hpp"
#include "object.hpp"
#include "sync_object.hpp"
#include "trace.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>

namespace wop {

namespace {

std::atomic<int> g_startups{0};

int fail_wsa(int code) {
  SetLastError(static_cast<DWORD>(code));
  return SOCKET_ERROR;
}

bool started() {
  if (g_startups.load(std::memory_order_relaxed) > 0)
    return true;
  SetLastError(WSANOTINITIALISED);
  return false;
}

int wsa_from_errno(int e) {
  switch (e) {
  case 0: return 0;
  case EINTR: return WSAEINTR;
  case EBADF: return WSAENOTSOCK;
  case EACCES:
  case EPERM: return WSAEACCES;
  case EFAULT: return WSAEFAULT;
  case EINVAL: return WSAEINVAL;
  case EMFILE:
  case ENFILE: return WSAEMFILE;
  case EAGAIN: return WSAEWOULDBLOCK;
  case EINPROGRESS: return WSAEWOULDBLOCK; // a non-blocking connect under way
  case EALREADY: return WSAEALREADY;
  case ENOTSOCK: return WSAENOTSOCK;
  case EDESTADDRREQ: return WSAEDESTADDRREQ;
  case EMSGSIZE: return WSAEMSGSIZE;
  case EPROTOTYPE: return WSAEPROTOTYPE;
  case ENOPROTOOPT: return WSAENOPROTOOPT;
  case EPROTONOSUPPORT: return WSAEPROTONOSUPPORT;
  case ESOCKTNOSUPPORT: return WSAESOCKTNOSUPPORT;
  case EOPNOTSUPP: return WSAEOPNOTSUPP;
  case EPFNOSUPPORT: return WSAEPFNOSUPPORT;
  case EAFNOSUPPORT: return WSAEAFNOSUPPORT;
  case EADDRINUSE: return WSAEADDRINUSE;
  case EADDRNOTAVAIL: return WSAEADDRNOTAVAIL;
  case ENETDOWN: return WSAENETDOWN;
  case ENETUNREACH: return WSAENETUNREACH;
  case ENETRESET: return WSAENETRESET;
  case ECONNABORTED: return WSAECONNABORTED;
  case ECONNRESET: return WSAECONNRESET;
  case ENOBUFS:
  case ENOMEM: return WSAENOBUFS;
  case EISCONN: return WSAEISCONN;
  case ENOTCONN: return WSAENOTCONN;
  case ESHUTDOWN: return WSAESHUTDOWN;
  case ETIMEDOUT: return WSAETIMEDOUT;
  case ECONNREFUSED: return WSAECONNREFUSED;
  case ELOOP: return WSAELOOP;
  case ENAMETOOLONG: return WSAENAMETOOLONG;
  case EHOSTDOWN: return WSAEHOSTDOWN;
  case EHOSTUNREACH: return WSAEHOSTUNREACH;
  case EPIPE: return WSAECONNABORTED;
  default: return WSAEINVAL;
  }
}

int fail_errno_wsa(int e) { return fail_wsa(wsa_from_errno(e)); }

constexpr int fd_bit(LONG ev) {
  int b = 0;
  while (!(ev & 1)) {
    ev >>= 1;
    ++b;
  }
  return b;
}

enum class SockState { Fresh, Listening, Connecting, Connected };

struct KAddrBuf {
  alignas(8) unsigned char b[128];
};

class SocketObject;

// The socket's lock. Waiters on an event set under it are woken after it is released, so a
// woken thread's first call (WSAEnumNetworkEvents) does not find it still held.
class SockLock {
public:
  explicit SockLock(SocketObject &s);
  ~SockLock();
  SockLock(const SockLock &) = delete;
  SockLock &operator=(const SockLock &) = delete;

private:
  SocketObject &s_;
};

class SocketObject final : public Object, public std::enable_shared_from_this<SocketObject> {
public:
  SocketObject(int fd, int family, int type) : fd_(fd), family_(family), type_(type) {
    if (type != SOCK_STREAM && type != SOCK_SEQPACKET)
      state_ = SockState::Connected; // datagrams: readable/writable from the start
  }
  ~SocketObject() override {
    if (watch_)
      monitor_unwatch_persistent(watch_, fd_);
    lx::close(fd_);
  }
  ObjectKind kind() const noexcept override { return ObjectKind::Socket; }
  DWORD file_type() const override { return FILE_TYPE_PIPE; }
  int inherit_fd() const override { return fd_; }
  char inherit_kind() const override { return 'k'; }
  bool read(void *buf, DWORD len, DWORD *done) override;
  bool write(const void *buf, DWORD len, DWORD *done) override;

  int fd() const { return fd_; }
  int family() const { return family_; }
  int type() const { return type_; }
  bool stream() const { return type_ == SOCK_STREAM; }

  // ---- WSAEventSelect state; everything below is guarded by mu_ ----
  std::mutex mu_;
  std::atomic<bool> selected_{false}; // read without the lock on the data path
  std::shared_ptr<SyncObject> event_;
  LONG mask_ = 0;
  LONG recorded_ = 0;
  LONG enabled_ = 0; // events that may be recorded now (Windows' re-enabling)
  int errors_[FD_MAX_EVENTS] = {};
  SockState state_ = SockState::Fresh;
  bool nonblocking_ = false;
  bool peer_closed_ = false; // FIN or RST seen
  int close_error_ = 0;      // FD_CLOSE's code: 0 graceful, WSAECONNRESET...
  int sticky_error_ = 0;     // an errno the reactor took with SO_ERROR, for the next call
  int connect_error_ = 0;    // a failed non-blocking connect, for SO_ERROR
  std::atomic<bool> shut_rd_{false}, shut_wr_{false}; // read on the data path unlocked
  bool exclusive_ = false;
  uint64_t watch_ = 0;
  std::atomic<uint32_t> read_edges_{0}, write_edges_{0};
  std::shared_ptr<SyncObject> pending_wake_; // an event set under mu_, to wake after it

private:
  const int fd_, family_, type_;

public:

  // Records ev (if selected and enabled) and sets the event. Under mu_.
  void record(LONG ev, int err) {
    if (!(mask_ & ev) || !(enabled_ & ev) || !event_)
      return;
    enabled_ &= ~ev;
    recorded_ |= ev;
    errors_[fd_bit(ev)] = err;
    SharedSync *s = event_->state();
    sync_lock(s);
    s->signalled = 1;
    sync_unlock(s);
    pending_wake_ = event_; // woken once mu_ is released (SockLock)
  }

  // Folds readiness (epoll/poll bits, which have the same values) into the record.
  void on_events(uint32_t e) {
    SockLock lock(*this);
    const bool err = e & lx::kEpollErr;
    switch (state_) {
    case SockState::Fresh: return; // an unconnected socket polls as hung up: nothing to say
    case SockState::Connecting: {
      // The edge bits may be stale (an unconnected socket polls as hung up): the outcome
      // is what SO_ERROR and the peer's address say now.
      int so = 0;
      unsigned len = sizeof so;
      lx::getsockopt(fd_, lx::kSolSocket, lx::kSoError, &so, &len);
      if (so != 0) {
        state_ = SockState::Fresh;
        connect_error_ = so;
        record(FD_CONNECT, wsa_from_errno(so));
        return;
      }
      KAddrBuf peer;
      unsigned plen = sizeof peer.b;
      if (lx::getpeername(fd_, peer.b, &plen) < 0)
        return; // still under way
      state_ = SockState::Connected;
      record(FD_CONNECT, 0);
      enabled_ |= FD_WRITE;
      record(FD_WRITE, 0);
      e &= ~(lx::kEpollOut | lx::kEpollHup | lx::kEpollErr);
      break;
    }
    case SockState::Listening:
      if (e & lx::kEpollIn) {
        read_edges_.fetch_add(1, std::memory_order_seq_cst);
        record(FD_ACCEPT, 0);
      }
      return;
    case SockState::Connected: break;
    }
    if (stream() && err && !peer_closed_) {
      int so = 0;
      unsigned len = sizeof so;
      lx::getsockopt(fd_, lx::kSolSocket, lx::kSoError, &so, &len);
      if (so) {
        sticky_error_ = so; // recv/send report it next, as they would have
        peer_closed_ = true;
        close_error_ = so == ECONNRESET ? WSAECONNRESET : WSAECONNABORTED;
      }
    }
    if (stream() && (e & lx::kEpollRdHup) && !peer_closed_ && !shut_rd_)
      peer_closed_ = true;
    if (e & lx::kEpollIn) {
      read_edges_.fetch_add(1, std::memory_order_seq_cst);
      if (!peer_closed_ || readable_bytes() > 0)
        record(FD_READ, 0);
    }
    if (e & lx::kEpollPri)
      record(FD_OOB, 0);
    if ((e & lx::kEpollOut) && !(peer_closed_ && close_error_)) {
      write_edges_.fetch_add(1, std::memory_order_seq_cst);
      record(FD_WRITE, 0);
    }
    check_close();
  }

  // FD_CLOSE: at once for a reset; for a graceful close once no data is left to read.
  void check_close() {
    if (!peer_closed_ || !(enabled_ & FD_CLOSE) || !(mask_ & FD_CLOSE))
      return;
    if (close_error_ == 0 && readable_bytes() > 0)
      return;
    record(FD_CLOSE, close_error_);
  }

  int readable_bytes() {
    int n = 0;
    return lx::bytes_readable(fd_, &n) == 0 ? n : 0;
  }

  // After a recv-family call (n: its result, or -1 for WSAEWOULDBLOCK). edges: the
  // counter read before the call. FD_READ is recorded again when data remains: an edge
  // since the call, a filled buffer or a datagram say it may; then the kernel is asked
  // (FIONREAD). A short stream read with no edge since needs no question: the queue was
  // empty, and later data brings an edge.
  void after_recv(ssize_t n, size_t len, uint32_t edges, bool peek = false) {
    SockLock lock(*this);
    enabled_ |= FD_READ | FD_OOB;
    bool maybe = read_edges_.load(std::memory_order_seq_cst) != edges ||
                 (n > 0 && (size_t(n) == len || !stream() || peek));
    if (maybe && readable_bytes() > 0)
      record(FD_READ, 0);
    if (peer_closed_)
      check_close();
  }

  void after_send_blocked(uint32_t edges) {
    SockLock lock(*this);
    enabled_ |= FD_WRITE;
    if (write_edges_.load(std::memory_order_seq_cst) != edges)
      record(FD_WRITE, 0);
  }

  // Registers with the reactor (once) and records the conditions already present.
  bool watch_locked() {
    if (!watch_) {
      std::weak_ptr<SocketObject> weak = shared_from_this();
      watch_ = monitor_watch_persistent(
          fd_, lx::kEpollIn | lx::kEpollOut | lx::kEpollPri | lx::kEpollRdHup | lx::kEpollEt,
          [weak](uint32_t e) {
            if (auto s = weak.lock())
              s->on_events(e);
          });
      if (!watch_)
        return false;
    }
    return true;
  }
};

SockLock::SockLock(SocketObject &s) : s_(s) { s_.mu_.lock(); }

SockLock::~SockLock() {
  std::shared_ptr<SyncObject> wake = std::move(s_.pending_wake_);
  s_.mu_.unlock();
  if (wake)
    wake->state()->word.notify();
}

bool SocketObject::read(void *buf, DWORD len, DWORD *done) {
  uint32_t edges = read_edges_.load(std::memory_order_seq_cst);
  ssize_t n = lx::recv(fd_, buf, len, 0);
  int e = errno;
  if (selected_.load(std::memory_order_acquire))
    after_recv(n < 0 ? -1 : n, len, edges);
  if (n < 0)
    return fail(static_cast<DWORD>(wsa_from_errno(e)));
  *done = static_cast<DWORD>(n);
  return true;
}

bool SocketObject::write(const void *buf, DWORD len, DWORD *done) {
  DWORD sent = 0;
  while (sent < len) {
    uint32_t edges = write_edges_.load(std::memory_order_seq_cst);
    ssize_t n = lx::send(fd_, static_cast<const char *>(buf) + sent, len - sent, 0);
    if (n < 0) {
      int e = errno;
      if (e == EAGAIN && selected_.load(std::memory_order_acquire))
        after_send_blocked(edges);
      *done = sent;
      return fail(static_cast<DWORD>(wsa_from_errno(e)));
    }
    sent += static_cast<DWORD>(n);
  }
  *done = sent;
  return true;
}

// The socket behind s, or nullptr with WSANOTINITIALISED / WSAENOTSOCK set.
std::shared_ptr<SocketObject> get_socket(SOCKET s) {
  if (!started())
    return nullptr;
  if (s == INVALID_SOCKET || s > 0x7fffffffu || (s & 3)) {
    SetLastError(WSAENOTSOCK);
    return nullptr;
  }
  auto e = handle_lookup(reinterpret_cast<HANDLE>(s));
  std::shared_ptr<SocketObject> p;
  if (e)
    p = std::dynamic_pointer_cast<SocketObject>(e->object);
  if (!p)
    SetLastError(WSAENOTSOCK);
  return p;
}

int family_to_linux(int af) { return af == AF_INET6 ? lx::kAfInet6 : af; }
int family_from_linux(int af) { return af == lx::kAfInet6 ? AF_INET6 : af; }

// A caller's address as the kernel takes it (AF_INET6's value translated).
struct KAddr {
  alignas(8) unsigned char b[128];
  unsigned len = 0;
};

int addr_in(const struct sockaddr *name, int namelen, KAddr *out) {
  if (!name || namelen <= 0)
    return WSAEFAULT;
  int min = name->sa_family == AF_INET6 ? int(sizeof(SOCKADDR_IN6))
            : name->sa_family == AF_INET ? int(sizeof(SOCKADDR_IN))
                                         : int(sizeof(ADDRESS_FAMILY));
  if (namelen < min)
    return WSAEFAULT;
  out->len = static_cast<unsigned>(std::min<int>(namelen, sizeof out->b));
  std::memcpy(out->b, name, out->len);
  ADDRESS_FAMILY fam = static_cast<ADDRESS_FAMILY>(family_to_linux(name->sa_family));
  std::memcpy(out->b, &fam, sizeof fam);
  return 0;
}

// Copies a kernel address out: WSAEFAULT if the caller's buffer is missing or too small.
int addr_out(const KAddr &a, struct sockaddr *name, int *namelen) {
  if (!name || !namelen || *namelen < 0 || unsigned(*namelen) < a.len)
    return WSAEFAULT;
  std::memcpy(name, a.b, a.len);
  if (a.len >= sizeof(ADDRESS_FAMILY))
    name->sa_family = static_cast<ADDRESS_FAMILY>(family_from_linux(name->sa_family));
  *namelen = static_cast<int>(a.len);
  return 0;
}

// An IP address with port 0 and no address: what Linux reports for an unbound socket.
bool is_unbound(const KAddr &a) {
  int fam = a.b[0] | (a.b[1] << 8);
  if (a.len < 4 || (fam != AF_INET && fam != lx::kAfInet6))
    return false;
  return std::all_of(a.b + 2, a.b + a.len, [](unsigned char c) { return c == 0; });
}

int translate_msg_flags(int flags, int *out) {
  constexpr int known = MSG_OOB | MSG_PEEK | MSG_DONTROUTE | MSG_WAITALL;
  if (flags & ~known)
    return WSAEOPNOTSUPP;
  *out = (flags & MSG_OOB ? lx::kMsgOob : 0) | (flags & MSG_PEEK ? lx::kMsgPeek : 0) |
         (flags & MSG_DONTROUTE ? lx::kMsgDontRoute : 0) |
         (flags & MSG_WAITALL ? lx::kMsgWaitAll : 0);
  return 0;
}

SOCKET new_socket(int af, int type, int protocol, bool inherit) {
  if (!started())
    return INVALID_SOCKET;
  if (af != AF_INET && af != AF_INET6 && af != AF_UNIX && af != AF_UNSPEC) {
    SetLastError(WSAEAFNOSUPPORT);
    return INVALID_SOCKET;
  }
  if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_RAW &&
      type != SOCK_SEQPACKET && type != SOCK_RDM) {
    SetLastError(WSAESOCKTNOSUPPORT);
    return INVALID_SOCKET;
  }
  if (af == AF_UNSPEC)
    af = AF_INET; // Windows picks the family from the protocol; TCP/UDP mean IPv4 here
  int fd = lx::socket(family_to_linux(af), type, protocol, true);
  if (fd < 0) {
    int e = errno;
    SetLastError(e == EPROTONOSUPPORT || e == EINVAL ? WSAEPROTONOSUPPORT
                                                     : wsa_from_errno(e));
    return INVALID_SOCKET;
  }
  HANDLE h = handle_insert(std::make_shared<SocketObject>(fd, af, type),
                           GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE,
                           inherit ? HANDLE_FLAG_INHERIT : 0);
  if (!h) {
    SetLastError(WSAEMFILE);
    return INVALID_SOCKET;
  }
  SetLastError(0);
  return reinterpret_cast<SOCKET>(h);
}

// ---- socket options ----
enum class OptKind { Bool, Int, Linger, DontLinger, Millis, Error, Exclusive, Buffer };
struct OptMap {
  int level, name; // Windows
  int llevel, lname; // Linux
  OptKind kind;
};
constexpr OptMap kOpts[] = {
    {SOL_SOCKET, SO_DEBUG, lx::kSolSocket, lx::kSoDebug, OptKind::Bool},
    {SOL_SOCKET, SO_ACCEPTCONN, lx::kSolSocket, lx::kSoAcceptConn, OptKind::Bool},
    {SOL_SOCKET, SO_REUSEADDR, lx::kSolSocket, lx::kSoReuseAddr, OptKind::Bool},
    {SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 0, 0, OptKind::Exclusive},
    {SOL_SOCKET, SO_KEEPALIVE, lx::kSolSocket, lx::kSoKeepAlive, OptKind::Bool},
    {SOL_SOCKET, SO_DONTROUTE, lx::kSolSocket, lx::kSoDontRoute, OptKind::Bool},
    {SOL_SOCKET, SO_BROADCAST, lx::kSolSocket, lx::kSoBroadcast, OptKind::Bool},
    {SOL_SOCKET, SO_LINGER, lx::kSolSocket, lx::kSoLinger, OptKind::Linger},
    {SOL_SOCKET, SO_DONTLINGER, lx::kSolSocket, lx::kSoLinger, OptKind::DontLinger},
    {SOL_SOCKET, SO_OOBINLINE, lx::kSolSocket, lx::kSoOobInline, OptKind::Bool},
    {SOL_SOCKET, SO_SNDBUF, lx::kSolSocket, lx::kSoSndBuf, OptKind::Buffer},
    {SOL_SOCKET, SO_RCVBUF, lx::kSolSocket, lx::kSoRcvBuf, OptKind::Buffer},
    {SOL_SOCKET, SO_SNDLOWAT, lx::kSolSocket, lx::kSoSndLowat, OptKind::Int},
    {SOL_SOCKET, SO_RCVLOWAT, lx::kSolSocket, lx::kSoRcvLowat, OptKind::Int},
    {SOL_SOCKET, SO_SNDTIMEO, lx::kSolSocket, lx::kSoSndTimeo, OptKind::Millis},
    {SOL_SOCKET, SO_RCVTIMEO, lx::kSolSocket, lx::kSoRcvTimeo, OptKind::Millis},
    {SOL_SOCKET, SO_ERROR, lx::kSolSocket, lx::kSoError, OptKind::Error},
    {SOL_SOCKET, SO_TYPE, lx::kSolSocket, lx::kSoType, OptKind::Int},
    {IPPROTO_TCP, TCP_NODELAY, lx::kIpprotoTcp, lx::kTcpNoDelay, OptKind::Bool},
    {IPPROTO_IP, IP_TTL, lx::kIpprotoIp, lx::kIpTtl, OptKind::Int},
    {IPPROTO_IP, IP_MULTICAST_TTL, lx::kIpprotoIp, lx::kIpMulticastTtl, OptKind::Int},
    {IPPROTO_IP, IP_MULTICAST_LOOP, lx::kIpprotoIp, lx::kIpMulticastLoop, OptKind::Bool},
    {IPPROTO_IPV6, IPV6_V6ONLY, lx::kIpprotoIpv6, lx::kIpv6V6Only, OptKind::Bool},
    {IPPROTO_IPV6, IPV6_UNICAST_HOPS, lx::kIpprotoIpv6, lx::kIpv6UnicastHops, OptKind::Int},
};

const OptMap *find_opt(int level, int name, int *err) {
  bool level_known = false;
  for (const auto &o : kOpts) {
    if (o.level != level)
      continue;
    level_known = true;
    if (o.name == name)
      return &o;
  }
  *err = level_known ? WSAENOPROTOOPT : WSAEINVAL;
  return nullptr;
}

int pending_error(SocketObject &s) {
  SockLock lock(s);
  int e = s.sticky_error_ ? s.sticky_error_ : s.connect_error_;
  s.sticky_error_ = 0;
  s.connect_error_ = 0;
  if (e == 0) {
    unsigned len = sizeof e;
    lx::getsockopt(s.fd(), lx::kSolSocket, lx::kSoError, &e, &len);
  }
  return e;
}

} // namespace

// A socket inherited from a CreateProcess parent: its state is read back from the kernel
// (a selection is not inherited, as on Windows).
ObjectPtr socket_adopt(int fd) {
  int type = 0;
  if (!lx::is_socket(fd, &type))
    return make_fd_object(fd);
  KAddr a;
  a.len = sizeof a.b;
  int fam = AF_INET;
  if (lx::getsockname(fd, a.b, &a.len) == 0 && a.len >= 2)
    fam = family_from_linux(a.b[0] | (a.b[1] << 8));
  auto obj = std::make_shared<SocketObject>(fd, fam, type);
  int listening = 0;
  unsigned len = sizeof listening;
  KAddr peer;
  peer.len = sizeof peer.b;
  if (lx::getsockopt(fd, lx::kSolSocket, lx::kSoAcceptConn, &listening, &len) == 0 && listening)
    obj->state_ = SockState::Listening;
  else if (lx::getpeername(fd, peer.b, &peer.len) == 0)
    obj->state_ = SockState::Connected;
  return obj;
}

namespace {

struct WsState {
  hostent he;
  std::string name;
  std::vector<std::string> aliases, addrs;
  std::vector<char *> alias_ptrs, addr_ptrs;
  char ntoa[16];
};
thread_local WsState t_ws;

} // namespace

} // namespace wop

using namespace wop;

extern "C" {

int WSAAPI WSAStartup(WORD version, LPWSADATA data) {
  BYTE major = LOBYTE(version), minor = HIBYTE(version);
  if (major < 1) // Winsock 1.0 is the oldest there is
    return WSAVERNOTSUPPORTED;
  if (!data)
    return WSAEFAULT;
  WORD granted = (major > 2 || (major == 2 && minor >= 2)) ? MAKEWORD(2, 2) : version;
  std::memset(data, 0, sizeof *data);
  data->wVersion = granted;
  data->wHighVersion = MAKEWORD(2, 2);
  std::strcpy(data->szDescription, "WinSock 2.0");
  std::strcpy(data->szSystemStatus, "Running");
  if (major == 1) { // Winsock 1.1 reported limits; 2.x leaves them 0
    data->iMaxSockets = 32767;
    data->iMaxUdpDg = 65467;
  }
  handle_table_init();
  g_startups.fetch_add(1);
  return 0;
}

int WSAAPI WSACleanup(void) {
  int n = g_startups.load();
  while (n > 0 && !g_startups.compare_exchange_weak(n, n - 1)) {
  }
  if (n <= 0)
    return fail_wsa(WSANOTINITIALISED);
  return 0;
}

int WSAAPI WSAGetLastError(void) { return static_cast<int>(GetLastError()); }
void WSAAPI WSASetLastError(int err) { SetLastError(static_cast<DWORD>(err)); }

SOCKET WSAAPI socket(int af, int type, int protocol) {
  return new_socket(af, type, protocol, true); // inheritable by default, as on Windows
}

SOCKET WSAAPI WSASocketA(int af, int type, int protocol, LPWSAPROTOCOL_INFOA info, GROUP g,
                         DWORD flags) {
  if (!started())
    return INVALID_SOCKET;
  if (info || g != 0) { // no provider catalogue, no socket groups here
    SetLastError(WSAEINVAL);
    return INVALID_SOCKET;
  }
  return new_socket(af, type, protocol, !(flags & WSA_FLAG_NO_HANDLE_INHERIT));
}

SOCKET WSAAPI WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, GROUP g,
                         DWORD flags) {
  return WSASocketA(af, type, protocol, reinterpret_cast<LPWSAPROTOCOL_INFOA>(info), g, flags);
}

int WSAAPI closesocket(SOCKET s) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  sock.reset();
  if (!handle_close(reinterpret_cast<HANDLE>(s)))
    return fail_wsa(WSAENOTSOCK);
  return 0;
}

int WSAAPI bind(SOCKET s, const struct sockaddr *name, int namelen) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  KAddr a;
  if (int e = addr_in(name, namelen, &a))
    return fail_wsa(e);
  if (name->sa_family != sock->family())
    return fail_wsa(WSAEFAULT);
  if (lx::bind(sock->fd(), a.b, a.len) < 0)
    return fail_errno_wsa(errno);
  return 0;
}

int WSAAPI listen(SOCKET s, int backlog) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  {
    // Windows needs a bound socket (Linux would bind one itself).
    KAddr a;
    a.len = sizeof a.b;
    if (lx::getsockname(sock->fd(), a.b, &a.len) == 0 && is_unbound(a))
      return fail_wsa(WSAEINVAL);
  }
  if (!sock->stream())
    return fail_wsa(WSAEOPNOTSUPP);
  if (backlog < 0)
    backlog = backlog == SOMAXCONN ? INT_MAX : -backlog; // SOMAXCONN_HINT(n) is -n
  if (lx::listen(sock->fd(), backlog) < 0)
    return fail_errno_wsa(errno == EDESTADDRREQ ? EINVAL : errno);
  SockLock lock(*sock);
  sock->state_ = SockState::Listening;
  return 0;
}

SOCKET WSAAPI accept(SOCKET s, struct sockaddr *addr, int *addrlen) {
  auto sock = get_socket(s);
  if (!sock)
    return INVALID_SOCKET;
  const int need = sock->family() == AF_INET6 ? int(sizeof(SOCKADDR_IN6)) : int(sizeof(SOCKADDR_IN));
  if (addr && (!addrlen || *addrlen < need)) { // checked first: no connection is taken
    SetLastError(WSAEFAULT);
    return INVALID_SOCKET;
  }
  {
    SockLock lock(*sock);
    if (sock->state_ != SockState::Listening) {
      SetLastError(WSAEINVAL);
      return INVALID_SOCKET;
    }
  }
  KAddr a;
  a.len = sizeof a.b;
  int fd = lx::accept(sock->fd(), a.b, &a.len, false);
  int err = errno;
  if (sock->selected_.load(std::memory_order_acquire)) {
    // FD_ACCEPT is re-enabled; another pending connection records it again.
    SockLock lock(*sock);
    sock->enabled_ |= FD_ACCEPT;
    if (fd >= 0 && (lx::poll_one(sock->fd(), lx::kPollIn, 0) & lx::kPollIn))
      sock->record(FD_ACCEPT, 0);
  }
  if (fd < 0) {
    SetLastError(wsa_from_errno(err));
    return INVALID_SOCKET;
  }
  if (addr && addr_out(a, addr, addrlen) != 0) {
    lx::close(fd);
    SetLastError(WSAEFAULT);
    return INVALID_SOCKET;
  }
  auto obj = std::make_shared<SocketObject>(fd, sock->family(), sock->type());
  obj->state_ = SockState::Connected;
  // The accepted socket inherits the listener's selection (and so is non-blocking).
  std::shared_ptr<SyncObject> ev;
  LONG mask = 0;
  {
    SockLock lock(*sock);
    if (sock->selected_.load() && sock->mask_) {
      ev = sock->event_;
      mask = sock->mask_;
    }
  }
  uint32_t pending = 0;
  if (mask) {
    lx::set_nonblocking(fd, true);
    SockLock lock(*obj);
    obj->nonblocking_ = true;
    obj->event_ = ev;
    obj->mask_ = mask;
    obj->enabled_ = FD_ALL_EVENTS;
    obj->selected_.store(true);
    if (obj->watch_locked()) {
      obj->record(FD_WRITE, 0); // a newly accepted socket can send
      int r = lx::poll_one(fd, lx::kPollIn | lx::kPollPri | lx::kPollRdHup, 0);
      if (r > 0)
        pending = static_cast<uint32_t>(r);
    }
  }
  HANDLE h = handle_insert(obj, GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE, HANDLE_FLAG_INHERIT);
  if (!h) {
    SetLastError(WSAEMFILE);
    return INVALID_SOCKET;
  }
  if (pending) // data or a close that came with the connection
    obj->on_events(pending);
  SetLastError(0);
  return reinterpret_cast<SOCKET>(h);
}


int WSAAPI connect(SOCKET s, const struct sockaddr *name, int namelen) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  KAddr a;
  if (int e = addr_in(name, namelen, &a))
    return fail_wsa(e);
  {
    SockLock lock(*sock);
    if (sock->state_ == SockState::Listening)
      return fail_wsa(WSAEINVAL);
    if (sock->state_ == SockState::Connecting)
      return fail_wsa(WSAEALREADY);
    if (sock->stream() && sock->state_ == SockState::Connected)
      return fail_wsa(WSAEISCONN);
  }
  {
    // Connecting before the call: on loopback the reactor may see the outcome before
    // connect returns.
    SockLock lock(*sock);
    if (sock->stream())
      sock->state_ = SockState::Connecting;
  }
  int r = lx::connect(sock->fd(), a.b, a.len);
  int err = r < 0 ? errno : 0;
  SockLock lock(*sock);
  if (r == 0) {
    // A datagram connect "completes" at once, and Windows says so with FD_CONNECT too.
    if (sock->state_ != SockState::Connected || !sock->stream()) {
      sock->state_ = SockState::Connected;
      sock->record(FD_CONNECT, 0);
      sock->enabled_ |= FD_WRITE;
      sock->record(FD_WRITE, 0);
    }
    return 0;
  }
  if (err == EINPROGRESS || err == EINTR)
    return fail_wsa(WSAEWOULDBLOCK); // the reactor reports the outcome as FD_CONNECT
  if (sock->state_ != SockState::Connecting)
    return fail_wsa(WSAEWOULDBLOCK); // the reactor has already recorded the outcome
  sock->state_ = SockState::Fresh;
  if (sock->nonblocking_ && sock->stream() &&
      (err == ECONNREFUSED || err == ENETUNREACH || err == EHOSTUNREACH || err == ETIMEDOUT)) {
    // Windows reports a failed non-blocking connect through FD_CONNECT, never at once.
    sock->connect_error_ = err;
    sock->record(FD_CONNECT, wsa_from_errno(err));
    return fail_wsa(WSAEWOULDBLOCK);
  }
  return fail_errno_wsa(err);
}

namespace {

int do_send(SOCKET s, const char *buf, int len, int flags, const struct sockaddr *to,
            int tolen) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  if (len < 0 || (!buf && len > 0))
    return fail_wsa(WSAEFAULT);
  int lflags;
  if (int e = translate_msg_flags(flags & ~MSG_PEEK, &lflags))
    return fail_wsa(e);
  if (flags & (MSG_PEEK | MSG_WAITALL))
    return fail_wsa(WSAEOPNOTSUPP);
  KAddr a;
  if (to) {
    if (int e = addr_in(to, tolen, &a))
      return fail_wsa(e);
  }
  if (sock->shut_wr_)
    return fail_wsa(WSAESHUTDOWN);
  uint32_t edges = sock->write_edges_.load(std::memory_order_seq_cst);
  ssize_t n = (to && !sock->stream()) ? lx::sendto(sock->fd(), buf, size_t(len), lflags, a.b, a.len)
                                      : lx::send(sock->fd(), buf, size_t(len), lflags);
  if (n >= 0)
    return static_cast<int>(n);
  int err = errno;
  if (err == EAGAIN && sock->selected_.load(std::memory_order_acquire))
    sock->after_send_blocked(edges);
  if (err == EPIPE || err == ECONNRESET) {
    SockLock lock(*sock);
    if (sock->sticky_error_) {
      err = sock->sticky_error_;
      sock->sticky_error_ = 0;
    }
  }
  if (err == ENOTCONN && !sock->stream())
    return fail_wsa(WSAEDESTADDRREQ);
  if (err == EAGAIN && !sock->nonblocking_)
    return fail_wsa(WSAETIMEDOUT); // SO_SNDTIMEO ran out
  return fail_errno_wsa(err);
}

int do_recv(SOCKET s, char *buf, int len, int flags, struct sockaddr *from, int *fromlen) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  if (len < 0 || (!buf && len > 0))
    return fail_wsa(WSAEFAULT);
  if (from && (!fromlen || *fromlen < 0))
    return fail_wsa(WSAEFAULT);
  int lflags;
  if (int e = translate_msg_flags(flags, &lflags))
    return fail_wsa(e);
  if (sock->shut_rd_)
    return fail_wsa(WSAESHUTDOWN);
  if (sock->stream()) {
    SockLock lock(*sock);
    if (sock->state_ == SockState::Listening || sock->state_ == SockState::Fresh)
      return fail_wsa(WSAENOTCONN);
  }
  uint32_t edges = sock->read_edges_.load(std::memory_order_seq_cst);
  KAddr a;
  a.len = sizeof a.b;
  ssize_t n = from ? lx::recvfrom(sock->fd(), buf, size_t(len), lflags, a.b, &a.len)
                   : lx::recv(sock->fd(), buf, size_t(len), lflags);
  int err = n < 0 ? errno : 0;
  const bool selected = sock->selected_.load(std::memory_order_acquire);
  if (selected && !(n < 0 && err != EAGAIN))
    sock->after_recv(n, size_t(len), edges, (flags & MSG_PEEK) != 0);
  if (n < 0) {
    if (err == ECONNRESET && sock->stream()) {
      // Reported now; if this recv took the reset before the reactor saw it, FD_CLOSE must
      // still carry WSAECONNRESET.
      SockLock lock(*sock);
      sock->sticky_error_ = 0;
      if (!sock->peer_closed_) {
        sock->peer_closed_ = true;
        sock->close_error_ = WSAECONNRESET;
      }
      sock->check_close();
    }
    if (err == EAGAIN && !sock->nonblocking_)
      return fail_wsa(WSAETIMEDOUT); // SO_RCVTIMEO ran out, as Windows reports it
    return fail_errno_wsa(err);
  }
  if (n == 0 && sock->stream() && len > 0) {
    // The reactor may have taken a reset with SO_ERROR: report it as recv would have.
    SockLock lock(*sock);
    if (sock->sticky_error_) {
      int e = sock->sticky_error_;
      sock->sticky_error_ = 0;
      return fail_errno_wsa(e);
    }
  }
  if (from && !sock->stream() && addr_out(a, from, fromlen) != 0)
    return fail_wsa(WSAEFAULT);
  return static_cast<int>(n);
}

} // namespace

int WSAAPI send(SOCKET s, const char *buf, int len, int flags) {
  return do_send(s, buf, len, flags, nullptr, 0);
}

int WSAAPI sendto(SOCKET s, const char *buf, int len, int flags, const struct sockaddr *to,
                  int tolen) {
  return do_send(s, buf, len, flags, to, tolen);
}

int WSAAPI recv(SOCKET s, char *buf, int len, int flags) {
  return do_recv(s, buf, len, flags, nullptr, nullptr);
}

int WSAAPI recvfrom(SOCKET s, char *buf, int len, int flags, struct sockaddr *from,
                    int *fromlen) {
  return do_recv(s, buf, len, flags, from, fromlen);
}

int WSAAPI shutdown(SOCKET s, int how) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  if (how != SD_RECEIVE && how != SD_SEND && how != SD_BOTH)
    return fail_wsa(WSAEINVAL);
  if (lx::shutdown(sock->fd(), how) < 0)
    return fail_errno_wsa(errno);
  SockLock lock(*sock);
  if (how != SD_SEND)
    sock->shut_rd_ = true;
  if (how != SD_RECEIVE)
    sock->shut_wr_ = true;
  return 0;
}

int WSAAPI getsockname(SOCKET s, struct sockaddr *name, int *namelen) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  if (!name || !namelen)
    return fail_wsa(WSAEFAULT);
  KAddr a;
  a.len = sizeof a.b;
  if (lx::getsockname(sock->fd(), a.b, &a.len) < 0)
    return fail_errno_wsa(errno);
  if (is_unbound(a)) // an unbound socket has no name on Windows
    return fail_wsa(WSAEINVAL);
  if (int e = addr_out(a, name, namelen))
    return fail_wsa(e);
  return 0;
}

int WSAAPI getpeername(SOCKET s, struct sockaddr *name, int *namelen) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  if (!name || !namelen)
    return fail_wsa(WSAEFAULT);
  KAddr a;
  a.len = sizeof a.b;
  if (lx::getpeername(sock->fd(), a.b, &a.len) < 0)
    return fail_errno_wsa(errno);
  if (int e = addr_out(a, name, namelen))
    return fail_wsa(e);
  return 0;
}

int WSAAPI getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  int err = 0;
  const OptMap *o = find_opt(level, optname, &err);
  if (!o)
    return fail_wsa(err);
  if (!optval || !optlen)
    return fail_wsa(WSAEFAULT);
  int need = o->kind == OptKind::Linger ? int(sizeof(struct linger)) : int(sizeof(int));
  if (*optlen < need)
    return fail_wsa(WSAEFAULT);
  int value = 0;
  switch (o->kind) {
  case OptKind::Exclusive: value = sock->exclusive_ ? 1 : 0; break;
  case OptKind::Error: value = wsa_from_errno(pending_error(*sock)); break;
  case OptKind::Linger:
  case OptKind::DontLinger: {
    struct { int on, secs; } l{};
    unsigned len = sizeof l;
    if (lx::getsockopt(sock->fd(), o->llevel, o->lname, &l, &len) < 0)
      return fail_errno_wsa(errno);
    if (o->kind == OptKind::DontLinger) {
      value = l.on ? 0 : 1;
      break;
    }
    struct linger w{static_cast<u_short>(l.on ? 1 : 0), static_cast<u_short>(l.secs)};
    std::memcpy(optval, &w, sizeof w);
    *optlen = sizeof w;
    return 0;
  }
  case OptKind::Millis: {
    struct { long sec, usec; } tv{};
    unsigned len = sizeof tv;
    if (lx::getsockopt(sock->fd(), o->llevel, o->lname, &tv, &len) < 0)
      return fail_errno_wsa(errno);
    value = static_cast<int>(tv.sec * 1000 + tv.usec / 1000);
    break;
  }
  default: {
    unsigned len = sizeof value;
    if (lx::getsockopt(sock->fd(), o->llevel, o->lname, &value, &len) < 0)
      return fail_errno_wsa(errno);
    if (o->kind == OptKind::Buffer)
      value /= 2; // Linux reports the doubled figure it books
    if (o->kind == OptKind::Bool)
      value = value ? 1 : 0;
    if (o->llevel == lx::kSolSocket && o->lname == lx::kSoType)
      value = sock->type();
  }
  }
  std::memcpy(optval, &value, sizeof value);
  *optlen = sizeof value;
  return 0;
}

int WSAAPI setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  int err = 0;
  const OptMap *o = find_opt(level, optname, &err);
  if (!o)
    return fail_wsa(err);
  if (!optval)
    return fail_wsa(WSAEFAULT);
  int need = o->kind == OptKind::Linger ? int(sizeof(struct linger)) : int(sizeof(int));
  // BOOL options take a smaller buffer too (a char or a BOOLEAN), as Windows does.
  if (o->kind == OptKind::Bool || o->kind == OptKind::Exclusive || o->kind == OptKind::DontLinger)
    need = 1;
  if (optlen < need)
    return fail_wsa(WSAEFAULT);
  int value = 0;
  if (o->kind != OptKind::Linger)
    std::memcpy(&value, optval, std::min<size_t>(size_t(optlen), sizeof value));
  if (need == 1 && optlen < int(sizeof(int)))
    value = static_cast<unsigned char>(optval[0]);
  switch (o->kind) {
  case OptKind::Error:
    return fail_wsa(WSAENOPROTOOPT);
  case OptKind::Exclusive: {
    int reuse = 0;
    unsigned len = sizeof reuse;
    lx::getsockopt(sock->fd(), lx::kSolSocket, lx::kSoReuseAddr, &reuse, &len);
    if (value && reuse)
      return fail_wsa(WSAEINVAL); // the two exclude each other, as on Windows
    sock->exclusive_ = value != 0;
    return 0;
  }
  case OptKind::Linger:
  case OptKind::DontLinger: {
    struct { int on, secs; } l{};
    if (o->kind == OptKind::Linger) {
      struct linger w;
      std::memcpy(&w, optval, sizeof w);
      l.on = w.l_onoff ? 1 : 0;
      l.secs = w.l_linger;
    } else {
      unsigned len = sizeof l;
      lx::getsockopt(sock->fd(), o->llevel, o->lname, &l, &len);
      l.on = value ? 0 : 1;
    }
    if (lx::setsockopt(sock->fd(), o->llevel, o->lname, &l, sizeof l) < 0)
      return fail_errno_wsa(errno);
    return 0;
  }
  case OptKind::Millis: {
    DWORD ms = static_cast<DWORD>(value);
    struct { long sec, usec; } tv{long(ms / 1000), long(ms % 1000) * 1000};
    if (lx::setsockopt(sock->fd(), o->llevel, o->lname, &tv, sizeof tv) < 0)
      return fail_errno_wsa(errno);
    return 0;
  }
  default:
    if (o->kind == OptKind::Bool)
      value = value ? 1 : 0;
    if (o->llevel == lx::kSolSocket && o->lname == lx::kSoReuseAddr && value && sock->exclusive_)
      return fail_wsa(WSAEINVAL);
    if (o->lname == lx::kSoType || o->lname == lx::kSoAcceptConn)
      return fail_wsa(WSAENOPROTOOPT);
    if (lx::setsockopt(sock->fd(), o->llevel, o->lname, &value, sizeof value) < 0)
      return fail_errno_wsa(errno);
    return 0;
  }
}

int WSAAPI ioctlsocket(SOCKET s, LONG cmd, u_long *argp) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  if (!argp)
    return fail_wsa(WSAEFAULT);
  switch (cmd) {
  case FIONBIO: {
    SockLock lock(*sock);
    if (!*argp && sock->selected_.load() && sock->mask_)
      return fail_wsa(WSAEINVAL); // WSAEventSelect keeps it non-blocking
    if (lx::set_nonblocking(sock->fd(), *argp != 0) < 0)
      return fail_errno_wsa(errno);
    sock->nonblocking_ = *argp != 0;
    return 0;
  }
  case FIONREAD: {
    int n = 0;
    if (lx::bytes_readable(sock->fd(), &n) < 0)
      return fail_errno_wsa(errno);
    *argp = static_cast<u_long>(n);
    return 0;
  }
  case SIOCATMARK: {
    // Windows: TRUE when no urgent data is waiting.
    int r = lx::poll_one(sock->fd(), lx::kPollPri, 0);
    *argp = (r > 0 && (r & lx::kPollPri)) ? FALSE : TRUE;
    return 0;
  }
  default:
    return fail_wsa(WSAEOPNOTSUPP); // as WSAIoctl answers a command it does not know
  }
}

int WSAAPI __WSAFDIsSet(SOCKET fd, wop_fd_set *set) {
  if (!set)
    return 0;
  for (u_int i = 0; i < set->fd_count; ++i)
    if (set->fd_array[i] == fd)
      return 1;
  return 0;
}

int WSAAPI wop_select(int, wop_fd_set *rd, wop_fd_set *wr, wop_fd_set *ex,
                      const struct timeval *timeout) {
  if (!started())
    return SOCKET_ERROR;
  wop_fd_set *sets[3] = {rd, wr, ex};
  std::vector<lx::PollItem> items;
  std::vector<std::shared_ptr<SocketObject>> socks;
  std::vector<std::pair<int, u_int>> where; // (set, index) of each item
  size_t total = 0;
  for (int k = 0; k < 3; ++k)
    if (sets[k])
      total += sets[k]->fd_count;
  if (total == 0)
    return fail_wsa(WSAEINVAL);
  for (int k = 0; k < 3; ++k) {
    if (!sets[k])
      continue;
    for (u_int i = 0; i < sets[k]->fd_count; ++i) {
      auto sock = get_socket(sets[k]->fd_array[i]);
      if (!sock)
        return SOCKET_ERROR;
      short ev = k == 0 ? lx::kPollIn : k == 1 ? lx::kPollOut : lx::kPollPri;
      items.push_back({sock->fd(), ev, 0});
      socks.push_back(std::move(sock));
      where.emplace_back(k, i);
    }
  }
  if (timeout && (timeout->tv_sec < 0 || timeout->tv_usec < 0))
    return fail_wsa(WSAEINVAL);
  // Timeouts beyond a year are treated as none (and cannot overflow the clock arithmetic).
  const bool forever = !timeout || timeout->tv_sec > 365L * 24 * 3600;
  const uint64_t deadline =
      forever ? 0
              : monotonic_ns() + uint64_t(timeout->tv_sec) * 1000000000u +
                    uint64_t(timeout->tv_usec % 1000000) * 1000u +
                    uint64_t(timeout->tv_usec / 1000000) * 1000000000u;
  for (;;) {
    int ms = -1;
    if (!forever) {
      uint64_t now = monotonic_ns();
      ms = now >= deadline ? 0 : int(std::min<uint64_t>((deadline - now + 999999) / 1000000, INT_MAX));
    }
    int r = lx::poll(items.data(), items.size(), ms);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return fail_errno_wsa(errno);
    break;
  }
  // Windows' meanings: write-ready = connected (a non-blocking connect succeeded),
  // except = urgent data or a failed connect.
  std::vector<char> hit(items.size(), 0);
  for (size_t j = 0; j < items.size(); ++j) {
    auto &s = *socks[j];
    short re = items[j].revents;
    int k = where[j].first;
    SockLock lock(s);
    if (s.state_ == SockState::Connecting && (re & (lx::kPollOut | lx::kPollErr | lx::kPollHup))) {
      int so = 0;
      unsigned len = sizeof so;
      lx::getsockopt(s.fd(), lx::kSolSocket, lx::kSoError, &so, &len);
      if (so || (re & lx::kPollErr)) {
        s.connect_error_ = so ? so : ECONNREFUSED;
        s.state_ = SockState::Fresh;
      } else {
        s.state_ = SockState::Connected;
      }
    }
    if (k == 0)
      hit[j] = (re & (lx::kPollIn | lx::kPollHup | lx::kPollErr)) && s.state_ != SockState::Fresh;
    else if (k == 1)
      hit[j] = (re & lx::kPollOut) && s.state_ == SockState::Connected;
    else
      hit[j] = (re & lx::kPollPri) || s.connect_error_ != 0;
  }
  int count = 0;
  for (int k = 0; k < 3; ++k) {
    if (!sets[k])
      continue;
    u_int out = 0;
    for (size_t j = 0; j < items.size(); ++j)
      if (where[j].first == k && hit[j])
        sets[k]->fd_array[out++] = sets[k]->fd_array[where[j].second];
    sets[k]->fd_count = out;
    count += int(out);
  }
  return count;
}

struct hostent *WSAAPI gethostbyname(const char *name) {
  if (!started())
    return nullptr;
  if (!name) {
    SetLastError(WSAEFAULT);
    return nullptr;
  }
  lx::HostEnt h;
  bool not_found = false;
  if (!lx::gethostbyname(name, &h, &not_found)) {
    SetLastError(not_found ? WSAHOST_NOT_FOUND : WSANO_RECOVERY);
    return nullptr;
  }
  WsState &t = t_ws;
  t.name = std::move(h.name);
  t.aliases = std::move(h.aliases);
  t.addrs = std::move(h.addrs);
  t.alias_ptrs.clear();
  t.addr_ptrs.clear();
  for (auto &a : t.aliases)
    t.alias_ptrs.push_back(a.data());
  t.alias_ptrs.push_back(nullptr);
  for (auto &a : t.addrs)
    t.addr_ptrs.push_back(a.data());
  t.addr_ptrs.push_back(nullptr);
  t.he.h_name = t.name.data();
  t.he.h_aliases = t.alias_ptrs.data();
  t.he.h_addrtype = AF_INET;
  t.he.h_length = 4;
  t.he.h_addr_list = t.addr_ptrs.data();
  return &t.he;
}

ULONG WSAAPI inet_addr(const char *cp) {
  if (!cp || !*cp)
    return INADDR_NONE;
  // a.b.c.d with the BSD short forms and octal/hex parts, as Windows accepts.
  unsigned long parts[4];
  int n = 0;
  const char *p = cp;
  for (;;) {
    if (n == 4 || !(*p >= '0' && *p <= '9'))
      return INADDR_NONE;
    char *end;
    errno = 0;
    unsigned long v = std::strtoul(p, &end, 0);
    if (errno || end == p || v > 0xffffffffu)
      return INADDR_NONE;
    parts[n++] = v;
    p = end;
    if (*p == '.') {
      ++p;
      continue;
    }
    if (*p != '\0' && *p != ' ')
      return INADDR_NONE;
    break;
  }
  unsigned long v = 0;
  switch (n) {
  case 1: v = parts[0]; break;
  case 2:
    if (parts[0] > 255 || parts[1] > 0xffffff)
      return INADDR_NONE;
    v = parts[0] << 24 | parts[1];
    break;
  case 3:
    if (parts[0] > 255 || parts[1] > 255 || parts[2] > 0xffff)
      return INADDR_NONE;
    v = parts[0] << 24 | parts[1] << 16 | parts[2];
    break;
  default:
    for (int i = 0; i < 4; ++i)
      if (parts[i] > 255)
        return INADDR_NONE;
    v = parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3];
  }
  return htonl(static_cast<u_long>(v));
}

char *WSAAPI inet_ntoa(struct in_addr in) {
  const unsigned char *b = reinterpret_cast<const unsigned char *>(&in.S_un.S_addr);
  std::snprintf(t_ws.ntoa, sizeof t_ws.ntoa, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
  return t_ws.ntoa;
}

u_long WSAAPI htonl(u_long v) { return __builtin_bswap32(v); }
u_long WSAAPI ntohl(u_long v) { return __builtin_bswap32(v); }
u_short WSAAPI htons(u_short v) { return __builtin_bswap16(v); }
u_short WSAAPI ntohs(u_short v) { return __builtin_bswap16(v); }

INT WSAAPI inet_pton(INT family, PCSTR src, PVOID dst) {
  if (family != AF_INET && family != AF_INET6) {
    SetLastError(WSAEAFNOSUPPORT);
    return -1;
  }
  if (!src || !dst) {
    SetLastError(WSAEFAULT);
    return -1;
  }
  return lx::inet_pton(family_to_linux(family), src, dst);
}

PCSTR WSAAPI inet_ntop(INT family, const VOID *addr, PSTR buf, size_t size) {
  if (family != AF_INET && family != AF_INET6) {
    SetLastError(WSAEAFNOSUPPORT);
    return nullptr;
  }
  if (!addr || !buf || size == 0) {
    SetLastError(WSA_INVALID_PARAMETER);
    return nullptr;
  }
  char tmp[INET6_ADDRSTRLEN];
  if (!lx::inet_ntop(family_to_linux(family), addr, tmp, sizeof tmp) || std::strlen(tmp) >= size) {
    SetLastError(WSA_INVALID_PARAMETER);
    return nullptr;
  }
  std::strcpy(buf, tmp);
  return buf;
}

// ---- getaddrinfo ----
namespace {

int gai_to_wsa(lx::GaiError e) {
  switch (e) {
  case lx::GaiError::Ok: return 0;
  case lx::GaiError::Again: return WSATRY_AGAIN;
  case lx::GaiError::BadFlags: return WSAEINVAL;
  case lx::GaiError::Fail: return WSANO_RECOVERY;
  case lx::GaiError::Family: return WSAEAFNOSUPPORT;
  case lx::GaiError::Memory: return WSA_NOT_ENOUGH_MEMORY;
  case lx::GaiError::NoName: return WSAHOST_NOT_FOUND;
  case lx::GaiError::Service: return WSATYPE_NOT_FOUND;
  case lx::GaiError::SockType: return WSAESOCKTNOSUPPORT;
  default: return WSANO_RECOVERY;
  }
}

struct AddrNode {
  ADDRINFOA ai;
  alignas(8) unsigned char addr[128];
};

} // namespace

int WSAAPI getaddrinfo(const char *node, const char *service, const ADDRINFOA *hints,
                       PADDRINFOA *result) {
  if (!started())
    return WSANOTINITIALISED;
  if (!result || (!node && !service)) {
    int e = !result ? WSA_INVALID_PARAMETER : WSAHOST_NOT_FOUND;
    SetLastError(e);
    return e;
  }
  *result = nullptr;
  lx::AddrInfo h{};
  if (hints) {
    constexpr int known = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV |
                          AI_ALL | AI_ADDRCONFIG | AI_V4MAPPED;
    if ((hints->ai_flags & ~known) || hints->ai_addrlen || hints->ai_canonname ||
        hints->ai_addr || hints->ai_next) {
      SetLastError(WSAEINVAL);
      return WSAEINVAL;
    }
    if (hints->ai_family != AF_UNSPEC && hints->ai_family != AF_INET &&
        hints->ai_family != AF_INET6) {
      SetLastError(WSAEAFNOSUPPORT);
      return WSAEAFNOSUPPORT;
    }
    int f = hints->ai_flags;
    h.flags = (f & AI_PASSIVE ? lx::kAiPassive : 0) | (f & AI_CANONNAME ? lx::kAiCanonName : 0) |
              (f & AI_NUMERICHOST ? lx::kAiNumericHost : 0) |
              (f & AI_NUMERICSERV ? lx::kAiNumericServ : 0) | (f & AI_ALL ? lx::kAiAll : 0) |
              (f & AI_ADDRCONFIG ? lx::kAiAddrConfig : 0) |
              (f & AI_V4MAPPED ? lx::kAiV4Mapped : 0);
    h.family = family_to_linux(hints->ai_family);
    h.socktype = hints->ai_socktype;
    h.protocol = hints->ai_protocol;
  }
  std::vector<lx::AddrInfo> res;
  if (int e = gai_to_wsa(lx::getaddrinfo(node, service, hints ? &h : nullptr, &res))) {
    SetLastError(e);
    return e;
  }
  ADDRINFOA *head = nullptr, **tail = &head;
  for (auto &r : res) {
    auto *n = static_cast<AddrNode *>(std::calloc(1, sizeof(AddrNode)));
    if (!n) {
      freeaddrinfo(head);
      SetLastError(WSA_NOT_ENOUGH_MEMORY);
      return WSA_NOT_ENOUGH_MEMORY;
    }
    n->ai.ai_flags = hints ? hints->ai_flags : 0;
    n->ai.ai_family = family_from_linux(r.family);
    n->ai.ai_socktype = r.socktype;
    n->ai.ai_protocol = r.protocol;
    n->ai.ai_addrlen = r.addrlen;
    std::memcpy(n->addr, r.addr, r.addrlen);
    n->ai.ai_addr = reinterpret_cast<struct sockaddr *>(n->addr);
    n->ai.ai_addr->sa_family = static_cast<ADDRESS_FAMILY>(n->ai.ai_family);
    if (!r.canonname.empty())
      n->ai.ai_canonname = strdup(r.canonname.c_str());
    *tail = &n->ai;
    tail = &n->ai.ai_next;
  }
  *result = head;
  return 0;
}

void WSAAPI freeaddrinfo(PADDRINFOA ai) {
  while (ai) {
    ADDRINFOA *next = ai->ai_next;
    std::free(ai->ai_canonname);
    std::free(ai); // ai is the first member of its AddrNode
    ai = next;
  }
}

int WSAAPI getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, DWORD hostlen,
                       char *serv, DWORD servlen, INT flags) {
  if (!started())
    return WSANOTINITIALISED;
  KAddr a;
  if (int e = addr_in(sa, salen, &a)) {
    SetLastError(e);
    return e;
  }
  if ((!host || !hostlen) && (!serv || !servlen)) {
    SetLastError(WSAHOST_NOT_FOUND);
    return WSAHOST_NOT_FOUND;
  }
  int lf = (flags & NI_NOFQDN ? lx::kNiNoFqdn : 0) | (flags & NI_NUMERICHOST ? lx::kNiNumericHost : 0) |
           (flags & NI_NAMEREQD ? lx::kNiNameReqd : 0) |
           (flags & NI_NUMERICSERV ? lx::kNiNumericServ : 0) | (flags & NI_DGRAM ? lx::kNiDgram : 0);
  int e = gai_to_wsa(lx::getnameinfo(a.b, a.len, host, host ? hostlen : 0, serv,
                                     serv ? servlen : 0, lf));
  if (e)
    SetLastError(e);
  return e;
}

// ---- events ----
WSAEVENT WSAAPI WSACreateEvent(void) { return CreateEventA(nullptr, TRUE, FALSE, nullptr); }
BOOL WSAAPI WSACloseEvent(WSAEVENT h) { return CloseHandle(h); }
BOOL WSAAPI WSASetEvent(WSAEVENT h) { return SetEvent(h); }
BOOL WSAAPI WSAResetEvent(WSAEVENT h) { return ResetEvent(h); }

DWORD WSAAPI WSAWaitForMultipleEvents(DWORD n, const WSAEVENT *events, BOOL all, DWORD timeout,
                                      BOOL alertable) {
  return WaitForMultipleObjectsEx(n, events, all, timeout, alertable);
}

namespace {
std::shared_ptr<SyncObject> event_object(WSAEVENT h) {
  auto e = handle_lookup(h);
  if (!e)
    return nullptr;
  auto p = std::dynamic_pointer_cast<SyncObject>(e->object);
  if (!p || p->state()->type != SyncType::Event)
    return nullptr;
  return p;
}
} // namespace

int WSAAPI WSAEventSelect(SOCKET s, WSAEVENT ev, LONG events) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  events &= FD_ALL_EVENTS;
  std::shared_ptr<SyncObject> obj;
  if (events) {
    obj = event_object(ev);
    if (!obj)
      return fail_wsa(WSAEINVAL);
  }
  if (lx::set_nonblocking(sock->fd(), true) < 0)
    return fail_errno_wsa(errno);
  short poll_for = 0;
  {
    SockLock lock(*sock);
    sock->nonblocking_ = true;
    sock->event_ = obj;
    sock->mask_ = events;
    sock->recorded_ = 0; // a new selection starts a new record
    std::memset(sock->errors_, 0, sizeof sock->errors_);
    sock->enabled_ = FD_ALL_EVENTS;
    if (!events) {
      sock->selected_.store(false, std::memory_order_release);
      return 0;
    }
    if (!sock->watch_locked())
      return fail_errno_wsa(errno);
    sock->selected_.store(true, std::memory_order_release);
    // Conditions already present are recorded now, as Windows does at this call.
    if (sock->state_ != SockState::Fresh)
      poll_for = lx::kPollIn | lx::kPollPri | lx::kPollOut | lx::kPollRdHup;
    if (sock->state_ == SockState::Connecting)
      poll_for = lx::kPollOut;
  }
  if (poll_for) {
    int r = lx::poll_one(sock->fd(), poll_for, 0);
    if (r > 0)
      sock->on_events(static_cast<uint32_t>(r));
  }
  return 0;
}

int WSAAPI WSAEnumNetworkEvents(SOCKET s, WSAEVENT ev, LPWSANETWORKEVENTS out) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  if (!out)
    return fail_wsa(WSAEFAULT);
  std::shared_ptr<SyncObject> obj;
  if (ev) {
    obj = event_object(ev);
    if (!obj)
      return fail_wsa(WSAEINVAL);
  }
  SockLock lock(*sock);
  if (obj) { // reset under the socket's lock, so a new record is never lost
    SharedSync *st = obj->state();
    sync_lock(st);
    st->signalled = 0;
    sync_unlock(st);
  }
  out->lNetworkEvents = sock->recorded_;
  std::memcpy(out->iErrorCode, sock->errors_, sizeof out->iErrorCode);
  sock->recorded_ = 0;
  std::memset(sock->errors_, 0, sizeof sock->errors_);
  return 0;
}

int WSAAPI WSAAsyncSelect(SOCKET s, HANDLE, u_int, LONG) {
  auto sock = get_socket(s);
  if (!sock)
    return SOCKET_ERROR;
  // No window message queues in this layer.
  WOP_TRACE_UNSUPPORTED("WSAAsyncSelect", "there are no window message queues: use "
                        "WSAEventSelect or select -> WSAEOPNOTSUPP");
  return fail_wsa(WSAEOPNOTSUPP);
}

} // extern "C"
