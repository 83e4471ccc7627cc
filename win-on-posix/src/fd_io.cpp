#include "fd_io.hpp"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <pthread.h>
#include <unistd.h>

namespace wop {

ssize_t fd_read_some(int fd, void *buf, size_t len) {
  for (;;) {
    ssize_t r = ::read(fd, buf, len);
    if (r >= 0)
      return r;
    if (errno != EINTR) {
      fail_errno(errno);
      return -1;
    }
  }
}

namespace {

// Blocks SIGPIPE in this thread for the scope of a write; if the write raised one, it is
// taken off the thread's pending set before the mask is restored. This keeps EPIPE an
// error code, as on Windows, without changing the process's SIGPIPE disposition.
class SigpipeGuard {
public:
  SigpipeGuard() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_);
  }
  void consume() {
    if (was_pending_)
      return;
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ~SigpipeGuard() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

private:
  sigset_t pipe_set_, old_;
  bool was_pending_ = false;
};

} // namespace

bool fd_write_all(int fd, const void *buf, size_t len, DWORD *done) {
  const char *p = static_cast<const char *>(buf);
  size_t written = 0;
  SigpipeGuard guard;
  while (written < len) {
    ssize_t r = ::write(fd, p + written, len - written);
    if (r > 0) {
      written += static_cast<size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR)
      continue;
    int err = r < 0 ? errno : EIO;
    if (err == EPIPE)
      guard.consume();
    *done = static_cast<DWORD>(written);
    return fail_errno(err);
  }
  *done = static_cast<DWORD>(written);
  return true;
}

} // namespace wop
