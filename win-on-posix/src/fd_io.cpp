#include "fd_io.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
  // One system call: the old mask says whether the thread already blocks SIGPIPE. If it did
  // not, no SIGPIPE can be pending for it now (it would have been delivered or, ignored,
  // discarded), so one seen after EPIPE is ours to take; if it did, the caller's pending
  // signals are left as they are.
  SigpipeGuard() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_);
    ours_ = sigismember(&old_, SIGPIPE) != 1;
  }
  void consume() {
    if (!ours_)
      return;
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ~SigpipeGuard() {
    if (ours_)
      pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

private:
  sigset_t pipe_set_, old_;
  bool ours_ = false;
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

ssize_t send_fds(int sock, const iovec *iov, int niov, const int *fds, int nfds, int flags) {
  alignas(cmsghdr) char cbuf[CMSG_SPACE(kMaxPassedFds * sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = const_cast<iovec *>(iov);
  m.msg_iovlen = static_cast<size_t>(niov);
  if (nfds > 0) {
    if (nfds > kMaxPassedFds) {
      errno = EINVAL;
      return -1;
    }
    const size_t bytes = static_cast<size_t>(nfds) * sizeof(int);
    m.msg_control = cbuf;
    m.msg_controllen = CMSG_SPACE(bytes);
    cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(bytes);
    std::memcpy(CMSG_DATA(c), fds, bytes);
  }
  ssize_t r;
  do
    r = ::sendmsg(sock, &m, flags | MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r;
}

ssize_t recv_fds(int sock, iovec *iov, int niov, int flags, int *fds, int maxfds,
                 int *msg_flags) {
  alignas(cmsghdr) char cbuf[CMSG_SPACE(kMaxPassedFds * sizeof(int))];
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = static_cast<size_t>(niov);
  m.msg_control = cbuf;
  m.msg_controllen = sizeof cbuf;
  ssize_t n;
  do
    n = ::recvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  for (int i = 0; i < maxfds; ++i)
    fds[i] = -1;
  int got = 0;
  if (n >= 0 && m.msg_controllen > 0)
    for (cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        continue;
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        if (got < maxfds)
          fds[got++] = fd;
        else
          ::close(fd);
      }
    }
  if (msg_flags)
    *msg_flags = m.msg_flags;
  return n;
}

int memfd_with(const char *tag, const void *buf, size_t len) {
  int mfd = ::memfd_create(tag, MFD_CLOEXEC);
  const char *p = static_cast<const char *>(buf);
  size_t put = 0;
  while (mfd >= 0 && put < len) {
    ssize_t w = ::write(mfd, p + put, len - put);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      int e = w < 0 ? errno : ENOMEM;
      ::close(mfd);
      errno = e;
      return -1;
    }
    put += static_cast<size_t>(w);
  }
  return mfd;
}

std::vector<char> read_memfd(int fd) {
  std::vector<char> out;
  struct stat st;
  if (::fstat(fd, &st) < 0 || st.st_size <= 0)
    return out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t r = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

} // namespace wop
