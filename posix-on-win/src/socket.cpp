// BSD sockets on fds: each socket is a CRT fd over its SOCKET handle (sockets are handles
// on Windows), so read/write/close/fcntl/dup work on it as on any fd.
#include "fd.hpp"

#include <pow/fcntl_flags.h>
#include <pow/socket.h>
#include <pow/unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <io.h>

namespace posix_on_win {

namespace {

std::once_flag g_wsa_once;
int g_wsa_error = 0;

SOCKET sock_of(const FdState &st) { return reinterpret_cast<SOCKET>(st.handle); }

// The socket behind fd, or nullopt with errno EBADF/ENOTSOCK.
std::optional<FdState> socket_state(int fd) {
  auto st = fd_state(fd);
  if (!st)
    return std::nullopt;
  if (st->kind != FdKind::Socket) {
    errno = ENOTSOCK;
    return std::nullopt;
  }
  return st;
}

int clamp_len(size_t len) { return len > INT_MAX ? INT_MAX : static_cast<int>(len); }

// A new socket that children do not inherit (they get fds through spawn only).
SOCKET new_socket(int domain, int type, int protocol) {
  SOCKET s = WSASocketW(domain, type, protocol, nullptr, 0,
                        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET && WSAGetLastError() == WSAEINVAL) {
    // Before Windows 7 SP1 the flag is unknown.
    s = WSASocketW(domain, type, protocol, nullptr, 0, WSA_FLAG_OVERLAPPED);
    if (s != INVALID_SOCKET)
      SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
  }
  return s;
}

int set_fionbio(SOCKET s, bool on) {
  u_long v = on ? 1 : 0;
  return ioctlsocket(s, FIONBIO, &v) == 0 ? 0 : fail_wsa();
}

int adopt_socket(SOCKET s, bool cloexec, bool nonblock, bool local_pair) {
  if (nonblock && set_fionbio(s, true) != 0) {
    int e = errno;
    closesocket(s);
    return fail_errno(e);
  }
  int fd = fd_adopt(reinterpret_cast<HANDLE>(s), _O_RDWR | _O_BINARY, FdKind::Socket, cloexec,
                    nonblock);
  if (fd >= 0 && local_pair)
    if (auto st = fd_state(fd))
      st->file->local_pair = true;
  return fd;
}

// The errno for a failed send: a connection gone is EPIPE (with SIGPIPE unless
// MSG_NOSIGNAL), as on POSIX.
ssize_t send_failed(const FdState &st, int flags) {
  int err = WSAGetLastError();
  bool gone = err == WSAESHUTDOWN ||
              (st.file->local_pair && (err == WSAECONNRESET || err == WSAECONNABORTED));
  if (gone) {
    if (!(flags & MSG_NOSIGNAL))
      raise_sigpipe();
    return fail_errno(EPIPE);
  }
  return fail_win32(static_cast<DWORD>(err));
}

ssize_t recv_failed(const FdState &st) {
  int err = WSAGetLastError();
  // After shutdown(SHUT_RD), and on a local pair whose peer closed with unread data (TCP
  // resets the connection; AF_UNIX gives EOF), POSIX reads see EOF.
  if (err == WSAESHUTDOWN ||
      (st.file->local_pair && (err == WSAECONNRESET || err == WSAECONNABORTED)))
    return 0;
  return fail_win32(static_cast<DWORD>(err));
}

bool same_addr(const sockaddr_in &a, const sockaddr_in &b) {
  return a.sin_family == b.sin_family && a.sin_port == b.sin_port &&
         a.sin_addr.s_addr == b.sin_addr.s_addr;
}

// A connected loopback pair of the given type: the stand-in for AF_UNIX socketpair.
bool loopback_pair(int type, SOCKET out[2]) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int len = sizeof addr;
  if (type == SOCK_DGRAM) {
    SOCKET a = new_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    SOCKET b = new_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    sockaddr_in aa = addr, ba = addr;
    int al = sizeof aa, bl = sizeof ba;
    if (a != INVALID_SOCKET && b != INVALID_SOCKET &&
        bind(a, reinterpret_cast<sockaddr *>(&aa), sizeof aa) == 0 &&
        bind(b, reinterpret_cast<sockaddr *>(&ba), sizeof ba) == 0 &&
        getsockname(a, reinterpret_cast<sockaddr *>(&aa), &al) == 0 &&
        getsockname(b, reinterpret_cast<sockaddr *>(&ba), &bl) == 0 &&
        connect(a, reinterpret_cast<sockaddr *>(&ba), bl) == 0 &&
        connect(b, reinterpret_cast<sockaddr *>(&aa), al) == 0) {
      out[0] = a;
      out[1] = b;
      return true;
    }
    int err = WSAGetLastError();
    if (a != INVALID_SOCKET)
      closesocket(a);
    if (b != INVALID_SOCKET)
      closesocket(b);
    WSASetLastError(err);
    return false;
  }
  SOCKET listener = new_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  SOCKET client = INVALID_SOCKET, server = INVALID_SOCKET;
  bool ok = false;
  sockaddr_in client_addr{};
  int client_len = sizeof client_addr;
  if (listener != INVALID_SOCKET &&
      bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
      getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len) == 0 &&
      listen(listener, 4) == 0) {
    client = new_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (client != INVALID_SOCKET &&
        connect(client, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
        getsockname(client, reinterpret_cast<sockaddr *>(&client_addr), &client_len) == 0) {
      // Only our own client may be the other end: anyone on this machine could connect.
      for (int tries = 0; tries < 8 && !ok; ++tries) {
        sockaddr_in peer{};
        int peer_len = sizeof peer;
        server = accept(listener, reinterpret_cast<sockaddr *>(&peer), &peer_len);
        if (server == INVALID_SOCKET)
          break;
        if (same_addr(peer, client_addr)) {
          ok = true;
        } else {
          closesocket(server);
          server = INVALID_SOCKET;
        }
      }
    }
  }
  int err = WSAGetLastError();
  if (listener != INVALID_SOCKET)
    closesocket(listener);
  if (!ok) {
    if (client != INVALID_SOCKET)
      closesocket(client);
    WSASetLastError(err ? err : WSAECONNREFUSED);
    return false;
  }
  SetHandleInformation(reinterpret_cast<HANDLE>(server), HANDLE_FLAG_INHERIT, 0);
  BOOL nodelay = TRUE; // small writes arrive at once, as on a local socket
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<char *>(&nodelay),
             sizeof nodelay);
  setsockopt(server, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<char *>(&nodelay),
             sizeof nodelay);
  out[0] = client;
  out[1] = server;
  return true;
}

} // namespace

