// Mailslots: CreateMailslot, GetMailslotInfo, SetMailslotInfo, and the client side that
// CreateFile opens for \\.\mailslot\NAME (also \\*\ and \\DOMAIN\: delivered locally).
//
// Server: an AF_UNIX datagram socket bound in <runtime dir>/mailslot/. The name is a
// symlink to the socket file, whose own name carries a random id, the maximum message
// size and the creation read timeout, so a writer learns the limit atomically with the
// address. The name is live exactly while the socket is open in some process: a writer's
// connect() to a closed one gets ECONNREFUSED (ERROR_FILE_NOT_FOUND), and CreateMailslot
// replaces such a stale name. Creation and cleanup hold an flock on mailslot/.lock, so two
// creators never both take over one stale name.
//
// Writers never block on unread messages although the kernel allows only
// net.unix.max_dgram_qlen (often 10) queued datagrams per socket: the server process
// drains its socket into an in-memory queue in the background (a persistent edge-triggered
// watch on the shared monitor thread) and synchronously before ReadFile/GetMailslotInfo answer, so
// counts and sizes are exact. Messages over 64 KiB travel as a memfd (SCM_RIGHTS), so
// "any size" is not capped by the socket buffer.
#include "fd_io.hpp"
#include "named_object.hpp"
#include "object.hpp"
#include "text.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <sys/epoll.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace wop {

namespace {

constexpr size_t kInlineMax = 64 * 1024; // larger messages are sent as a memfd
constexpr DWORD kReadRights = GENERIC_READ | GENERIC_ALL | FILE_READ_DATA;
constexpr DWORD kWriteRights = GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA | FILE_APPEND_DATA;

// ---- names ----

bool ieq_prefix(const std::string &s, size_t at, const char *lower) {
  for (size_t i = 0; lower[i]; ++i) {
    if (at + i >= s.size())
      return false;
    char c = s[at + i];
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i])
      return false;
  }
  return true;
}

// "\\HOST\mailslot\REST" (either slash) -> HOST and REST (separators normalised to '\',
// ASCII lower-cased: mailslot names are case-insensitive). False if not of that form.
bool split_name(const std::string &raw, std::string *host, std::string *rest) {
  std::string s = raw;
  for (char &c : s)
    if (c == '/')
      c = '\\';
  if (s.size() < 2 || s[0] != '\\' || s[1] != '\\')
    return false;
  size_t host_end = s.find('\\', 2);
  if (host_end == std::string::npos || host_end == 2)
    return false;
  if (!ieq_prefix(s, host_end + 1, "mailslot\\"))
    return false;
  *host = s.substr(2, host_end - 2);
  *rest = s.substr(host_end + 1 + 9);
  for (char &c : *rest)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return true;
}

// <runtime dir>/mailslot, created 0700 on first use; empty with the last error set.
const std::string &slot_dir() {
  static const std::string dir = private_subdir("mailslot");
  if (dir.empty())
    fail(ERROR_ACCESS_DENIED);
  return dir;
}

// The socket file's name: "s-<id>-<max size>-<read timeout>" (hex).
struct SocketInfo {
  DWORD max_size = 0;
  DWORD timeout = 0;
};

bool parse_socket_name(const std::string &name, SocketInfo *info) {
  unsigned long long id = 0;
  unsigned max = 0, timeout = 0;
  int used = 0;
  if (std::sscanf(name.c_str(), "s-%16llx-%x-%x%n", &id, &max, &timeout, &used) != 3 ||
      static_cast<size_t>(used) != name.size())
    return false;
  info->max_size = max;
  info->timeout = timeout;
  return true;
}

// connect() fd (a datagram socket) to the socket file dir/name: 0 or an errno.
int connect_to(int fd, const std::string &dir, const std::string &name) {
  sockaddr_un a;
  int dirfd = -1;
  int err = 0;
  if (!make_addr(dir, name, &a, &dirfd))
    err = errno;
  else
    while (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) < 0)
      if ((err = errno) != EINTR)
        break;
      else
        err = 0;
  if (dirfd >= 0)
    ::close(dirfd);
  return err;
}

