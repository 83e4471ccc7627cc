// The fd layer: per-fd state beside the CRT's fds; read, write, close, dup*, fcntl,
// isatty, lseek, fstat's type bits, readv/writev on any fd.
#include "fd.hpp"

#include <pow/fcntl_flags.h>
#include <pow/uio.h>
#include <pow/unistd.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstring>
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>

namespace posix_on_win {

namespace {

// Indexed by fd; FdKind::Crt with a null handle: unknown. Never destroyed: a watcher's
// read may still be pending at exit, and its OVERLAPPED must stay valid memory until then.
std::vector<FdState> &g_state = *new std::vector<FdState>;

// Classifies a handle the layer did not make: pipes and sockets get the layer's I/O
// (EPIPE/SIGPIPE, O_NONBLOCK), everything else stays with the CRT.
FdKind classify(HANDLE h) {
  if (GetFileType(h) != FILE_TYPE_PIPE)
    return FdKind::Crt;
  DWORD flags = 0;
  if (GetNamedPipeInfo(h, &flags, nullptr, nullptr, nullptr))
    return FdKind::Pipe;
  return handle_is_socket(h) ? FdKind::Socket : FdKind::Crt;
}

bool is_pipe(FdKind k) {
  return k == FdKind::PipeRead || k == FdKind::PipeWrite || k == FdKind::Pipe;
}

// Lowest fd >= from that the CRT has not open (msvcrt allows 2048).
int lowest_free(int from) {
  for (int fd = from; fd < 2048; ++fd)
    if (_get_osfhandle(fd) == -1)
      return fd;
  return -1;
}

// Wraps h in CRT fd `target` (which must be free): the CRT hands out the lowest free fd,
// so the free fds below target are held with placeholders meanwhile. Returns target, or -1.
int place_at(HANDLE h, int target, int crt_flags) {
  std::vector<int> holders;
  HANDLE nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                           OPEN_EXISTING, 0, nullptr);
  if (nul == INVALID_HANDLE_VALUE)
    return fail_win32();
  int fd = -1;
  for (;;) {
    int low = lowest_free(0);
    if (low < 0 || low > target) {
      errno = low < 0 ? EMFILE : EBADF;
      break;
    }
    if (low == target) {
      fd = _open_osfhandle(reinterpret_cast<intptr_t>(h), crt_flags);
      break;
    }
    HANDLE dup = nullptr;
    if (!DuplicateHandle(GetCurrentProcess(), nul, GetCurrentProcess(), &dup, 0, FALSE,
                         DUPLICATE_SAME_ACCESS)) {
      fail_win32();
      break;
    }
    int hfd = _open_osfhandle(reinterpret_cast<intptr_t>(dup), _O_RDONLY);
    if (hfd < 0) {
      CloseHandle(dup);
      break;
    }
    holders.push_back(hfd);
  }
  int e = errno;
  for (int hfd : holders)
    _close(hfd);
  CloseHandle(nul);
  errno = e;
  return fd;
}

// dup2 proper, with fd_lock() held: newfd gets its own handle to the same open file.
int dup_onto(int fd, const FdState &st, int newfd, bool cloexec) {
  if (newfd == fd)
    return newfd;
  if (auto old = fd_state(newfd)) { // silently closed first, as POSIX says
    if (old->kind == FdKind::Socket)
      socket_close(newfd, *old);
    else {
      fd_forget(newfd);
      _close(newfd);
    }
  }
  if (st.kind == FdKind::Socket) {
    // Winsock does not recognise a DuplicateHandle copy of a socket (as documented for
    // DuplicateHandle): the copy comes from WSADuplicateSocket, then goes to newfd.
    HANDLE s = socket_duplicate(st);
    if (s == INVALID_HANDLE_VALUE)
      return -1;
    if (place_at(s, newfd, _O_RDWR | _O_BINARY) != newfd) {
      int e = errno;
      closesocket(reinterpret_cast<SOCKET>(s));
      return fail_errno(e);
    }
    fd_set_state(newfd, FdState{st.kind, s, st.file, cloexec, nullptr});
    return newfd;
  }
  errno = 0;
  if (_dup2(fd, newfd) != 0)
    return fail_errno(errno ? errno : EBADF);
  HANDLE h = fd_handle(newfd);
  // msvcrt's _dup2 makes an inheritable handle; our fds reach children only through spawn.
  if (st.kind != FdKind::Crt || cloexec)
    SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0);
  else
    SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  fd_set_state(newfd, FdState{st.kind, h, st.file, cloexec, nullptr});
  return newfd;
}

