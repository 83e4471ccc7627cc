// Named pipes: CreateNamedPipe, ConnectNamedPipe, DisconnectNamedPipe, WaitNamedPipe, the
// client side CreateFile opens for \\.\pipe\NAME (and \\THISHOST\pipe\NAME),
// PeekNamedPipe, GetNamedPipeInfo, Get/SetNamedPipeHandleState, TransactNamedPipe,
// CallNamedPipe, FlushFileBuffers, GetNamedPipeClient/ServerProcessId, and overlapped I/O
// on pipe handles opened with FILE_FLAG_OVERLAPPED.
//
// Names: <runtime dir>/pipe/<escaped lower-cased name>/ holds, per server instance, a lock
// file "i-<id>-<config>" the instance holds an exclusive flock on for its whole life, and,
// while the instance listens, an AF_UNIX socket "s-<id>-<config>" (listen backlog 0: one
// client can queue on it, the next gets EAGAIN -> ERROR_PIPE_BUSY). <config> carries the
// pipe's type, access, instance limit, buffer sizes and default timeout, so a client learns
// them from the directory listing. An instance whose lock is free was killed: its files are
// removed by the next creator. Creation and removal hold pipe/.lock; nothing ever removes a
// live instance's files, so a second server never takes over a first one's endpoint.
//
// Data path: one sendmsg/recvmsg per WriteFile/ReadFile on the socket the two processes
// share. Byte pipes are SOCK_STREAM. Message pipes are SOCK_SEQPACKET; every record starts
// with one kind byte, so a zero-length message is a 1-byte record and 0 from recvmsg is
// only ever EOF. A record is received into [kind, caller's buffer, scratch]: what did not
// fit the caller's buffer is kept in the handle (ERROR_MORE_DATA, the rest readable next).
// Messages over 64 KiB travel as a memfd (SCM_RIGHTS). A page shared by the two ends (a
// memfd the client sends with its hello) counts bytes and messages sent and consumed per
// direction (PeekNamedPipe's totals, FlushFileBuffers) and says whether the server
// disconnected (ERROR_PIPE_NOT_CONNECTED rather than ERROR_BROKEN_PIPE).
#include "trace.hpp"
#include "fd_io.hpp"
#include "named_object.hpp"
#include "object.hpp"
#include "sync_object.hpp"
#include "text.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <mutex>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace wop {

namespace {

constexpr DWORD kReadRights = GENERIC_READ | GENERIC_ALL | FILE_READ_DATA;
constexpr DWORD kWriteRights = GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA | FILE_APPEND_DATA;
constexpr size_t kInlineMax = 64 * 1024;
constexpr char kRecData = 0, kRecMemfd = 1, kRecHello = 2;
constexpr DWORD kDefaultWaitMs = 50; // WaitNamedPipe's default when the server gave 0

// ---- names ----

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool ieq(const std::string &a, const std::string &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

// UTF-16 units of a UTF-8 string (names are limited in WCHARs).
size_t utf16_length(const std::string &s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80)
      n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

// "\\HOST\pipe\NAME" (either slash) -> NAME lower-cased. 0, or the error Windows gives:
// ERROR_INVALID_NAME (not a \\ name, or an empty one), ERROR_PATH_NOT_FOUND (\\.\OTHER\...: a
// path that does not exist), ERROR_FILENAME_EXCED_RANGE (over 256 characters),
// ERROR_BAD_NETPATH (another machine).
DWORD parse_name(const std::string &raw, std::string *rest) {
  std::string s = raw;
  for (char &c : s)
    if (c == '/')
      c = '\\';
  if (s.size() < 2 || s[0] != '\\' || s[1] != '\\')
    return ERROR_INVALID_NAME;
  size_t host_end = s.find('\\', 2);
  if (host_end == std::string::npos || host_end == 2)
    return ERROR_INVALID_NAME;
  std::string host = s.substr(2, host_end - 2);
  std::string prefix = s.substr(host_end + 1, 5);
  if (!ieq(prefix, "pipe\\"))
    return ERROR_PATH_NOT_FOUND;
  if (!is_this_host(host)) {
    // No network transport: other machines are unreachable.
    WOP_TRACE_UNSUPPORTED("named pipe", "\\\\HOST\\pipe\\ names another machine: remote "
                          "pipes are not supported (no network transport) -> "
                          "ERROR_BAD_NETPATH (CreateNamedPipe: ERROR_INVALID_NAME)");
    return ERROR_BAD_NETPATH;
  }
  *rest = s.substr(host_end + 6);
  if (utf16_length(raw) > 256)
    return ERROR_FILENAME_EXCED_RANGE;
  if (rest->empty())
    return ERROR_INVALID_NAME;
  for (char &c : *rest)
    c = lower(c);
  return 0;
}

// ---- the name's directory ----

struct PipeConfig {
  DWORD flags = 0; // PIPE_ACCESS_INBOUND | PIPE_ACCESS_OUTBOUND | PIPE_TYPE_MESSAGE
  DWORD max_inst = 0, out_size = 0, in_size = 0, timeout = 0;
  bool message() const { return flags & PIPE_TYPE_MESSAGE; }
  bool same(const PipeConfig &o) const { return flags == o.flags && max_inst == o.max_inst; }
};

std::string entry_name(char kind, uint64_t id, const PipeConfig &c) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%c-%016llx-%x-%x-%x-%x-%x", kind,
                static_cast<unsigned long long>(id), c.flags, c.max_inst, c.out_size, c.in_size,
                c.timeout);
  return buf;
}

bool parse_entry(const char *name, char kind, PipeConfig *c) {
  unsigned long long id;
  int used = 0;
  char k = 0;
  if (std::sscanf(name, "%c-%16llx-%x-%x-%x-%x-%x%n", &k, &id, &c->flags, &c->max_inst,
                  &c->out_size, &c->in_size, &c->timeout, &used) != 7 ||
      k != kind || name[used] != 0)
    return false;
  return true;
}

const std::string &pipe_dir() {
  static const std::string dir = private_subdir("pipe");
  if (dir.empty())
    fail(ERROR_ACCESS_DENIED);
  return dir;
}

