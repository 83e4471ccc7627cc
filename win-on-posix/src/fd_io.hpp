// Blocking read/write on a file descriptor with Win32 error reporting; shared by every
// fd-backed object (pipes now; files, sockets and named pipes later).
#pragma once

#include "object.hpp"

#include <sys/uio.h>
#include <vector>

namespace wop {

// One read(2), retried on EINTR. Returns bytes read (0 at end of data) or -1 with
// the last error set.
ssize_t fd_read_some(int fd, void *buf, size_t len);
// Writes everything (a blocking WriteFile on a pipe returns only when all is written).
// A write to a pipe with no reader fails with ERROR_NO_DATA and never raises SIGPIPE.
bool fd_write_all(int fd, const void *buf, size_t len, DWORD *done);

// sendmsg with up to kMaxPassedFds descriptors passed as SCM_RIGHTS; retried on EINTR, never
// raises SIGPIPE. Returns what sendmsg returns (errno set on -1).
constexpr int kMaxPassedFds = 4;
ssize_t send_fds(int sock, const iovec *iov, int niov, const int *fds, int nfds,
                 int flags);
// recvmsg taking up to maxfds passed descriptors into fds (close-on-exec; -1 where none came;
// any beyond maxfds are closed); retried on EINTR. Returns what recvmsg returns; msg_flags
// (may be NULL) gets the message's flags (MSG_TRUNC, MSG_CTRUNC).
ssize_t recv_fds(int sock, iovec *iov, int niov, int flags, int *fds, int maxfds,
                 int *msg_flags);

// Messages too large for a socket buffer travel as a memfd: one holding a copy of buf
// (close-on-exec; -1 with errno set if it cannot be made or filled), and the contents of
// such a descriptor.
int memfd_with(const char *tag, const void *buf, size_t len);
std::vector<char> read_memfd(int fd);

} // namespace wop