// Is some process still holding the socket dir/name? (ECONNREFUSED/ENOENT: no.)
bool socket_alive(const std::string &dir, const std::string &name, int *err) {
  int probe = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (probe < 0) {
    *err = errno;
    return false;
  }
  *err = connect_to(probe, dir, name);
  ::close(probe);
  return *err == 0;
}

std::string read_link(const std::string &path) {
  char buf[256];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The socket file a bound socket fd (server) or a connected one (writer) refers to.
std::string socket_file_of(int fd, bool peer) {
  sockaddr_un a{};
  socklen_t len = sizeof a;
  int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr *>(&a), &len)
               : ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  if (r < 0 || len <= offsetof(sockaddr_un, sun_path))
    return {};
  std::string path(a.sun_path, strnlen(a.sun_path, len - offsetof(sockaddr_un, sun_path)));
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// ---- the server ----

// What the server handles of one process share, and what the background drain keeps
// alive until it has seen the slot close.
struct SlotState {
  std::mutex mu;
  std::deque<std::vector<char>> queue;
  int sock = -1;   // bound, non-blocking
  uint64_t watch = 0; // the background drain's persistent watch on sock
  int wake_fd = -1; // readers waiting in ReadFile poll it beside the socket
  // Threads waiting in ReadFile: they drain the socket themselves, and the background drain
  // stands aside; each drains once more (under mu) as it stops waiting, so an arrival the
  // background drain skipped meanwhile is never left on the socket.
  int readers = 0;
  bool closed = false;
  DWORD max_size = 0;
  DWORD timeout = 0;
  std::vector<char> scratch = std::vector<char>(kInlineMax + 1);

  ~SlotState() {
    if (wake_fd >= 0)
      ::close(wake_fd);
  }

  // Moves every datagram waiting on the socket into the queue (caller holds mu).
  void drain_locked() {
    if (closed)
      return;
    bool got = false;
    for (;;) {
      iovec iov{scratch.data(), scratch.size()};
      int fd;
      ssize_t n = recv_fds(sock, &iov, 1, MSG_DONTWAIT, &fd, 1, nullptr);
      if (n < 0)
        break; // EAGAIN: drained
      if (fd >= 0) {
        queue.push_back(read_memfd(fd));
        ::close(fd);
      } else {
        queue.emplace_back(scratch.begin(), scratch.begin() + n);
      }
      got = true;
    }
    if (got && readers > 0) { // a waiting reader whose message we took must look again
      uint64_t one = 1;
      (void)!::write(wake_fd, &one, sizeof one);
    }
  }
};

// The background drain: at every arrival (edge-triggered, so one report per batch of
// datagrams) the monitor thread moves what is queued on the socket into the slot's queue,
// unless a reader is draining it itself. Holds only a weak reference: the server's close
// removes the watch.
bool watch_drain(const std::shared_ptr<SlotState> &s) {
  std::weak_ptr<SlotState> weak = s;
  s->watch = monitor_watch_persistent(s->sock, EPOLLIN | EPOLLET, [weak](uint32_t) {
    if (auto st = weak.lock()) {
      std::lock_guard lock(st->mu);
      if (st->readers == 0)
        st->drain_locked();
    }
  });
  return s->watch != 0;
}

class MailslotServer final : public Object {
public:
  MailslotServer(std::shared_ptr<SlotState> s, std::string dir, std::string link,
                 std::string sock_name)
      : s_(std::move(s)), dir_(std::move(dir)), link_(std::move(link)),
        sock_name_(std::move(sock_name)) {}

  ~MailslotServer() override {
    monitor_unwatch_persistent(s_->watch, s_->sock); // before the socket closes
    {
      std::lock_guard lock(s_->mu);
      s_->closed = true;
      s_->queue.clear();
      ::close(s_->sock);
      s_->sock = -1;
    }
    // If no other process holds the socket (an inheriting child), the name is dead: remove it.
    int err = 0;
    if (!dir_.empty() && !socket_alive(dir_, sock_name_, &err)) {
      DirLock lock(dir_);
      if (!link_.empty() && read_link(dir_ + "/" + link_) == sock_name_)
        ::unlink((dir_ + "/" + link_).c_str());
      if (!socket_alive(dir_, sock_name_, &err))
        ::unlink((dir_ + "/" + sock_name_).c_str());
    }
  }

  ObjectKind kind() const noexcept override { return ObjectKind::Mailslot; }
  int inherit_fd() const override { return s_->sock; }
  char inherit_kind() const override { return 'M'; }

  bool write(const void *, DWORD, DWORD *) override { return fail(ERROR_ACCESS_DENIED); }

  bool read(void *buf, DWORD len, DWORD *done) override {
    std::unique_lock lock(s_->mu);
    return take(lock, buf, len, done);
  }

  // One message into buf, waiting up to the read timeout (caller holds the lock).
  bool take(std::unique_lock<std::mutex> &lock, void *buf, DWORD len, DWORD *done) {
    if (s_->queue.empty()) // queued messages are older than any still on the socket
      s_->drain_locked();
    const DWORD timeout = s_->timeout;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout);
    while (s_->queue.empty()) {
      if (timeout == 0 || s_->closed)
        return fail(ERROR_SEM_TIMEOUT);
      int slice = -1;
      if (timeout != MAILSLOT_WAIT_FOREVER) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
          return fail(ERROR_SEM_TIMEOUT);
        slice = static_cast<int>(
            std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
      }
      // Wait on the socket directly (no hand-off through another thread), and on wake_fd
      // for messages the background drain moved into the queue meanwhile.
      pollfd fds[2] = {{s_->sock, POLLIN, 0}, {s_->wake_fd, POLLIN, 0}};
      ++s_->readers;
      lock.unlock();
      ::poll(fds, 2, slice);
      lock.lock();
      --s_->readers;
      uint64_t drained;
      if (fds[1].revents)
        (void)!::read(s_->wake_fd, &drained, sizeof drained);
      s_->drain_locked();
    }
    std::vector<char> &m = s_->queue.front();
    if (m.size() > len)
      return fail(ERROR_INSUFFICIENT_BUFFER); // the message stays for a larger buffer
    if (!m.empty())
      std::memcpy(buf, m.data(), m.size());
    *done = static_cast<DWORD>(m.size());
    s_->queue.pop_front();
    return true;
  }

  void info(DWORD *max, DWORD *next, DWORD *count, DWORD *timeout) {
    std::lock_guard lock(s_->mu);
    s_->drain_locked();
    if (max)
      *max = s_->max_size;
    if (next)
      *next = s_->queue.empty() ? MAILSLOT_NO_MESSAGE
                                : static_cast<DWORD>(s_->queue.front().size());
    if (count)
      *count = static_cast<DWORD>(s_->queue.size());
    if (timeout)
      *timeout = s_->timeout;
  }

  void set_timeout(DWORD t) {
    std::lock_guard lock(s_->mu);
    s_->timeout = t;
  }

private:
  std::shared_ptr<SlotState> s_;
  std::string dir_, link_, sock_name_;
};

