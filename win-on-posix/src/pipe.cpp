// Anonymous pipes: CreatePipe over a Linux pipe(2); PeekNamedPipe without consuming.
#include "fd_io.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace wop {

class PipeEnd final : public Object {
public:
  PipeEnd(int fd, bool read_end) : fd_(fd), read_end_(read_end) {}
  ~PipeEnd() override { ::close(fd_); }
  ObjectKind kind() const noexcept override { return ObjectKind::PipeEnd; }
  DWORD file_type() const override { return FILE_TYPE_PIPE; }
  int inherit_fd() const override { return fd_; }
  char inherit_kind() const override { return read_end_ ? 'r' : 'w'; }

  bool read(void *buf, DWORD len, DWORD *done) override {
    if (!read_end_)
      return fail(ERROR_ACCESS_DENIED);
    ssize_t r = fd_read_some(fd_, buf, len);
    if (r < 0)
      return false;
    if (r == 0 && len > 0)
      return fail(ERROR_BROKEN_PIPE); // every write handle closed and the pipe drained
    *done = static_cast<DWORD>(r);
    return true;
  }

  bool write(const void *buf, DWORD len, DWORD *done) override {
    if (read_end_)
      return fail(ERROR_ACCESS_DENIED);
    return fd_write_all(fd_, buf, len, done);
  }

  bool peek(void *buf, DWORD len, DWORD *read, DWORD *avail, DWORD *left) override {
    int n = 0;
    if (::ioctl(fd_, FIONREAD, &n) < 0)
      return fail_errno(errno);
    if (n == 0 && read_end_ && writers_gone())
      return fail(ERROR_BROKEN_PIPE);
    DWORD copied = 0;
    if (buf && len && n > 0 && !copy_unread(buf, std::min<DWORD>(len, n), &copied))
      return false;
    if (read)
      *read = copied;
    if (avail)
      *avail = static_cast<DWORD>(n);
    if (left)
      *left = 0; // byte stream: no message boundaries
    return true;
  }

private:
  bool writers_gone() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
  }

  // tee(2) duplicates pipe contents into a scratch pipe without consuming them.
  bool copy_unread(void *buf, DWORD len, DWORD *copied) {
    int scratch[2];
    if (::pipe2(scratch, O_CLOEXEC | O_NONBLOCK) < 0)
      return fail_errno(errno);
    ssize_t t = ::tee(fd_, scratch[1], len, SPLICE_F_NONBLOCK);
    ssize_t r = t > 0 ? ::read(scratch[0], buf, static_cast<size_t>(t)) : t;
    int err = errno;
    ::close(scratch[0]);
    ::close(scratch[1]);
    if (r < 0 && err != EAGAIN)
      return fail_errno(err);
    *copied = r > 0 ? static_cast<DWORD>(r) : 0;
    return true;
  }

  int fd_;
  bool read_end_;
};

ObjectPtr make_pipe_end(int fd, bool read_end) { return std::make_shared<PipeEnd>(fd, read_end); }

} // namespace wop

using namespace wop;

extern "C" {

BOOL WINAPI CreatePipe(PHANDLE read_pipe, PHANDLE write_pipe, LPSECURITY_ATTRIBUTES sa,
                       DWORD size) {
  if (!read_pipe || !write_pipe)
    return fail(ERROR_INVALID_PARAMETER);
  int fds[2];
  // Close-on-exec always: inheritance is decided per handle at CreateProcess time.
  if (::pipe2(fds, O_CLOEXEC) < 0)
    return fail_errno(errno);
  // nSize is a suggestion on Windows (0 = default). Linux rounds it up to a page; a size
  // over /proc/sys/fs/pipe-max-size is refused for unprivileged callers, who then keep
  // the 64 KiB default.
  if (size > 0 && size <= INT32_MAX)
    (void)::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(size));
  DWORD flags = inherit_flags(sa);
  auto r = std::make_shared<PipeEnd>(fds[0], true);
  auto w = std::make_shared<PipeEnd>(fds[1], false);
  HANDLE hr = handle_insert(r, GENERIC_READ | SYNCHRONIZE | FILE_WRITE_ATTRIBUTES, flags);
  if (!hr)
    return FALSE;
  HANDLE hw = handle_insert(w, GENERIC_WRITE | SYNCHRONIZE | FILE_READ_ATTRIBUTES, flags);
  if (!hw) {
    DWORD err = GetLastError();
    handle_close(hr);
    return fail(err);
  }
  *read_pipe = hr;
  *write_pipe = hw;
  return TRUE;
}

BOOL WINAPI PeekNamedPipe(HANDLE h, LPVOID buf, DWORD len, LPDWORD read, LPDWORD avail,
                          LPDWORD left) {
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  return e->object->peek(buf, len, read, avail, left);
}

} // extern "C"