int dup_from(int fd, int from, bool cloexec) {
  std::lock_guard lock(fd_lock());
  auto st = fd_state(fd);
  if (!st)
    return -1;
  if (from < 0)
    return fail_errno(EINVAL);
  int target = lowest_free(from);
  if (target < 0)
    return fail_errno(EMFILE);
  return dup_onto(fd, *st, target, cloexec);
}

int access_mode(const FdState &st) {
  switch (st.kind) {
  case FdKind::PipeRead: return O_RDONLY;
  case FdKind::PipeWrite: return O_WRONLY;
  default: return O_RDWR;
  }
}

} // namespace

std::recursive_mutex &fd_lock() {
  static std::recursive_mutex mu;
  return mu;
}

int fd_adopt(HANDLE h, int crt_flags, FdKind kind, bool cloexec, bool nonblock) {
  std::lock_guard lock(fd_lock());
  int fd = _open_osfhandle(reinterpret_cast<intptr_t>(h), crt_flags);
  if (fd < 0) {
    int e = errno ? errno : EMFILE;
    if (kind == FdKind::Socket)
      closesocket(reinterpret_cast<SOCKET>(h));
    else
      CloseHandle(h);
    return fail_errno(e);
  }
  auto file = std::make_shared<OpenDesc>(kind);
  file->nonblock = nonblock;
  fd_set_state(fd, FdState{kind, h, file, cloexec, nullptr});
  return fd;
}

HANDLE fd_handle(int fd) {
  if (fd < 0) {
    errno = EBADF;
    return INVALID_HANDLE_VALUE;
  }
  intptr_t h = _get_osfhandle(fd);
  if (h == -1 || h == -2) { // -2: a std fd with no console attached
    errno = EBADF;
    return INVALID_HANDLE_VALUE;
  }
  return reinterpret_cast<HANDLE>(h);
}

std::optional<FdState> fd_state(int fd) {
  HANDLE h = fd_handle(fd);
  if (h == INVALID_HANDLE_VALUE)
    return std::nullopt;
  std::lock_guard lock(fd_lock());
  auto i = static_cast<size_t>(fd);
  if (i < g_state.size() && g_state[i].handle == h && g_state[i].file)
    return g_state[i];
  // Not made by the layer, or the CRT reused the number: classify it now. An fd whose
  // handle the CRT would not pass to children is close-on-exec.
  FdKind kind = classify(h);
  DWORD info = 0;
  bool cloexec = fd > 2 && GetHandleInformation(h, &info) && !(info & HANDLE_FLAG_INHERIT);
  FdState st{kind, h, std::make_shared<OpenDesc>(kind), cloexec, nullptr};
  if (kind == FdKind::Pipe) {
    DWORD mode = 0;
    if (GetNamedPipeHandleState(h, &mode, nullptr, nullptr, nullptr, nullptr, 0))
      st.file->nonblock = (mode & PIPE_NOWAIT) != 0;
  }
  fd_set_state(fd, st);
  return st;
}

void fd_set_state(int fd, const FdState &st) {
  std::lock_guard lock(fd_lock());
  if (static_cast<size_t>(fd) >= g_state.size())
    g_state.resize(static_cast<size_t>(fd) + 1);
  g_state[static_cast<size_t>(fd)] = st;
}

void fd_forget(int fd) {
  std::lock_guard lock(fd_lock());
  if (fd >= 0 && static_cast<size_t>(fd) < g_state.size()) {
    FdState &st = g_state[static_cast<size_t>(fd)];
    // The handle is still open here (callers close it after): the watcher's read can be
    // cancelled through it.
    if (st.watch && fd_handle(fd) == st.handle)
      watch_release(*st.watch, st.handle);
    st = FdState{};
  }
}

std::shared_ptr<FdWatch> fd_attach_watch(int fd, HANDLE h, std::shared_ptr<FdWatch> w) {
  std::lock_guard lock(fd_lock());
  auto i = static_cast<size_t>(fd);
  if (fd < 0 || i >= g_state.size() || g_state[i].handle != h || !g_state[i].file ||
      fd_handle(fd) != h)
    return nullptr;
  if (!g_state[i].watch)
    g_state[i].watch = std::move(w);
  return g_state[i].watch;
}

std::vector<std::pair<int, FdState>> fd_snapshot() {
  std::vector<std::pair<int, FdState>> out;
  // Also fds the CRT opened without us (fopen, _open): every slot msvcrt allows.
  for (int fd = 0; fd < 2048; ++fd)
    if (_get_osfhandle(fd) != -1)
      if (auto st = fd_state(fd))
        out.emplace_back(fd, *st);
  return out;
}

} // namespace posix_on_win