bool instance_alive(const std::string &dir, const char *name) {
  int fd = ::open((dir + "/" + name).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return false;
  bool alive = ::flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return alive;
}

struct Scan {
  int live = 0;
  bool have = false;
  PipeConfig cfg;
  std::vector<std::string> sockets; // listening instances' socket files
};

// The live instances of a name; with clean (under DirLock), removes dead ones' files.
Scan scan(const std::string &dir, bool clean) {
  Scan out;
  DIR *d = ::opendir(dir.c_str());
  if (!d)
    return out;
  std::vector<std::string> socks;
  while (dirent *e = ::readdir(d)) {
    PipeConfig c;
    if (parse_entry(e->d_name, 's', &c)) {
      socks.push_back(e->d_name);
      continue;
    }
    if (parse_entry(e->d_name, 't', &c)) { // a listener being set up, or left by a crash
      if (clean && !instance_alive(dir, ("i" + std::string(e->d_name + 1)).c_str()))
        ::unlink((dir + "/" + e->d_name).c_str());
      continue;
    }
    if (!parse_entry(e->d_name, 'i', &c))
      continue;
    if (instance_alive(dir, e->d_name)) {
      ++out.live;
      out.have = true;
      out.cfg = c;
    } else if (clean) {
      ::unlink((dir + "/" + e->d_name).c_str());
    }
  }
  ::closedir(d);
  for (auto &s : socks) {
    std::string i = "i" + s.substr(1);
    if (instance_alive(dir, i.c_str()))
      out.sockets.push_back(s);
    else if (clean)
      ::unlink((dir + "/" + s).c_str());
  }
  return out;
}

// ---- a connection ----

// Shared by the two ends of one connection. Direction 0: client to server; 1: back.
// Each counter sits on a cache line only one side writes, so the two processes do not bounce
// lines on every message.
struct alignas(64) Counter {
  std::atomic<uint64_t> bytes;
  std::atomic<uint64_t> msgs;
};
struct ConnPage {
  std::atomic<uint32_t> disconnected; // the server called DisconnectNamedPipe
  std::atomic<uint32_t> flushers;     // threads in FlushFileBuffers
  WaitWord word;                      // bumped on consumption while flushers, and on disconnect
  Counter sent[2], got[2];            // per direction: what the writer sent, the reader took
};
static_assert(sizeof(ConnPage) <= 4096);

struct Conn {
  int fd = -1;
  ConnPage *page = nullptr;
  int page_fd = -1; // kept to hand the connection to another process
  pid_t peer_pid = 0;
  bool message = false;
  std::mutex rd_mu; // the remainder of a message and record-level reads
  std::vector<char> rem;
  size_t rem_off = 0;
  bool rem_active = false;
  ~Conn() {
    if (fd >= 0)
      ::close(fd);
    if (page_fd >= 0)
      ::close(page_fd);
    if (page)
      ::munmap(page, 4096);
  }
  // Called under rd_mu; an inherited copy of the end may read in another process, so the
  // counters take atomic adds.
  void consumed(int dir, size_t bytes, bool whole) {
    Counter &g = page->got[dir];
    g.bytes.fetch_add(bytes, std::memory_order_release);
    if (whole)
      g.msgs.fetch_add(1, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (page->flushers.load(std::memory_order_relaxed))
      page->word.notify();
  }
};
using ConnPtr = std::shared_ptr<Conn>;

ConnPage *map_page(int memfd) {
  void *p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<ConnPage *>(p);
}

pid_t peer_pid_of(int fd) {
  ucred cr{};
  socklen_t len = sizeof cr;
  return ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 ? cr.pid : 0;
}

enum class Io { Ok, More, Again, Fail };

// The error for a connection the peer has left.
DWORD gone_error(const Conn &c) {
  return c.page->disconnected.load() ? ERROR_PIPE_NOT_CONNECTED : ERROR_BROKEN_PIPE;
}

// One record of a message pipe into buf (the part that fits) and the remainder (caller
// holds rd_mu). Sets *copied and *whole.
Io take_record(Conn &c, int dir, char *buf, size_t len, int flags, size_t *copied, bool *whole) {
  static thread_local std::vector<char> scratch(kInlineMax);
  char kind = 0;
  iovec iov[3] = {{&kind, 1}, {buf, len}, {scratch.data(), scratch.size()}};
  int passed = -1;
  int n = static_cast<int>(recv_fds(c.fd, iov, 3, flags, &passed, 1, nullptr));
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return Io::Again;
    if (errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN)
      return fail(gone_error(c)) ? Io::Fail : Io::Fail;
    fail_errno(errno);
    return Io::Fail;
  }
  if (n == 0) { // every record has its kind byte: this is the end
    fail(gone_error(c));
    return Io::Fail;
  }
  size_t payload = static_cast<size_t>(n) - 1;
  if (kind == kRecMemfd && passed >= 0) {
    std::vector<char> all = read_memfd(passed);
    ::close(passed);
    payload = all.size();
    size_t k = std::min(len, payload);
    if (k)
      std::memcpy(buf, all.data(), k);
    if (payload > len) {
      c.rem.assign(all.begin() + static_cast<ptrdiff_t>(len), all.end());
      c.rem_off = 0;
      c.rem_active = true;
    }
  } else {
    if (passed >= 0)
      ::close(passed);
    if (payload > len) {
      c.rem.assign(scratch.begin(), scratch.begin() + static_cast<ptrdiff_t>(payload - len));
      c.rem_off = 0;
      c.rem_active = true;
    }
  }
  *copied = std::min(len, payload);
  *whole = payload <= len;
  c.consumed(dir, *copied, *whole);
  return Io::Ok;
}

// From the kept remainder of a message (caller holds rd_mu).
size_t take_remainder(Conn &c, int dir, char *buf, size_t len, bool *whole) {
  size_t k = std::min(len, c.rem.size() - c.rem_off);
  if (k)
    std::memcpy(buf, c.rem.data() + c.rem_off, k);
  c.rem_off += k;
  *whole = c.rem_off == c.rem.size();
  if (*whole) {
    c.rem_active = false;
    c.rem.clear();
    c.rem_off = 0;
  }
  c.consumed(dir, k, *whole);
  return k;
}

// ReadFile's core. flags: 0 (block) or MSG_DONTWAIT.
Io conn_read(Conn &c, int dir, bool msg_mode, char *buf, DWORD len, DWORD *done, int flags) {
  std::lock_guard g(c.rd_mu);
  *done = 0;
  if (c.page->disconnected.load(std::memory_order_acquire)) {
    fail(ERROR_PIPE_NOT_CONNECTED); // unread data is discarded
    return Io::Fail;
  }
  if (!c.message) {
    if (len == 0) // nothing to wait for: Windows completes zero-byte byte-pipe reads at once
      return Io::Ok;
    ssize_t n;
    do
      n = ::recv(c.fd, buf, len, flags);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return Io::Again;
    if (n <= 0) {
      fail(n == 0 || errno == ECONNRESET ? gone_error(c) : win32_error_from_errno(errno));
      return Io::Fail;
    }
    *done = static_cast<DWORD>(n);
    c.consumed(dir, static_cast<size_t>(n), false);
    return Io::Ok;
  }
  size_t total = 0;
  bool whole = true;
  if (msg_mode) {
    if (c.rem_active)
      total = take_remainder(c, dir, buf, len, &whole);
    else {
      Io r = take_record(c, dir, buf, len, flags, &total, &whole);
      if (r != Io::Ok)
        return r;
    }
    *done = static_cast<DWORD>(total);
    if (!whole) {
      fail(ERROR_MORE_DATA);
      return Io::More;
    }
    return Io::Ok;
  }
  // Byte read mode on a message pipe: across message boundaries, blocking only for the first.
  bool first = true;
  while (total < len || first) {
    size_t k = 0;
    if (c.rem_active) {
      k = take_remainder(c, dir, buf + total, len - total, &whole);
    } else {
      Io r = take_record(c, dir, buf + total, len - total, first ? flags : MSG_DONTWAIT, &k,
                         &whole);
      if (r == Io::Again && !first)
        break;
      if (r != Io::Ok) {
        if (total > 0 && r == Io::Fail)
          break; // what was read is returned; the end shows on the next read
        return r;
      }
    }
    total += k;
    first = false;
    if (total == len)
      break;
  }
  *done = static_cast<DWORD>(total);
  SetLastError(0);
  return Io::Ok;
}

// WriteFile's core; *done counts what was sent. Messages are all or nothing.
Io conn_write(Conn &c, int dir, const char *buf, DWORD len, DWORD *done, int flags,
              DWORD offset = 0) {
  *done = offset;
  if (c.page->disconnected.load(std::memory_order_acquire)) {
    fail(ERROR_PIPE_NOT_CONNECTED);
    return Io::Fail;
  }
  auto broken = [&](int err) {
    if (err == EAGAIN || err == EWOULDBLOCK)
      return Io::Again;
    if (err == EPIPE || err == ECONNRESET || err == ENOTCONN)
      fail(c.page->disconnected.load() ? ERROR_PIPE_NOT_CONNECTED : ERROR_NO_DATA);
    else
      fail_errno(err);
    return Io::Fail;
  };
  if (!c.message) {
    size_t put = offset;
    while (put < len) {
      ssize_t r;
      do
        r = ::send(c.fd, buf + put, len - put, flags | MSG_NOSIGNAL);
      while (r < 0 && errno == EINTR);
      if (r < 0) {
        Io res = broken(errno);
        *done = static_cast<DWORD>(put);
        return res;
      }
      c.page->sent[dir].bytes.fetch_add(static_cast<uint64_t>(r));
      put += static_cast<size_t>(r);
    }
    *done = len;
    return Io::Ok;
  }
  c.page->sent[dir].bytes.fetch_add(len);
  c.page->sent[dir].msgs.fetch_add(1);
  char kind = kRecData;
  iovec iov[2] = {{&kind, 1}, {const_cast<char *>(buf), len}};
  ssize_t r = -1;
  int err = 0;
  if (len <= kInlineMax) {
    r = send_fds(c.fd, iov, 2, nullptr, 0, flags);
    err = errno;
  }
  if (len > kInlineMax || (r < 0 && err == EMSGSIZE)) {
    int mfd = memfd_with("pipe-message", buf, len);
    kind = kRecMemfd;
    iov[1].iov_len = 0;
    r = mfd >= 0 ? send_fds(c.fd, iov, 1, &mfd, 1, flags) : -1;
    err = errno;
    if (mfd >= 0)
      ::close(mfd);
  }
  if (r < 0) {
    c.page->sent[dir].bytes.fetch_sub(len);
    c.page->sent[dir].msgs.fetch_sub(1);
    return broken(err);
  }
  *done = len;
  return Io::Ok;
}

// A new connection's shared page.
int make_page_fd() {
  int mfd = ::memfd_create("pipe-connection", MFD_CLOEXEC);
  if (mfd >= 0 && ::ftruncate(mfd, 4096) < 0) {
    ::close(mfd);
    return -1;
  }
  return mfd;
}

// ---- the pipe handle ----

struct PipeParcel;

class NamedPipe final : public Object, public std::enable_shared_from_this<NamedPipe> {
public:
  enum class State { Listening, Connected, Disconnected };

  NamedPipe(bool server, const PipeConfig &cfg, bool overlapped, bool can_read, bool can_write)
      : server_(server), cfg_(cfg), overlapped_(overlapped), can_read_(can_read),
        can_write_(can_write) {}

  ~NamedPipe() override {
    std::deque<IoRequest> aborted;
    {
      std::lock_guard g(io_mu_);
      for (auto *q : {&pend_rd_, &pend_wr_, &pend_conn_})
        for (auto &r : *q)
          aborted.push_back(r);
    }
    for (uint64_t w : {watch_rd_, watch_wr_, watch_conn_})
      monitor_unwatch(w);
    for (auto &r : aborted)
      io_complete(r, ERROR_OPERATION_ABORTED, 0);
    const bool shared = shared_.load();
    // Wakes a peer blocked on the connection even if a stray copy of the socket lingers;
    // not when another process was handed this end on purpose (it goes on using it).
    if (conn_ && conn_->fd >= 0 && !shared)
      ::shutdown(conn_->fd, SHUT_RDWR);
    if (server_) {
      DirLock lock(pipe_dir());
      if (shared)
        release_shared_instance();
      else
        close_listener();
      if (lock_fd_ >= 0) {
        ::unlink((dir_ + "/" + entry_name('i', id_, cfg_)).c_str());
        ::close(lock_fd_);
      }
      ::rmdir(dir_.c_str()); // only if this was the name's last instance
    }
  }

  // Inheritance and DuplicateHandle into another process: the descriptor is the
  // connection's socket (what a plain Linux child reads or writes as a std handle) or, for
  // a server not connected, the instance lock; the parcel carries the rest.
  int inherit_fd() const override { return server_ ? lock_fd_ : conn_ ? conn_->fd : -1; }
  char inherit_kind() const override { return 'P'; }
  int spawn_fds(std::vector<int> &temps, int *extra) const override;
  // The other side of spawn_fds (named_pipe_adopt): takes fd and the parcel's descriptors.
  bool adopt(const PipeParcel &pp, int fd, int page_fd, int lock_fd, int listen_fd);

  ObjectKind kind() const noexcept override { return ObjectKind::NamedPipe; }
  DWORD file_type() const override { return FILE_TYPE_PIPE; }
  bool overlapped() const override { return overlapped_; }
  WaitWord *wait_word() override { return &io_word_; }
  WaitCheck wait_check(WaitToken &) override {
    return io_signalled_.load() ? WaitCheck::Ready : WaitCheck::NotReady;
  }

  // Server: the instance's files, listening. False with the last error set.
  bool start_server(const std::string &dir, uint64_t id, int lock_fd) {
    dir_ = dir;
    id_ = id;
    lock_fd_ = lock_fd;
    return listen_locked();
  }

  void set_client(ConnPtr c) {
    conn_ = std::move(c);
    state_ = State::Connected;
  }

  int in_dir() const { return server_ ? 0 : 1; }
  int out_dir() const { return server_ ? 1 : 0; }

  // The connection for a read or write, or nullptr with the error a pipe in this state gives.
  // hold keeps a server's connection alive across the call (DisconnectNamedPipe may drop
  // it meanwhile); a client's never changes, so its data path takes no reference or lock.
  Conn *io_conn(ConnPtr &hold) {
    if (!server_)
      return conn_.get();
    std::lock_guard g(mu_);
    if (state_ == State::Listening && !try_accept_locked())
      return fail(ERROR_PIPE_LISTENING), nullptr;
    if (state_ == State::Disconnected || !conn_)
      return fail(ERROR_PIPE_NOT_CONNECTED), nullptr;
    hold = conn_;
    return hold.get();
  }
  ConnPtr io_conn() {
    ConnPtr hold;
    Conn *c = io_conn(hold);
    return c ? (hold ? hold : conn_) : nullptr;
  }

  bool read(void *buf, DWORD len, DWORD *done) override {
    if (!can_read_)
      return fail(ERROR_ACCESS_DENIED);
    ConnPtr hold;
    Conn *c = io_conn(hold);
    if (!c)
      return false;
    Io r = conn_read(*c, in_dir(), msg_read_, static_cast<char *>(buf), len, done,
                     nowait_ ? MSG_DONTWAIT : 0);
    if (r == Io::Again)
      return fail(ERROR_NO_DATA); // PIPE_NOWAIT and nothing to read
    return r == Io::Ok;
  }

  bool write(const void *buf, DWORD len, DWORD *done) override {
    if (!can_write_)
      return fail(ERROR_ACCESS_DENIED);
    ConnPtr hold;
    Conn *c = io_conn(hold);
    if (!c)
      return false;
    Io r = conn_write(*c, out_dir(), static_cast<const char *>(buf), len, done,
                      nowait_ ? MSG_DONTWAIT : 0);
    if (r == Io::Again)
      return SetLastError(0), true; // PIPE_NOWAIT: what fits (a whole message or nothing)
    return r == Io::Ok;
  }

  bool peek(void *buf, DWORD len, DWORD *read, DWORD *avail, DWORD *left) override {
    ConnPtr c;
    {
      std::lock_guard g(mu_);
      if (state_ == State::Listening && !try_accept_locked())
        return fail(ERROR_BAD_PIPE);
      if (state_ == State::Disconnected || !conn_)
        return fail(ERROR_PIPE_NOT_CONNECTED);
      c = conn_;
    }
    if (!can_read_)
      return fail(ERROR_ACCESS_DENIED);
    std::lock_guard g(c->rd_mu);
    if (c->page->disconnected.load())
      return fail(ERROR_PIPE_NOT_CONNECTED);
    const int dir = in_dir();
    DWORD total = 0, first = 0, copied = 0;
    char *out = static_cast<char *>(buf);
    if (!c->message) {
      int n = 0;
      if (::ioctl(c->fd, FIONREAD, &n) < 0)
        return fail_errno(errno);
      total = static_cast<DWORD>(n);
      if (buf && len && n > 0) {
        ssize_t r = ::recv(c->fd, buf, std::min<DWORD>(len, total), MSG_PEEK | MSG_DONTWAIT);
        copied = r > 0 ? static_cast<DWORD>(r) : 0;
      }
    } else {
      total = static_cast<DWORD>(c->page->sent[dir].bytes.load() - c->page->got[dir].bytes.load());
      if (c->rem_active) {
        first = static_cast<DWORD>(c->rem.size() - c->rem_off);
        copied = buf ? std::min(len, first) : 0;
        if (copied)
          std::memcpy(out, c->rem.data() + c->rem_off, copied);
      } else {
        char kind = 0;
        static thread_local std::vector<char> scratch(kInlineMax);
        iovec iov[2] = {{&kind, 1}, {buf ? out : scratch.data(), buf ? len : 0}};
        int passed = -1, mflags = 0;
        int n = static_cast<int>(recv_fds(c->fd, iov, 2, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC,
                                          &passed, 1, &mflags));
        if (n > 0) {
          if (kind == kRecMemfd && passed >= 0) {
            std::vector<char> all = read_memfd(passed);
            first = static_cast<DWORD>(all.size());
            copied = buf ? std::min<DWORD>(len, first) : 0;
            if (copied)
              std::memcpy(out, all.data(), copied);
          } else {
            first = static_cast<DWORD>(n - 1);
            copied = buf ? std::min(len, first) : 0;
          }
        }
        if (passed >= 0)
          ::close(passed);
      }
    }
    if (total == 0 && !c->rem_active && peer_gone(*c))
      return fail(gone_error(*c));
    if (read)
      *read = copied;
    if (avail)
      *avail = total;
    if (left)
      *left = c->message ? first - copied : 0;
    return true;
  }

  static bool peer_gone(const Conn &c) {
    pollfd p{c.fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
  }

  // ---- server side ----

  // ConnectNamedPipe.
  bool connect(OVERLAPPED *ov) {
    if (!server_)
      return fail(ERROR_INVALID_FUNCTION);
    std::unique_lock g(mu_);
    if (state_ == State::Connected) {
      return fail(conn_ && peer_gone(*conn_) ? ERROR_NO_DATA : ERROR_PIPE_CONNECTED);
    }
    if (state_ == State::Disconnected && !listen_locked())
      return false;
    if (try_accept_locked())
      return fail(ERROR_PIPE_CONNECTED);
    if (nowait_)
      return fail(ERROR_PIPE_LISTENING);
    if (ov && overlapped_) {
      g.unlock();
      IoRequest r;
      r.op = IoRequest::Connect;
      r.ov = ov;
      r.event = event_of(ov);
      r.tid = current_tid();
      return submit(r);
    }
    while (state_ == State::Listening) {
      int lfd = listen_fd_;
      g.unlock();
      pollfd p{lfd, POLLIN, 0};
      ::poll(&p, 1, -1);
      g.lock();
      if (state_ != State::Listening)
        break;
      if (listen_fd_ == lfd && (p.revents & POLLIN))
        accept_locked();
    }
    return state_ == State::Connected ? true : fail(ERROR_PIPE_NOT_CONNECTED);
  }

  bool disconnect() {
    if (!server_)
      return fail(ERROR_INVALID_FUNCTION);
    std::lock_guard g(mu_);
    if (state_ == State::Listening && !try_accept_locked())
      return fail(ERROR_PIPE_LISTENING);
    if (conn_) {
      conn_->page->disconnected.store(1, std::memory_order_release);
      conn_->page->word.notify();
      ::shutdown(conn_->fd, SHUT_RDWR);
      conn_.reset();
    }
    state_ = State::Disconnected;
    return true;
  }

  // ---- information ----

  PipeConfig config() const { return cfg_; }
  bool is_server() const { return server_; }
  const std::string &dir() const { return dir_; }
  void set_dir(const std::string &d) { dir_ = d; }
  DWORD state_flags() const {
    return (nowait_ ? PIPE_NOWAIT : 0) | (msg_read_ ? PIPE_READMODE_MESSAGE : 0);
  }
  void set_mode(bool msg_read, bool nowait) {
    msg_read_ = msg_read;
    nowait_ = nowait;
  }
  pid_t peer_pid() {
    std::lock_guard g(mu_);
    if (state_ == State::Listening)
      try_accept_locked();
    return conn_ ? conn_->peer_pid : 0;
  }
  ConnPtr connection() {
    std::lock_guard g(mu_);
    return conn_;
  }

  // ---- overlapped I/O ----

  static HANDLE event_of(OVERLAPPED *ov) {
    return reinterpret_cast<HANDLE>(reinterpret_cast<uintptr_t>(ov->hEvent) & ~uintptr_t{1});
  }

  bool submit(IoRequest &r) override {
    ConnPtr c;
    if (r.op != IoRequest::Connect) {
      if (r.op == IoRequest::Read ? !can_read_ : !can_write_)
        return fail(ERROR_ACCESS_DENIED);
      c = io_conn();
      if (!c)
        return false;
    }
    io_signalled_.store(false);
    std::unique_lock g(io_mu_);
    auto &q = queue_of(r.op);
    if (q.empty()) {
      DWORD done = 0;
      Io res = attempt(r, c, &done);
      if (res != Io::Again) {
        DWORD err = res == Io::Ok ? 0 : GetLastError();
        g.unlock();
        if (res == Io::Fail) { // refused before it started: no completion is posted
          signal_handle();
          return fail(err);
        }
        io_complete(r, err, done);
        signal_handle();
        return err ? fail(err) : (SetLastError(0), true);
      }
    }
    r.ov->Internal = STATUS_PENDING;
    r.ov->InternalHigh = 0;
    q.push_back(r);
    arm_locked(r.op, c);
    return fail(ERROR_IO_PENDING);
  }

  bool cancel(OVERLAPPED *ov, pid_t tid) override {
    std::vector<IoRequest> out;
    {
      std::lock_guard g(io_mu_);
      for (auto op : {IoRequest::Read, IoRequest::Write, IoRequest::Connect}) {
        auto &q = queue_of(op);
        for (auto it = q.begin(); it != q.end();) {
          if ((ov && it->ov == ov) || (!ov && (tid == 0 || it->tid == tid))) {
            out.push_back(*it);
            it = q.erase(it);
          } else {
            ++it;
          }
        }
        if (q.empty() && monitor_unwatch(watch_of(op)))
          watch_of(op) = 0;
      }
    }
    if (out.empty())
      return fail(ERROR_NOT_FOUND);
    for (auto &r : out)
      io_complete(r, ERROR_OPERATION_ABORTED, 0);
    signal_handle();
    return true;
  }

  bool flush() override {
    ConnPtr c = connection();
    if (!c)
      return fail(server_ && state_ == State::Listening ? ERROR_PIPE_LISTENING
                                                         : ERROR_PIPE_NOT_CONNECTED);
    ConnPage *p = c->page;
    const int dir = out_dir();
    p->flushers.fetch_add(1);
    // The reader's death (its end closes) must wake us too: the monitor bumps the word.
    std::weak_ptr<Conn> weak = c;
    uint64_t w = monitor_watch_events(c->fd, EPOLLRDHUP | EPOLLHUP, [weak] {
      if (auto cc = weak.lock())
        cc->page->word.notify();
    });
    bool ok = true;
    for (;;) {
      uint32_t seen = p->word.seq.load();
      if (p->got[dir].bytes.load() >= p->sent[dir].bytes.load() &&
          p->got[dir].msgs.load() >= p->sent[dir].msgs.load())
        break;
      if (p->disconnected.load()) {
        ok = fail(ERROR_PIPE_NOT_CONNECTED);
        break;
      }
      if (peer_gone(*c)) {
        ok = fail(ERROR_BROKEN_PIPE);
        break;
      }
      p->word.waiters.fetch_add(1);
      ::syscall(SYS_futex, &p->word.seq, FUTEX_WAIT, seen, nullptr, nullptr, 0);
      p->word.waiters.fetch_sub(1);
    }
    monitor_unwatch(w);
    p->flushers.fetch_sub(1);
    return ok;
  }

private:
  std::deque<IoRequest> &queue_of(IoRequest::Op op) {
    return op == IoRequest::Read ? pend_rd_ : op == IoRequest::Write ? pend_wr_ : pend_conn_;
  }
  uint64_t &watch_of(IoRequest::Op op) {
    return op == IoRequest::Read ? watch_rd_ : op == IoRequest::Write ? watch_wr_ : watch_conn_;
  }

  void signal_handle() {
    io_signalled_.store(true);
    io_word_.notify();
  }

  // One non-blocking try at r (caller holds io_mu_).
  Io attempt(IoRequest &r, const ConnPtr &c, DWORD *done) {
    if (r.op == IoRequest::Connect) {
      std::lock_guard g(mu_);
      if (state_ == State::Connected)
        return Io::Ok;
      if (state_ != State::Listening)
        return fail(ERROR_PIPE_NOT_CONNECTED), Io::Fail;
      return try_accept_locked() ? Io::Ok : Io::Again;
    }
    if (r.op == IoRequest::Read)
      return conn_read(*c, in_dir(), msg_read_, static_cast<char *>(r.buf), r.len, done,
                       MSG_DONTWAIT);
    Io res = conn_write(*c, out_dir(), static_cast<const char *>(r.buf), r.len, done,
                        MSG_DONTWAIT, r.offset);
    r.offset = *done;
    return res;
  }

  // Watches the descriptor r's queue waits on (caller holds io_mu_).
  void arm_locked(IoRequest::Op op, ConnPtr c) {
    uint64_t &w = watch_of(op);
    if (w)
      return;
    int fd;
    uint32_t ev;
    if (op == IoRequest::Connect) {
      std::lock_guard g(mu_);
      fd = listen_fd_;
      ev = EPOLLIN;
    } else {
      fd = c->fd;
      ev = op == IoRequest::Read ? EPOLLIN | EPOLLRDHUP : EPOLLOUT;
    }
    std::weak_ptr<NamedPipe> weak = weak_from_this();
    w = monitor_watch_events(fd, ev, [weak, op] {
      if (auto self = weak.lock())
        self->on_ready(op);
    });
  }

  // On the monitor thread: runs the queued operations of op that can complete now.
  void on_ready(IoRequest::Op op) {
    std::vector<std::pair<IoRequest, std::pair<DWORD, DWORD>>> done_ops;
    {
      std::lock_guard g(io_mu_);
      watch_of(op) = 0;
      auto &q = queue_of(op);
      ConnPtr c = op == IoRequest::Connect ? nullptr : connection();
      while (!q.empty()) {
        IoRequest &r = q.front();
        DWORD done = 0;
        Io res = c || op == IoRequest::Connect ? attempt(r, c, &done)
                                               : (fail(ERROR_PIPE_NOT_CONNECTED), Io::Fail);
        if (res == Io::Again)
          break;
        done_ops.push_back({r, {res == Io::Ok ? 0 : GetLastError(), done}});
        q.pop_front();
      }
      if (!q.empty())
        arm_locked(op, c);
    }
    for (auto &d : done_ops)
      io_complete(d.first, d.second.first, d.second.second);
    if (!done_ops.empty())
      signal_handle();
  }

  // Binds the instance's socket (caller holds mu_ or owns the object alone).
  bool listen_locked() {
    int s = ::socket(AF_UNIX, (cfg_.message() ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC |
                                  SOCK_NONBLOCK, 0);
    if (s < 0)
      return fail_errno(errno);
    // Bound and listening under a temporary name, then renamed into place: a client that
    // sees the name (WaitNamedPipe watches for it) must never find it bound but not yet
    // listening (ECONNREFUSED, which it would take for a busy instance).
    std::string name = entry_name('s', id_, cfg_), tmp = entry_name('t', id_, cfg_);
    ::unlink((dir_ + "/" + name).c_str());
    ::unlink((dir_ + "/" + tmp).c_str());
    sockaddr_un a;
    int dirfd = -1;
    bool ok = make_addr(dir_, tmp, &a, &dirfd) &&
              ::bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 && ::listen(s, 0) == 0 &&
              ::rename((dir_ + "/" + tmp).c_str(), (dir_ + "/" + name).c_str()) == 0;
    int e = errno;
    if (!ok)
      ::unlink((dir_ + "/" + tmp).c_str());
    if (dirfd >= 0)
      ::close(dirfd);
    if (!ok) {
      ::close(s);
      return fail_errno(e);
    }
    listen_fd_ = s;
    state_ = State::Listening;
    return true;
  }

  void close_listener() {
    if (listen_fd_ < 0)
      return;
    ::unlink((dir_ + "/" + entry_name('s', id_, cfg_)).c_str());
    ::close(listen_fd_);
    listen_fd_ = -1;
  }

  // A client queued on the listener becomes the connection (caller holds mu_).
  bool try_accept_locked() {
    if (listen_fd_ < 0)
      return false;
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) != 1)
      return false;
    return accept_locked();
  }

  bool accept_locked() {
    // No other client may queue from now on: the name goes first, then the door.
    ::unlink((dir_ + "/" + entry_name('s', id_, cfg_)).c_str());
    ::shutdown(listen_fd_, SHUT_RD);
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    ::close(listen_fd_);
    listen_fd_ = -1;
    ConnPtr c;
    if (fd >= 0) {
      // The client sends its hello (the shared page) right after connecting.
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      char hello[2] = {};
      iovec iov{hello, cfg_.message() ? 1u : 2u};
      int passed = -1;
      int n = static_cast<int>(recv_fds(fd, &iov, 1, MSG_WAITALL, &passed, 1, nullptr));
      tv = timeval{0, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ConnPage *page = passed >= 0 && n > 0 && hello[0] == kRecHello ? map_page(passed) : nullptr;
      if (passed >= 0 && !page)
        ::close(passed);
      if (page) {
        c = std::make_shared<Conn>();
        c->fd = fd;
        c->page = page;
        c->page_fd = passed;
        c->message = cfg_.message();
        c->peer_pid = peer_pid_of(fd);
        size_t sz = std::max<size_t>({cfg_.out_size, cfg_.in_size, 256 * 1024});
        int isz = static_cast<int>(std::min<size_t>(sz, INT_MAX / 2));
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &isz, sizeof isz);
      } else {
        ::close(fd);
      }
    }
    if (!c) { // the client went away before it was accepted: listen again
      listen_locked();
      return false;
    }
    conn_ = std::move(c);
    state_ = State::Connected;
    return true;
  }

  // Closing a handle another process was also given: the instance lives while any process
  // holds its lock file open (one open file, so one flock); only the last holder removes
  // the files (caller holds the DirLock; lock_fd_ is then already closed).
  void release_shared_instance() {
    if (listen_fd_ >= 0)
      ::close(listen_fd_);
    listen_fd_ = -1;
    if (lock_fd_ >= 0)
      ::close(lock_fd_);
    lock_fd_ = -1;
    std::string ipath = dir_ + "/" + entry_name('i', id_, cfg_);
    int probe = ::open(ipath.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (probe >= 0 && ::flock(probe, LOCK_EX | LOCK_NB) == 0) {
      ::unlink((dir_ + "/" + entry_name('s', id_, cfg_)).c_str());
      ::unlink(ipath.c_str());
    }
    if (probe >= 0)
      ::close(probe);
  }

  const bool server_;
  const PipeConfig cfg_;
  const bool overlapped_;
  const bool can_read_, can_write_;
  std::atomic<bool> msg_read_{false}, nowait_{false}; // SetNamedPipeHandleState may race I/O
  // Handed to another process (spawn_fds) or received from one: the instance and the
  // connection are no longer this object's alone to end.
  mutable std::atomic<bool> shared_{false};

  mutable std::mutex mu_; // state_, conn_, listen_fd_
  State state_ = State::Listening;
  ConnPtr conn_;
  int listen_fd_ = -1;
  std::string dir_;
  uint64_t id_ = 0;
  int lock_fd_ = -1;

  std::mutex io_mu_; // the queues of overlapped operations and their watches
  std::deque<IoRequest> pend_rd_, pend_wr_, pend_conn_;
  uint64_t watch_rd_ = 0, watch_wr_ = 0, watch_conn_ = 0;
  WaitWord io_word_;
  std::atomic<bool> io_signalled_{true};
};

// What spawn_fds hands another process beside the descriptor: the end's settings and
// state; the descriptors ride with it as SCM_RIGHTS in this order: the connection's page,
// the instance lock, the listener (each only if present).
struct PipeParcel {
  static constexpr uint32_t kMagic = 0x70697065; // "pipe"
  uint32_t magic;
  uint8_t server, state, overlapped, can_read, can_write, msg_read, nowait;
  uint8_t has_page, has_lock, has_listen;
  PipeConfig cfg;
  uint64_t id;
  int32_t peer_pid;
  char dir[4096];
};

int NamedPipe::spawn_fds(std::vector<int> &temps, int *extra) const {
  *extra = -1;
  PipeParcel pp{};
  pp.magic = PipeParcel::kMagic;
  pp.server = server_;
  pp.overlapped = overlapped_;
  pp.can_read = can_read_;
  pp.can_write = can_write_;
  pp.msg_read = msg_read_.load();
  pp.nowait = nowait_.load();
  pp.cfg = cfg_;
  pp.id = id_;
  if (dir_.size() >= sizeof pp.dir)
    return -1;
  std::memcpy(pp.dir, dir_.c_str(), dir_.size() + 1);
  int fds[3], n = 0, primary;
  std::lock_guard g(mu_);
  pp.state = static_cast<uint8_t>(state_);
  if (conn_) {
    pp.has_page = 1;
    pp.peer_pid = conn_->peer_pid;
    fds[n++] = conn_->page_fd;
  }
  if (server_ && lock_fd_ >= 0) {
    pp.has_lock = 1;
    fds[n++] = lock_fd_;
  }
  if (server_ && listen_fd_ >= 0) {
    pp.has_listen = 1;
    fds[n++] = listen_fd_;
  }
  primary = conn_ ? conn_->fd : lock_fd_;
  int sp[2];
  if (primary < 0 || ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return -1;
  iovec iov{&pp, sizeof pp};
  ssize_t sent = send_fds(sp[0], &iov, 1, fds, n, 0);
  ::close(sp[0]);
  if (sent != static_cast<ssize_t>(sizeof pp)) {
    ::close(sp[1]);
    return -1;
  }
  temps.push_back(sp[1]);
  *extra = sp[1];
  shared_.store(true);
  return primary;
}

bool NamedPipe::adopt(const PipeParcel &pp, int fd, int page_fd, int lock_fd, int listen_fd) {
  dir_ = pp.dir;
  id_ = pp.id;
  lock_fd_ = lock_fd;
  listen_fd_ = listen_fd;
  state_ = static_cast<State>(pp.state);
  shared_.store(true);
  if (page_fd >= 0) {
    auto c = std::make_shared<Conn>();
    c->fd = fd;
    c->page_fd = page_fd;
    c->page = map_page(page_fd);
    c->message = cfg_.message();
    c->peer_pid = pp.peer_pid;
    if (!c->page)
      return false;
    conn_ = std::move(c);
  } else {
    ::close(fd); // a stand-in (the instance lock's descriptor again)
  }
  return server_ || conn_;
}

std::string name_dir(const std::string &rest) {
  const std::string &base = pipe_dir();
  return base.empty() ? std::string() : base + "/" + object_file_name(rest);
}

HANDLE create_named_pipe(const std::string &name, bool null_name, DWORD open_mode,
                         DWORD pipe_mode, DWORD max_inst, DWORD out_size, DWORD in_size,
                         DWORD timeout, LPSECURITY_ATTRIBUTES sa) {
  auto bad = [](DWORD e) {
    SetLastError(e);
    return INVALID_HANDLE_VALUE;
  };
  if (null_name)
    return bad(ERROR_PATH_NOT_FOUND);
  std::string rest;
  if (DWORD e = parse_name(name, &rest))
    return bad(e == ERROR_BAD_NETPATH ? ERROR_INVALID_NAME : e);
  const DWORD access = open_mode & PIPE_ACCESS_DUPLEX;
  const DWORD known_open = PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE |
                           FILE_FLAG_WRITE_THROUGH | FILE_FLAG_OVERLAPPED | WRITE_DAC |
                           WRITE_OWNER | ACCESS_SYSTEM_SECURITY;
  const DWORD known_mode = PIPE_NOWAIT | PIPE_READMODE_MESSAGE | PIPE_TYPE_MESSAGE |
                           PIPE_REJECT_REMOTE_CLIENTS;
  if (access == 0 || (open_mode & ~known_open) || (pipe_mode & ~known_mode) ||
      max_inst == 0 || max_inst > PIPE_UNLIMITED_INSTANCES ||
      ((pipe_mode & PIPE_READMODE_MESSAGE) && !(pipe_mode & PIPE_TYPE_MESSAGE)))
    return bad(ERROR_INVALID_PARAMETER);
  PipeConfig cfg;
  cfg.flags = access | (pipe_mode & PIPE_TYPE_MESSAGE);
  cfg.max_inst = max_inst;
  cfg.out_size = out_size;
  cfg.in_size = in_size;
  cfg.timeout = timeout;
  std::string dir = name_dir(rest);
  if (dir.empty())
    return INVALID_HANDLE_VALUE;
  bool can_read = access & PIPE_ACCESS_INBOUND, can_write = access & PIPE_ACCESS_OUTBOUND;
  auto obj = std::make_shared<NamedPipe>(true, cfg, (open_mode & FILE_FLAG_OVERLAPPED) != 0,
                                         can_read, can_write);
  obj->set_mode((pipe_mode & PIPE_READMODE_MESSAGE) != 0, (pipe_mode & PIPE_NOWAIT) != 0);
  {
    DirLock lock(pipe_dir());
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST)
      return fail_errno(errno), INVALID_HANDLE_VALUE;
    Scan sc = scan(dir, true);
    if (sc.live > 0) {
      if (open_mode & FILE_FLAG_FIRST_PIPE_INSTANCE)
        return bad(ERROR_ACCESS_DENIED);
      if (static_cast<DWORD>(sc.live) >= sc.cfg.max_inst)
        return bad(ERROR_PIPE_BUSY);
      if (!sc.cfg.same(cfg))
        return bad(ERROR_ACCESS_DENIED);
      cfg.max_inst = sc.cfg.max_inst;
    }
    uint64_t id = 0;
    while (id == 0)
      if (::getrandom(&id, sizeof id, 0) != sizeof id)
        id = (static_cast<uint64_t>(::getpid()) << 32) ^ monotonic_ns();
    std::string ipath = dir + "/" + entry_name('i', id, cfg);
    int lfd = ::open(ipath.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lfd < 0)
      return fail_errno(errno), INVALID_HANDLE_VALUE;
    if (::flock(lfd, LOCK_EX) < 0 || !obj->start_server(dir, id, lfd)) {
      DWORD e = GetLastError();
      ::unlink(ipath.c_str());
      // start_server took lfd: the object's destructor closes it.
      return bad(e ? e : ERROR_NOT_ENOUGH_MEMORY);
    }
  }
  HANDLE h = handle_insert(obj, GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE | FILE_READ_ATTRIBUTES |
                                    FILE_WRITE_ATTRIBUTES,
                           inherit_flags(sa));
  if (!h)
    return INVALID_HANDLE_VALUE;
  SetLastError(ERROR_SUCCESS);
  return h;
}

// Client: connects to a listening instance. The handle, or nullptr with the last error.
std::shared_ptr<NamedPipe> connect_client(const std::string &dir, DWORD access, DWORD flags) {
  Scan sc = scan(dir, false);
  if (sc.live == 0)
    return fail(ERROR_FILE_NOT_FOUND), nullptr;
  const bool want_read = access & kReadRights, want_write = access & kWriteRights;
  if ((want_read && !(sc.cfg.flags & PIPE_ACCESS_OUTBOUND)) ||
      (want_write && !(sc.cfg.flags & PIPE_ACCESS_INBOUND)))
    return fail(ERROR_ACCESS_DENIED), nullptr;
  for (const std::string &sname : sc.sockets) {
    PipeConfig cfg;
    if (!parse_entry(sname.c_str(), 's', &cfg))
      continue;
    int fd = ::socket(AF_UNIX, (cfg.message() ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC |
                                   SOCK_NONBLOCK, 0);
    if (fd < 0)
      return fail_errno(errno), nullptr;
    sockaddr_un a;
    int dirfd = -1;
    bool ok = make_addr(dir, sname, &a, &dirfd) &&
              ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    if (dirfd >= 0)
      ::close(dirfd);
    if (!ok) { // busy (EAGAIN), just gone (ECONNREFUSED/ENOENT): the next instance
      ::close(fd);
      continue;
    }
    // The instance is ours: its name goes now, so WaitNamedPipe and other clients see it
    // busy before the server accepts. The server cannot listen again under this name
    // before it has our hello, so this never removes a newer listener.
    ::unlink((dir + "/" + sname).c_str());
    int fl = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    int mfd = make_page_fd();
    ConnPage *page = mfd >= 0 ? map_page(mfd) : nullptr;
    char hello[2] = {kRecHello, 0};
    iovec iov{hello, cfg.message() ? 1u : 2u};
    if (!page || send_fds(fd, &iov, 1, &mfd, 1, 0) < 0) {
      DWORD e = win32_error_from_errno(errno);
      if (mfd >= 0)
        ::close(mfd);
      if (page)
        ::munmap(page, 4096);
      ::close(fd);
      return fail(e), nullptr;
    }
    size_t sz = std::max<size_t>({cfg.out_size, cfg.in_size, 256 * 1024});
    int isz = static_cast<int>(std::min<size_t>(sz, INT_MAX / 2));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &isz, sizeof isz);
    auto c = std::make_shared<Conn>();
    c->fd = fd;
    c->page = page;
    c->page_fd = mfd;
    c->message = cfg.message();
    c->peer_pid = peer_pid_of(fd);
    auto obj = std::make_shared<NamedPipe>(false, cfg, (flags & FILE_FLAG_OVERLAPPED) != 0,
                                           want_read, want_write);
    obj->set_client(std::move(c));
    obj->set_dir(dir);
    return obj;
  }
  return fail(ERROR_PIPE_BUSY), nullptr;
}

std::shared_ptr<NamedPipe> pipe_object(HANDLE h) {
  auto e = handle_lookup(h);
  if (!e)
    return nullptr;
  auto p = std::dynamic_pointer_cast<NamedPipe>(e->object);
  if (!p)
    fail(e->object->file_type() == FILE_TYPE_PIPE ? ERROR_INVALID_FUNCTION
                                                  : ERROR_INVALID_HANDLE);
  return p;
}

bool wait_named_pipe(const std::string &name, DWORD timeout) {
  std::string rest;
  if (DWORD e = parse_name(name, &rest))
    return fail(e);
  std::string dir = name_dir(rest);
  if (dir.empty())
    return false;
  int in = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0)
    return fail_errno(errno);
  bool have_watch = ::inotify_add_watch(in, dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF) >= 0;
  Scan sc = scan(dir, false);
  if (!have_watch || sc.live == 0) {
    ::close(in);
    return fail(ERROR_FILE_NOT_FOUND);
  }
  if (timeout == NMPWAIT_USE_DEFAULT_WAIT)
    timeout = sc.cfg.timeout ? sc.cfg.timeout : kDefaultWaitMs;
  const uint64_t deadline =
      timeout == NMPWAIT_WAIT_FOREVER ? 0 : monotonic_ns() + uint64_t{timeout} * 1000000u;
  for (;;) {
    if (!sc.sockets.empty()) {
      ::close(in);
      return true;
    }
    if (sc.live == 0) {
      ::close(in);
      return fail(ERROR_FILE_NOT_FOUND);
    }
    int ms = -1;
    if (deadline) {
      uint64_t now = monotonic_ns();
      if (now >= deadline) {
        ::close(in);
        return fail(ERROR_SEM_TIMEOUT);
      }
      ms = static_cast<int>((deadline - now + 999999) / 1000000);
    }
    pollfd p{in, POLLIN, 0};
    ::poll(&p, 1, ms);
    char buf[4096];
    while (::read(in, buf, sizeof buf) > 0) {
    }
    sc = scan(dir, false);
  }
}

bool transact(HANDLE h, void *in, DWORD in_len, void *out, DWORD out_len, DWORD *read,
              OVERLAPPED *ov) {
  auto p = pipe_object(h);
  if (!p)
    return false;
  if (!p->config().message() || !(p->state_flags() & PIPE_READMODE_MESSAGE))
    return fail(ERROR_BAD_PIPE);
  if (!read && !ov)
    return fail(ERROR_INVALID_PARAMETER);
  if (read)
    *read = 0;
  if (ConnPtr c = p->connection()) { // unread data: the transaction is refused
    DWORD avail = 0;
    if (p->peek(nullptr, 0, nullptr, &avail, nullptr) && avail > 0)
      return fail(ERROR_PIPE_BUSY);
  }
  DWORD put = 0;
  if (!p->write(in, in_len, &put))
    return false;
  if (ov && p->overlapped()) {
    IoRequest r;
    r.op = IoRequest::Read;
    r.buf = out;
    r.len = out_len;
    r.ov = ov;
    r.event = NamedPipe::event_of(ov);
    r.tid = current_tid();
    bool ok = p->submit(r);
    if (ok && read)
      *read = static_cast<DWORD>(ov->InternalHigh);
    return ok;
  }
  DWORD got = 0;
  bool ok = p->read(out, out_len, &got);
  if (read)
    *read = got;
  return ok;
}

bool call_named_pipe(const std::string &name, void *in, DWORD in_len, void *out, DWORD out_len,
                     DWORD *read, DWORD timeout) {
  if (read)
    *read = 0;
  HANDLE h = INVALID_HANDLE_VALUE;
  for (int attempt = 0; attempt < 2 && h == INVALID_HANDLE_VALUE; ++attempt) {
    if (!wait_named_pipe(name, timeout))
      return false;
    h = CreateFileA(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0,
                    nullptr);
    if (h == INVALID_HANDLE_VALUE && GetLastError() != ERROR_PIPE_BUSY)
      return false;
  }
  if (h == INVALID_HANDLE_VALUE)
    return false;
  DWORD mode = PIPE_READMODE_MESSAGE;
  DWORD got = 0;
  bool ok = SetNamedPipeHandleState(h, &mode, nullptr, nullptr) &&
            transact(h, in, in_len, out, out_len, &got, nullptr);
  DWORD err = GetLastError();
  CloseHandle(h);
  if (read)
    *read = got;
  return ok ? (SetLastError(0), true) : fail(err);
}

} // namespace