bool winsock_init() {
  std::call_once(g_wsa_once, [] {
    WSADATA data;
    g_wsa_error = WSAStartup(MAKEWORD(2, 2), &data);
  });
  if (g_wsa_error) {
    fail_win32(static_cast<DWORD>(g_wsa_error));
    return false;
  }
  return true;
}

bool handle_is_socket(HANDLE h) {
  if (!winsock_init())
    return false;
  int type = 0;
  int len = sizeof type;
  return getsockopt(reinterpret_cast<SOCKET>(h), SOL_SOCKET, SO_TYPE,
                    reinterpret_cast<char *>(&type), &len) == 0;
}

ssize_t socket_read(const FdState &st, void *buf, size_t count, int flags) {
  int r = recv(sock_of(st), static_cast<char *>(buf), clamp_len(count), flags);
  return r == SOCKET_ERROR ? recv_failed(st) : r;
}

ssize_t socket_write(const FdState &st, const void *buf, size_t count, int flags) {
  int r = send(sock_of(st), static_cast<const char *>(buf), clamp_len(count),
               flags & ~MSG_NOSIGNAL);
  return r == SOCKET_ERROR ? send_failed(st, flags) : r;
}

HANDLE socket_duplicate(const FdState &st) {
  WSAPROTOCOL_INFOW info;
  if (WSADuplicateSocketW(sock_of(st), GetCurrentProcessId(), &info) != 0) {
    fail_wsa();
    return INVALID_HANDLE_VALUE;
  }
  SOCKET s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0,
                        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) {
    fail_wsa();
    return INVALID_HANDLE_VALUE;
  }
  SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
  return reinterpret_cast<HANDLE>(s);
}