using namespace posix_on_win;

extern "C" {

ssize_t pow_read(int fd, void *buf, size_t count) {
  auto st = fd_state(fd);
  if (!st)
    return -1;
  if (count > 0 && !buf)
    return fail_errno(EFAULT);
  switch (st->kind) {
  case FdKind::PipeWrite:
    return fail_errno(EBADF); // not open for reading
  case FdKind::PipeRead:
  case FdKind::Pipe:
    return pipe_read(*st, buf, count);
  case FdKind::Socket:
    return socket_read(*st, buf, count, 0);
  case FdKind::Crt:
    break;
  }
  return _read(fd, buf, count > INT_MAX ? INT_MAX : static_cast<unsigned>(count));
}

ssize_t pow_write(int fd, const void *buf, size_t count) {
  auto st = fd_state(fd);
  if (!st)
    return -1;
  if (count > 0 && !buf)
    return fail_errno(EFAULT);
  switch (st->kind) {
  case FdKind::PipeRead:
    return fail_errno(EBADF); // not open for writing
  case FdKind::PipeWrite:
    return pipe_write(*st, buf, count);
  case FdKind::Pipe:
    if (st->file->fifo_write) { // an O_RDWR FIFO: writes go to its write end
      FdState w = *st;
      w.handle = st->file->fifo_write;
      return pipe_write(w, buf, count);
    }
    return pipe_write(*st, buf, count);
  case FdKind::Socket:
    return socket_write(*st, buf, count, 0);
  case FdKind::Crt:
    break;
  }
  return _write(fd, buf, count > INT_MAX ? INT_MAX : static_cast<unsigned>(count));
}

int pow_close(int fd) {
  std::lock_guard lock(fd_lock());
  auto st = fd_state(fd);
  if (!st)
    return -1;
  if (st->kind == FdKind::Socket)
    return socket_close(fd, *st);
  fd_forget(fd);
  return _close(fd);
}

int pow_dup(int fd) { return dup_from(fd, 0, false); }

int pow_dup2(int fd, int newfd) {
  std::lock_guard lock(fd_lock());
  auto st = fd_state(fd);
  if (!st)
    return -1;
  if (newfd < 0 || newfd >= 2048)
    return fail_errno(EBADF);
  return dup_onto(fd, *st, newfd, false);
}

int pow_dup3(int fd, int newfd, int flags) {
  if (flags & ~O_CLOEXEC)
    return fail_errno(EINVAL);
  std::lock_guard lock(fd_lock());
  auto st = fd_state(fd);
  if (!st)
    return -1;
  if (newfd < 0 || newfd >= 2048)
    return fail_errno(EBADF);
  if (newfd == fd)
    return fail_errno(EINVAL);
  return dup_onto(fd, *st, newfd, (flags & O_CLOEXEC) != 0);
}

int pow_fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  // Every command that takes an argument takes an int.
  int arg = (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_SETFD || cmd == F_SETFL)
                ? va_arg(ap, int)
                : 0;
  va_end(ap);
  std::lock_guard lock(fd_lock());
  auto st = fd_state(fd);
  if (!st)
    return -1;
  switch (cmd) {
  case F_DUPFD:
  case F_DUPFD_CLOEXEC:
    return dup_from(fd, arg, cmd == F_DUPFD_CLOEXEC);
  case F_GETFD:
    return st->cloexec ? FD_CLOEXEC : 0;
  case F_SETFD: {
    st->cloexec = (arg & FD_CLOEXEC) != 0;
    if (st->kind == FdKind::Crt) // so that the CRT's own _spawn and system agree
      SetHandleInformation(st->handle, HANDLE_FLAG_INHERIT,
                           st->cloexec ? 0 : HANDLE_FLAG_INHERIT);
    fd_set_state(fd, *st);
    return 0;
  }
  case F_GETFL:
    return access_mode(*st) | (st->file->nonblock ? O_NONBLOCK : 0);
  case F_SETFL: {
    bool on = (arg & O_NONBLOCK) != 0;
    if (is_pipe(st->kind)) {
      if (pipe_set_nonblock(*st, on) != 0)
        return -1;
    } else if (st->kind == FdKind::Socket) {
      if (socket_set_nonblock(*st, on) != 0)
        return -1;
    }
    // Regular files: O_NONBLOCK is recorded and has no effect, as POSIX allows.
    st->file->nonblock = on;
    return 0;
  }
  default:
    return fail_errno(EINVAL);
  }
}