ObjectPtr named_pipe_adopt(int fd, int parcel) {
  PipeParcel pp{};
  int fds[3] = {-1, -1, -1}, mflags = 0;
  bool ok = false;
  if (parcel >= 0) {
    iovec iov{&pp, sizeof pp};
    ssize_t n = recv_fds(parcel, &iov, 1, MSG_DONTWAIT, fds, 3, &mflags);
    ok = n == static_cast<ssize_t>(sizeof pp) && pp.magic == PipeParcel::kMagic &&
         !(mflags & (MSG_TRUNC | MSG_CTRUNC)) && pp.state <= 2 &&
         std::memchr(pp.dir, 0, sizeof pp.dir);
    ::close(parcel);
  }
  int k = 0;
  int page_fd = ok && pp.has_page ? fds[k++] : -1;
  int lock_fd = ok && pp.has_lock ? fds[k++] : -1;
  int listen_fd = ok && pp.has_listen ? fds[k++] : -1;
  if (!ok || (pp.has_page && page_fd < 0) || (pp.has_lock && lock_fd < 0) ||
      (pp.has_listen && listen_fd < 0)) {
    for (int f : fds)
      if (f >= 0)
        ::close(f);
    ::close(fd);
    return nullptr;
  }
  auto obj = std::make_shared<NamedPipe>(pp.server, pp.cfg, pp.overlapped, pp.can_read,
                                         pp.can_write);
  obj->set_mode(pp.msg_read, pp.nowait);
  if (!obj->adopt(pp, fd, page_fd, lock_fd, listen_fd))
    return nullptr; // the object owns the descriptors now: its destructor closes them
  return obj;
}