// A server object on a bound socket (new, or inherited); nullptr with the last error set.
std::shared_ptr<MailslotServer> make_server(int sock, const SocketInfo &info, std::string dir,
                                            std::string link, std::string sock_name) {
  auto s = std::make_shared<SlotState>();
  s->sock = sock;
  s->max_size = info.max_size;
  s->timeout = info.timeout;
  s->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  // Non-blocking for the drain; a child inheriting the socket shares the flag, as intended.
  ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) | O_NONBLOCK);
  if (s->wake_fd < 0 || !watch_drain(s)) {
    int e = errno;
    ::close(sock);
    s->sock = -1;
    fail_errno(e);
    return nullptr;
  }
  return std::make_shared<MailslotServer>(s, std::move(dir), std::move(link),
                                          std::move(sock_name));
}

HANDLE create_mailslot(const char *name, bool name_is_null, DWORD max_size, DWORD timeout,
                       LPSECURITY_ATTRIBUTES sa) {
  if (name_is_null) {
    SetLastError(ERROR_PATH_NOT_FOUND);
    return INVALID_HANDLE_VALUE;
  }
  std::string host, rest;
  if (!split_name(name, &host, &rest) || host != "." || rest.empty()) {
    SetLastError(ERROR_INVALID_NAME); // a server slot is always local: \\.\mailslot\...
    return INVALID_HANDLE_VALUE;
  }
  const std::string &dir = slot_dir();
  if (dir.empty())
    return INVALID_HANDLE_VALUE;
  std::string link = object_file_name(rest);
  std::string link_path = dir + "/" + link;

  DirLock lock(dir);
  if (!lock.ok()) {
    fail_errno(errno);
    return INVALID_HANDLE_VALUE;
  }
  std::string old = read_link(link_path);
  struct stat st;
  if (!old.empty() || ::lstat(link_path.c_str(), &st) == 0) {
    int err = 0;
    if (!old.empty() && socket_alive(dir, old, &err)) {
      SetLastError(ERROR_ALREADY_EXISTS);
      return INVALID_HANDLE_VALUE;
    }
    // Its server is gone (closed without cleanup, or killed): take the name over.
    ::unlink(link_path.c_str());
    if (!old.empty() && old.find('/') == std::string::npos)
      ::unlink((dir + "/" + old).c_str());
  }
  uint64_t id = 0;
  if (::getrandom(&id, sizeof id, 0) != sizeof id)
    id = (static_cast<uint64_t>(::getpid()) << 32) ^ static_cast<uint64_t>(::time(nullptr));
  char sock_name[64];
  std::snprintf(sock_name, sizeof sock_name, "s-%016llx-%x-%x", static_cast<unsigned long long>(id),
                static_cast<unsigned>(max_size), static_cast<unsigned>(timeout));
  int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (sock < 0) {
    fail_errno(errno);
    return INVALID_HANDLE_VALUE;
  }
  sockaddr_un a;
  int dirfd = -1;
  bool bound = make_addr(dir, sock_name, &a, &dirfd) &&
               ::bind(sock, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
  int e = errno;
  if (dirfd >= 0)
    ::close(dirfd);
  if (!bound || ::symlink(sock_name, link_path.c_str()) < 0) {
    if (bound)
      e = errno;
    ::close(sock);
    if (bound)
      ::unlink((dir + "/" + sock_name).c_str());
    fail_errno(e);
    return INVALID_HANDLE_VALUE;
  }
  SocketInfo info{max_size, timeout};
  auto obj = make_server(sock, info, dir, link, sock_name);
  if (!obj)
    return INVALID_HANDLE_VALUE;
  HANDLE h = handle_insert(obj, GENERIC_READ | SYNCHRONIZE | FILE_READ_ATTRIBUTES |
                                    FILE_WRITE_ATTRIBUTES,
                           inherit_flags(sa));
  if (!h)
    return INVALID_HANDLE_VALUE;
  SetLastError(ERROR_SUCCESS);
  return h;
}

// ---- the client ----

class MailslotWriter final : public Object {
public:
  MailslotWriter(int fd, DWORD max_size, bool can_write)
      : fd_(fd), max_size_(max_size), can_write_(can_write) {}
  ~MailslotWriter() override { ::close(fd_); }
  ObjectKind kind() const noexcept override { return ObjectKind::Mailslot; }
  int inherit_fd() const override { return fd_; }
  char inherit_kind() const override { return 'W'; }

  bool read(void *, DWORD, DWORD *) override { return fail(ERROR_ACCESS_DENIED); }

  bool write(const void *buf, DWORD len, DWORD *done) override {
    if (!can_write_)
      return fail(ERROR_ACCESS_DENIED);
    if (max_size_ != 0 && len > max_size_)
      return fail(ERROR_INVALID_PARAMETER); // larger than CreateMailslot's nMaxMessageSize
    ssize_t r;
    if (len <= kInlineMax) {
      do
        r = ::send(fd_, buf, len, MSG_NOSIGNAL);
      while (r < 0 && errno == EINTR);
    } else {
      r = send_as_memfd(buf, len);
    }
    if (r < 0) {
      // The server closed the slot: Windows' mailslot driver fails writes on a handle
      // whose mailslot is gone with STATUS_FILE_FORCED_CLOSED -> ERROR_HANDLE_EOF.
      if (errno == ECONNREFUSED || errno == ENOTCONN || errno == EPIPE ||
          errno == ECONNRESET)
        return fail(ERROR_HANDLE_EOF);
      return fail_errno(errno);
    }
    *done = len;
    return true;
  }

private:
  ssize_t send_as_memfd(const void *buf, size_t len) {
    int mfd = memfd_with("mailslot-message", buf, len);
    if (mfd < 0)
      return -1;
    ssize_t r = send_fds(fd_, nullptr, 0, &mfd, 1, 0);
    int e = errno;
    ::close(mfd);
    errno = e;
    return r;
  }


  int fd_;
  DWORD max_size_;
  bool can_write_;
};

} // namespace