int socket_set_nonblock(const FdState &st, bool on) { return set_fionbio(sock_of(st), on); }

int socket_close(int fd, const FdState &st) {
  std::lock_guard lock(fd_lock());
  fd_forget(fd);
  if (closesocket(sock_of(st)) != 0) {
    if (WSAGetLastError() != WSAENOTSOCK)
      return fail_wsa();
    return _close(fd); // a handle Winsock does not know: a plain handle close does it
  }
  // The CRT slot still holds the (now closed) handle: _close frees the slot; its
  // CloseHandle fails harmlessly, as gnulib relies on too.
  _close(fd);
  return 0;
}

} // namespace posix_on_win

using namespace posix_on_win;

extern "C" {

int pow_socket(int domain, int type, int protocol) {
  if (!winsock_init())
    return -1;
  bool nonblock = (type & SOCK_NONBLOCK) != 0;
  bool cloexec = (type & SOCK_CLOEXEC) != 0;
  type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  SOCKET s = new_socket(domain, type, protocol);
  if (s == INVALID_SOCKET)
    return fail_wsa();
  return adopt_socket(s, cloexec, nonblock, false);
}

int pow_socketpair(int domain, int type, int protocol, int sv[2]) {
  if (!sv)
    return fail_errno(EFAULT);
  if (!winsock_init())
    return -1;
  bool nonblock = (type & SOCK_NONBLOCK) != 0;
  bool cloexec = (type & SOCK_CLOEXEC) != 0;
  type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (domain != AF_UNIX)
    return fail_errno(domain == AF_INET || domain == AF_INET6 ? EOPNOTSUPP : EAFNOSUPPORT);
  if (type != SOCK_STREAM && type != SOCK_DGRAM)
    return fail_errno(EOPNOTSUPP);
  if (protocol != 0)
    return fail_errno(EPROTONOSUPPORT);
  SOCKET s[2];
  if (!loopback_pair(type, s))
    return fail_wsa();
  std::lock_guard lock(fd_lock());
  int a = adopt_socket(s[0], cloexec, nonblock, true);
  if (a < 0) {
    closesocket(s[1]);
    return -1;
  }
  int b = adopt_socket(s[1], cloexec, nonblock, true);
  if (b < 0) {
    int e = errno;
    pow_close(a);
    return fail_errno(e);
  }
  sv[0] = a;
  sv[1] = b;
  return 0;
}

int pow_bind(int fd, const struct sockaddr *addr, socklen_t len) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  return bind(sock_of(*st), addr, len) == 0 ? 0 : fail_wsa();
}

int pow_listen(int fd, int backlog) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  return listen(sock_of(*st), backlog) == 0 ? 0 : fail_wsa();
}

int pow_accept(int fd, struct sockaddr *addr, socklen_t *len) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  SOCKET s = accept(sock_of(*st), addr, len);
  if (s == INVALID_SOCKET)
    return fail_wsa();
  SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
  // Winsock's accepted socket inherits the listener's non-blocking mode; POSIX's does not.
  if (st->file->nonblock)
    set_fionbio(s, false);
  return adopt_socket(s, false, false, st->file->local_pair);
}

int pow_connect(int fd, const struct sockaddr *addr, socklen_t len) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  if (connect(sock_of(*st), addr, len) == 0)
    return 0;
  int err = WSAGetLastError();
  if (err == WSAEWOULDBLOCK)
    return fail_errno(EINPROGRESS); // non-blocking connect under way
  if (err == WSAEINVAL && st->file->nonblock)
    return fail_errno(EALREADY); // Winsock's answer to a second connect while under way
  return fail_win32(static_cast<DWORD>(err));
}

ssize_t pow_send(int fd, const void *buf, size_t len, int flags) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  if (len > 0 && !buf)
    return fail_errno(EFAULT);
  return socket_write(*st, buf, len, flags);
}