bool is_pipe_name(const std::string &win_name) {
  std::string rest;
  DWORD e = parse_name(win_name, &rest);
  if (e == 0 || e == ERROR_BAD_NETPATH)
    return true;
  // "\\.\pipe\" with an empty or too long name is still a pipe name (an invalid one).
  std::string s = win_name;
  for (char &c : s)
    c = c == '/' ? '\\' : lower(c);
  size_t host_end = s.size() > 2 ? s.find('\\', 2) : std::string::npos;
  return s.rfind("\\\\", 0) == 0 && host_end != std::string::npos &&
         s.compare(host_end, 6, "\\pipe\\") == 0;
}

HANDLE named_pipe_open_client(const std::string &win_name, DWORD access,
                              LPSECURITY_ATTRIBUTES sa, DWORD flags) {
  std::string rest;
  if (DWORD e = parse_name(win_name, &rest)) {
    SetLastError(e);
    return INVALID_HANDLE_VALUE;
  }
  std::string dir = name_dir(rest);
  if (dir.empty())
    return INVALID_HANDLE_VALUE;
  auto obj = connect_client(dir, access, flags);
  if (!obj)
    return INVALID_HANDLE_VALUE;
  HANDLE h = handle_insert(obj, access | SYNCHRONIZE | FILE_READ_ATTRIBUTES, inherit_flags(sa));
  if (!h)
    return INVALID_HANDLE_VALUE;
  SetLastError(ERROR_SUCCESS);
  return h;
}

} // namespace wop

