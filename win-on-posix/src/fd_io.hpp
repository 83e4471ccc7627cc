// Blocking read/write on a file descriptor with Win32 error reporting; shared by every
// fd-backed object (pipes now; files, sockets and named pipes later).
#pragma once

#include "object.hpp"

namespace wop {

// One read(2), retried on EINTR. Returns bytes read (0 at end of data) or -1 with
// the last error set.
ssize_t fd_read_some(int fd, void *buf, size_t len);
// Writes everything (a blocking WriteFile on a pipe returns only when all is written).
// A write to a pipe with no reader fails with ERROR_NO_DATA and never raises SIGPIPE.
bool fd_write_all(int fd, const void *buf, size_t len, DWORD *done);

} // namespace wop