int pow_open(const char *path, int flags, ...) {
  int mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
  }
  if (!path)
    return fail_errno(EFAULT);
  // A FIFO is opened by fifo.cpp (without fd_lock: the open may wait for the other side).
  int fifo_fd = fifo_open(path, flags);
  if (fifo_fd != -2)
    return fifo_fd;
  bool nonblock = (flags & O_NONBLOCK) != 0;
  bool cloexec = (flags & O_CLOEXEC) != 0; // O_CLOEXEC is _O_NOINHERIT: the CRT honours it
  int crt_flags = (flags & ~O_NONBLOCK) | _O_BINARY;
  // Windows only knows a read-only bit: owner write permission decides it.
  int crt_mode = (mode & 0200) ? (_S_IREAD | _S_IWRITE) : _S_IREAD;
  std::lock_guard lock(fd_lock());
  int fd = _open(path, crt_flags, crt_mode);
  if (fd < 0)
    return -1;
  HANDLE h = fd_handle(fd);
  auto file = std::make_shared<OpenDesc>(FdKind::Crt);
  file->nonblock = nonblock;
  fd_set_state(fd, FdState{FdKind::Crt, h, file, cloexec, nullptr});
  return fd;
}

int pow_isatty(int fd) {
  auto st = fd_state(fd);
  if (!st)
    return 0;
  if (st->kind == FdKind::Crt && _isatty(fd))
    return 1;
  errno = ENOTTY;
  return 0;
}

long long pow_lseek(int fd, long long offset, int whence) {
  auto st = fd_state(fd);
  if (!st)
    return -1;
  if (st->kind != FdKind::Crt)
    return fail_errno(ESPIPE);
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
    return fail_errno(EINVAL);
  return _lseeki64(fd, offset, whence);
}

int pow_fd_type(int fd) {
  auto st = fd_state(fd);
  if (!st)
    return -1;
  if (st->kind == FdKind::Socket)
    return 0xC000; // S_IFSOCK
  if (is_pipe(st->kind))
    return _S_IFIFO;
  return 0;
}

// readv/writev's argument checks: the total length, or -1 with errno set (0 vectors:
// nothing to do, as Linux).
static ssize_t iov_total(int fd, const struct iovec *iov, int iovcnt) {
  if (!fd_state(fd))
    return -1;
  if (iovcnt == 0)
    return 0;
  if (iovcnt < 0 || iovcnt > 1024)
    return fail_errno(EINVAL);
  if (!iov)
    return fail_errno(EFAULT);
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) {
    if (iov[i].iov_len > static_cast<size_t>(SSIZE_MAX) - total)
      return fail_errno(EINVAL);
    total += iov[i].iov_len;
  }
  return static_cast<ssize_t>(total);
}

ssize_t pow_readv(int fd, const struct iovec *iov, int iovcnt) {
  ssize_t checked = iov_total(fd, iov, iovcnt);
  if (checked < 0 || iovcnt == 0)
    return checked;
  size_t total = static_cast<size_t>(checked);
  if (iovcnt == 1)
    return pow_read(fd, iov[0].iov_base, iov[0].iov_len);
  // One read into a bounce buffer, then scattered: a single read sees what one read would.
  std::vector<char> tmp(total);
  ssize_t got = pow_read(fd, tmp.data(), total);
  if (got <= 0)
    return got;
  size_t off = 0;
  for (int i = 0; i < iovcnt && off < static_cast<size_t>(got); ++i) {
    size_t n = iov[i].iov_len < static_cast<size_t>(got) - off ? iov[i].iov_len
                                                                 : static_cast<size_t>(got) - off;
    std::memcpy(iov[i].iov_base, tmp.data() + off, n);
    off += n;
  }
  return got;
}

ssize_t pow_writev(int fd, const struct iovec *iov, int iovcnt) {
  ssize_t checked = iov_total(fd, iov, iovcnt);
  if (checked < 0 || iovcnt == 0)
    return checked;
  size_t total = static_cast<size_t>(checked);
  if (iovcnt == 1)
    return pow_write(fd, iov[0].iov_base, iov[0].iov_len);
  std::vector<char> tmp(total);
  size_t off = 0;
  for (int i = 0; i < iovcnt; ++i) {
    if (iov[i].iov_len)
      std::memcpy(tmp.data() + off, iov[i].iov_base, iov[i].iov_len);
    off += iov[i].iov_len;
  }
  return pow_write(fd, tmp.data(), total);
}

} // extern "C"