using namespace wop;

extern "C" {

HANDLE WINAPI CreateNamedPipeA(LPCSTR name, DWORD open_mode, DWORD pipe_mode, DWORD max_inst,
                               DWORD out_size, DWORD in_size, DWORD timeout,
                               LPSECURITY_ATTRIBUTES sa) {
  return create_named_pipe(name ? name : "", name == nullptr, open_mode, pipe_mode, max_inst,
                           out_size, in_size, timeout, sa);
}

HANDLE WINAPI CreateNamedPipeW(LPCWSTR name, DWORD open_mode, DWORD pipe_mode, DWORD max_inst,
                               DWORD out_size, DWORD in_size, DWORD timeout,
                               LPSECURITY_ATTRIBUTES sa) {
  return create_named_pipe(name ? utf8_from_utf16(name) : std::string(), name == nullptr,
                           open_mode, pipe_mode, max_inst, out_size, in_size, timeout, sa);
}

BOOL WINAPI ConnectNamedPipe(HANDLE h, LPOVERLAPPED ov) {
  auto p = pipe_object(h);
  return p ? p->connect(ov) : FALSE;
}

BOOL WINAPI DisconnectNamedPipe(HANDLE h) {
  auto p = pipe_object(h);
  return p ? p->disconnect() : FALSE;
}

BOOL WINAPI WaitNamedPipeA(LPCSTR name, DWORD timeout) {
  return name ? wait_named_pipe(name, timeout) : fail(ERROR_PATH_NOT_FOUND);
}

BOOL WINAPI WaitNamedPipeW(LPCWSTR name, DWORD timeout) {
  return name ? wait_named_pipe(utf8_from_utf16(name), timeout) : fail(ERROR_PATH_NOT_FOUND);
}

BOOL WINAPI GetNamedPipeInfo(HANDLE h, LPDWORD flags, LPDWORD out_size, LPDWORD in_size,
                             LPDWORD max_inst) {
  auto p = pipe_object(h);
  if (!p)
    return FALSE;
  PipeConfig c = p->config();
  if (flags)
    *flags = (p->is_server() ? PIPE_SERVER_END : PIPE_CLIENT_END) |
             (c.message() ? PIPE_TYPE_MESSAGE : 0);
  if (out_size)
    *out_size = p->is_server() ? c.out_size : c.in_size;
  if (in_size)
    *in_size = p->is_server() ? c.in_size : c.out_size;
  if (max_inst)
    *max_inst = c.max_inst;
  return TRUE;
}

static BOOL handle_state(HANDLE h, LPDWORD state, LPDWORD cur, LPDWORD coll, LPDWORD timeout) {
  auto p = pipe_object(h);
  if (!p)
    return FALSE;
  if (coll || timeout) // remote clients only: not for local pipes or the server end
    return fail(ERROR_INVALID_PARAMETER);
  if (state)
    *state = p->state_flags();
  if (cur)
    *cur = static_cast<DWORD>(std::max(1, scan(p->dir(), false).live));
  return TRUE;
}

BOOL WINAPI GetNamedPipeHandleStateA(HANDLE h, LPDWORD state, LPDWORD cur, LPDWORD coll,
                                     LPDWORD timeout, LPSTR user, DWORD user_size) {
  (void)user_size;
  if (user)
    return fail(ERROR_CANNOT_IMPERSONATE);
  return handle_state(h, state, cur, coll, timeout);
}

BOOL WINAPI GetNamedPipeHandleStateW(HANDLE h, LPDWORD state, LPDWORD cur, LPDWORD coll,
                                     LPDWORD timeout, LPWSTR user, DWORD user_size) {
  (void)user_size;
  if (user)
    return fail(ERROR_CANNOT_IMPERSONATE);
  return handle_state(h, state, cur, coll, timeout);
}

BOOL WINAPI SetNamedPipeHandleState(HANDLE h, LPDWORD mode, LPDWORD coll, LPDWORD timeout) {
  auto p = pipe_object(h);
  if (!p)
    return FALSE;
  if (coll || timeout)
    return fail(ERROR_INVALID_PARAMETER);
  if (mode) {
    if (*mode & ~DWORD{PIPE_READMODE_MESSAGE | PIPE_NOWAIT})
      return fail(ERROR_INVALID_PARAMETER);
    if ((*mode & PIPE_READMODE_MESSAGE) && !p->config().message())
      return fail(ERROR_INVALID_PARAMETER);
    p->set_mode((*mode & PIPE_READMODE_MESSAGE) != 0, (*mode & PIPE_NOWAIT) != 0);
  }
  return TRUE;
}

BOOL WINAPI TransactNamedPipe(HANDLE h, LPVOID in, DWORD in_len, LPVOID out, DWORD out_len,
                              LPDWORD read, LPOVERLAPPED ov) {
  return transact(h, in, in_len, out, out_len, read, ov);
}

BOOL WINAPI CallNamedPipeA(LPCSTR name, LPVOID in, DWORD in_len, LPVOID out, DWORD out_len,
                           LPDWORD read, DWORD timeout) {
  return name ? call_named_pipe(name, in, in_len, out, out_len, read, timeout)
              : fail(ERROR_PATH_NOT_FOUND);
}

BOOL WINAPI CallNamedPipeW(LPCWSTR name, LPVOID in, DWORD in_len, LPVOID out, DWORD out_len,
                           LPDWORD read, DWORD timeout) {
  return name ? call_named_pipe(utf8_from_utf16(name), in, in_len, out, out_len, read, timeout)
              : fail(ERROR_PATH_NOT_FOUND);
}

BOOL WINAPI GetNamedPipeClientProcessId(HANDLE h, PULONG pid) {
  auto p = pipe_object(h);
  if (!p)
    return FALSE;
  if (!pid)
    return fail(ERROR_INVALID_PARAMETER);
  pid_t v = p->is_server() ? p->peer_pid() : ::getpid();
  if (!v)
    return fail(ERROR_PIPE_NOT_CONNECTED);
  *pid = static_cast<ULONG>(v);
  return TRUE;
}

BOOL WINAPI GetNamedPipeServerProcessId(HANDLE h, PULONG pid) {
  auto p = pipe_object(h);
  if (!p)
    return FALSE;
  if (!pid)
    return fail(ERROR_INVALID_PARAMETER);
  pid_t v = p->is_server() ? ::getpid() : p->peer_pid();
  if (!v)
    return fail(ERROR_PIPE_NOT_CONNECTED);
  *pid = static_cast<ULONG>(v);
  return TRUE;
}

} // extern "C"
