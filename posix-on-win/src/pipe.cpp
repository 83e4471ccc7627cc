// pipe(): a uniquely named, single-instance named pipe. Anonymous Win32 pipes cannot do
// overlapped I/O, so their readiness could not be waited on; a named pipe whose server
// (read) end is overlapped can, as libuv and Cygwin do it.
#include "fd.hpp"

#include <pow/unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>

namespace posix_on_win {

namespace {

constexpr DWORD kPipeCapacity = 65536; // at least what Linux gives

std::atomic<unsigned> g_serial{0};

} // namespace

// Makes a connected pair: read end (server, overlapped) and write end (client, synchronous).
bool make_pipe_pair(HANDLE *read_end, HANDLE *write_end) {
  wchar_t name[96];
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, FALSE}; // fds start non-inheritable-by-handle
  HANDLE server = INVALID_HANDLE_VALUE;
  for (int attempt = 0; attempt < 16 && server == INVALID_HANDLE_VALUE; ++attempt) {
    swprintf(name, sizeof name / sizeof name[0], L"\\\\.\\pipe\\pow-pipe-%lu-%u-%llu",
             GetCurrentProcessId(), g_serial.fetch_add(1),
             static_cast<unsigned long long>(GetTickCount64()));
    server = CreateNamedPipeW(name,
                              PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED |
                                  FILE_FLAG_FIRST_PIPE_INSTANCE,
                              PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                                  PIPE_REJECT_REMOTE_CLIENTS,
                              1, 0, kPipeCapacity, 0, &sa);
    if (server == INVALID_HANDLE_VALUE && GetLastError() != ERROR_ACCESS_DENIED)
      break; // ACCESS_DENIED: the name is taken, try another
  }
  if (server == INVALID_HANDLE_VALUE)
    return false;
  HANDLE client = CreateFileW(name, GENERIC_WRITE | FILE_READ_ATTRIBUTES, 0, &sa, OPEN_EXISTING,
                              0, nullptr);
  if (client == INVALID_HANDLE_VALUE) {
    DWORD err = GetLastError();
    CloseHandle(server);
    SetLastError(err);
    return false;
  }
  *read_end = server;
  *write_end = client;
  return true;
}

} // namespace posix_on_win

using namespace posix_on_win;

extern "C" int pow_pipe(int fds[2]) {
  if (!fds)
    return fail_errno(EFAULT);
  HANDLE r, w;
  if (!make_pipe_pair(&r, &w))
    return fail_win32();
  int rfd = fd_adopt(r, _O_RDONLY | _O_BINARY, FdState{FdKind::PipeRead});
  if (rfd < 0) {
    CloseHandle(w);
    return -1;
  }
  int wfd = fd_adopt(w, _O_WRONLY | _O_BINARY, FdState{FdKind::PipeWrite});
  if (wfd < 0) {
    int e = errno;
    pow_close(rfd);
    return fail_errno(e);
  }
  fds[0] = rfd;
  fds[1] = wfd;
  return 0;
}