bool is_mailslot_name(const std::string &win_name) {
  std::string host, rest;
  return split_name(win_name, &host, &rest);
}

HANDLE mailslot_open_client(const std::string &win_name, DWORD access,
                            LPSECURITY_ATTRIBUTES sa) {
  std::string host, rest;
  if (!split_name(win_name, &host, &rest) || rest.empty()) {
    SetLastError(ERROR_FILE_NOT_FOUND);
    return INVALID_HANDLE_VALUE;
  }
  // \\.\, \\*\ (the domain broadcast) and \\NAME\ all reach the local slot: there is no
  // network transport (docs/porting-win32-to-linux.md).
  const std::string &dir = slot_dir();
  if (dir.empty())
    return INVALID_HANDLE_VALUE;
  std::string target = read_link(dir + "/" + object_file_name(rest));
  SocketInfo info;
  if (target.empty() || !parse_socket_name(target, &info)) {
    SetLastError(ERROR_FILE_NOT_FOUND);
    return INVALID_HANDLE_VALUE;
  }
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail_errno(errno);
    return INVALID_HANDLE_VALUE;
  }
  int err = connect_to(fd, dir, target);
  if (err) {
    ::close(fd);
    SetLastError(err == ECONNREFUSED || err == ENOENT ? static_cast<DWORD>(ERROR_FILE_NOT_FOUND)
                                                      : win32_error_from_errno(err));
    return INVALID_HANDLE_VALUE;
  }
  auto obj = std::make_shared<MailslotWriter>(fd, info.max_size, (access & kWriteRights) != 0);
  HANDLE h = handle_insert(obj, access | SYNCHRONIZE,
                           inherit_flags(sa));
  if (!h)
    return INVALID_HANDLE_VALUE;
  SetLastError(ERROR_SUCCESS);
  return h;
}