ssize_t pow_recv(int fd, void *buf, size_t len, int flags) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  if (len > 0 && !buf)
    return fail_errno(EFAULT);
  return socket_read(*st, buf, len, flags);
}

ssize_t pow_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                   socklen_t tolen) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  if (!to)
    return socket_write(*st, buf, len, flags);
  int r = sendto(sock_of(*st), static_cast<const char *>(buf), clamp_len(len),
                 flags & ~MSG_NOSIGNAL, to, tolen);
  return r == SOCKET_ERROR ? send_failed(*st, flags) : r;
}

ssize_t pow_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                     socklen_t *fromlen) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  int r = recvfrom(sock_of(*st), static_cast<char *>(buf), clamp_len(len), flags, from,
                   fromlen);
  return r == SOCKET_ERROR ? recv_failed(*st) : r;
}

int pow_shutdown(int fd, int how) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  if (how != SD_RECEIVE && how != SD_SEND && how != SD_BOTH)
    return fail_errno(EINVAL);
  return shutdown(sock_of(*st), how) == 0 ? 0 : fail_wsa();
}

int pow_getsockopt(int fd, int level, int name, void *val, socklen_t *len) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  if (!val || !len)
    return fail_errno(EFAULT);
  if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
    // POSIX gives a struct timeval, Winsock a DWORD of milliseconds.
    if (*len < static_cast<socklen_t>(sizeof(struct timeval)))
      return fail_errno(EINVAL);
    DWORD ms = 0;
    int l = sizeof ms;
    if (getsockopt(sock_of(*st), level, name, reinterpret_cast<char *>(&ms), &l) != 0)
      return fail_wsa();
    auto *tv = static_cast<struct timeval *>(val);
    tv->tv_sec = static_cast<long>(ms / 1000);
    tv->tv_usec = static_cast<long>((ms % 1000) * 1000);
    *len = sizeof(struct timeval);
    return 0;
  }
  if (getsockopt(sock_of(*st), level, name, static_cast<char *>(val), len) != 0)
    return fail_wsa();
  if (level == SOL_SOCKET && name == SO_ERROR && *len >= static_cast<socklen_t>(sizeof(int))) {
    int *e = static_cast<int *>(val); // a Winsock code: POSIX programs compare with errno values
    *e = *e ? errno_from_win32(static_cast<DWORD>(*e)) : 0;
  }
  return 0;
}

int pow_setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  if (!val)
    return fail_errno(EFAULT);
  if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
    if (len < static_cast<socklen_t>(sizeof(struct timeval)))
      return fail_errno(EINVAL);
    auto *tv = static_cast<const struct timeval *>(val);
    if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
      return fail_errno(EDOM);
    DWORD ms = static_cast<DWORD>(tv->tv_sec) * 1000 + static_cast<DWORD>(tv->tv_usec) / 1000;
    if (ms == 0 && tv->tv_usec > 0)
      ms = 1; // a timeout, however short, is not "forever"
    return setsockopt(sock_of(*st), level, name, reinterpret_cast<char *>(&ms), sizeof ms) == 0
               ? 0
               : fail_wsa();
  }
  if (level == SOL_SOCKET && name == SO_REUSEADDR) {
    // Windows' SO_REUSEADDR lets another socket take over a port in use; POSIX's only
    // allows rebinding a port in TIME_WAIT, which Windows allows by default. Accepted,
    // not passed on.
    if (len < static_cast<socklen_t>(sizeof(int)))
      return fail_errno(EINVAL);
    return 0;
  }
  return setsockopt(sock_of(*st), level, name, static_cast<const char *>(val), len) == 0
             ? 0
             : fail_wsa();
}

int pow_getsockname(int fd, struct sockaddr *addr, socklen_t *len) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  return getsockname(sock_of(*st), addr, len) == 0 ? 0 : fail_wsa();
}

int pow_getpeername(int fd, struct sockaddr *addr, socklen_t *len) {
  auto st = socket_state(fd);
  if (!st)
    return -1;
  return getpeername(sock_of(*st), addr, len) == 0 ? 0 : fail_wsa();
}

} // extern "C"
