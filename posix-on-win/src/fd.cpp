// The fd layer: per-fd state beside the CRT's fds; read, write, close on any fd.
#include "fd.hpp"

#include <pow/unistd.h>

#include <cerrno>
#include <climits>
#include <io.h>
#include <mutex>
#include <vector>

namespace posix_on_win {

namespace {

std::mutex g_mu;
std::vector<FdState> g_state; // indexed by fd; Crt for fds the layer did not make

// Issues one overlapped read and waits for it; the event is per thread, made once.
class ThreadEvent {
public:
  HANDLE get() {
    if (!ev_)
      ev_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    return ev_;
  }
  ~ThreadEvent() {
    if (ev_)
      CloseHandle(ev_);
  }

private:
  HANDLE ev_ = nullptr;
};
thread_local ThreadEvent t_event;

ssize_t read_overlapped(HANDLE h, void *buf, size_t count) {
  DWORD len = count > MAXDWORD ? MAXDWORD : static_cast<DWORD>(count);
  OVERLAPPED ov{};
  ov.hEvent = t_event.get();
  if (!ov.hEvent)
    return fail_win32();
  DWORD got = 0;
  if (!ReadFile(h, buf, len, nullptr, &ov)) {
    DWORD err = GetLastError();
    if (err != ERROR_IO_PENDING)
      return err == ERROR_BROKEN_PIPE ? 0 : fail_win32(err); // broken: every writer closed
  }
  if (!GetOverlappedResult(h, &ov, &got, TRUE)) {
    DWORD err = GetLastError();
    return err == ERROR_BROKEN_PIPE ? 0 : fail_win32(err);
  }
  return static_cast<ssize_t>(got);
}

ssize_t write_all(HANDLE h, const void *buf, size_t count) {
  const char *p = static_cast<const char *>(buf);
  size_t done = 0;
  do {
    DWORD chunk = count - done > MAXDWORD ? MAXDWORD : static_cast<DWORD>(count - done);
    DWORD put = 0;
    if (!WriteFile(h, p + done, chunk, &put, nullptr)) {
      DWORD err = GetLastError();
      if (done > 0)
        return static_cast<ssize_t>(done);
      return fail_win32(err);
    }
    done += put;
  } while (done < count);
  return static_cast<ssize_t>(done);
}

} // namespace

int fd_adopt(HANDLE h, int crt_flags, FdState state) {
  int fd = _open_osfhandle(reinterpret_cast<intptr_t>(h), crt_flags);
  if (fd < 0) {
    int e = errno ? errno : EMFILE;
    CloseHandle(h);
    return fail_errno(e);
  }
  state.handle = h;
  std::lock_guard lock(g_mu);
  if (static_cast<size_t>(fd) >= g_state.size())
    g_state.resize(static_cast<size_t>(fd) + 1);
  g_state[static_cast<size_t>(fd)] = state;
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
  std::lock_guard lock(g_mu);
  if (static_cast<size_t>(fd) < g_state.size() && g_state[static_cast<size_t>(fd)].handle == h)
    return g_state[static_cast<size_t>(fd)];
  return FdState{FdKind::Crt, h};
}

void fd_forget(int fd) {
  std::lock_guard lock(g_mu);
  if (fd >= 0 && static_cast<size_t>(fd) < g_state.size())
    g_state[static_cast<size_t>(fd)] = FdState{};
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
  case FdKind::PipeRead:
    if (count == 0)
      return 0;
    return read_overlapped(fd_handle(fd), buf, count);
  case FdKind::PipeWrite:
    return fail_errno(EBADF); // not open for reading
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
  case FdKind::PipeWrite:
    if (count == 0)
      return 0;
    return write_all(fd_handle(fd), buf, count);
  case FdKind::PipeRead:
    return fail_errno(EBADF); // not open for writing
  case FdKind::Crt:
    break;
  }
  return _write(fd, buf, count > INT_MAX ? INT_MAX : static_cast<unsigned>(count));
}

int pow_close(int fd) {
  if (!fd_state(fd))
    return -1;
  fd_forget(fd);
  return _close(fd);
}

} // extern "C"