ObjectPtr mailslot_adopt(int fd, bool server) {
  std::string name = socket_file_of(fd, !server);
  SocketInfo info;
  if (!parse_socket_name(name, &info)) {
    ::close(fd);
    return nullptr;
  }
  if (!server) // access was checked in the parent; the inherited entry keeps its rights
    return std::make_shared<MailslotWriter>(fd, info.max_size, true);
  // The child does not know the slot's name: on close it removes the socket file only
  // if it was the last holder; the dangling name is then replaced by the next creator.
  const std::string &dir = slot_dir();
  return make_server(fd, info, dir, std::string(), name);
}

} // namespace wop

using namespace wop;

extern "C" {

HANDLE WINAPI CreateMailslotA(LPCSTR name, DWORD max_size, DWORD timeout,
                              LPSECURITY_ATTRIBUTES sa) {
  return create_mailslot(name ? name : "", name == nullptr, max_size, timeout, sa);
}

HANDLE WINAPI CreateMailslotW(LPCWSTR name, DWORD max_size, DWORD timeout,
                              LPSECURITY_ATTRIBUTES sa) {
  std::string utf8 = name ? utf8_from_utf16(name) : std::string();
  return create_mailslot(utf8.c_str(), name == nullptr, max_size, timeout, sa);
}

BOOL WINAPI GetMailslotInfo(HANDLE h, LPDWORD max_size, LPDWORD next_size, LPDWORD count,
                            LPDWORD timeout) {
  auto s = handle_object<MailslotServer>(h);
  if (!s)
    return FALSE;
  s->info(max_size, next_size, count, timeout);
  return TRUE;
}

BOOL WINAPI SetMailslotInfo(HANDLE h, DWORD timeout) {
  auto s = handle_object<MailslotServer>(h);
  if (!s)
    return FALSE;
  s->set_timeout(timeout);
  return TRUE;
}

} // extern "C"
