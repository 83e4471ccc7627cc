// posix-on-win internals: the fd layer. Our fds are real C-runtime fds (_open_osfhandle
// over the HANDLE), so _get_osfhandle, fdopen and the CRT's own calls keep working; the
// layer keeps its own per-fd state beside them, for the fds it made.
#pragma once

#include <windows.h>

#include <optional>

namespace posix_on_win {

enum class FdKind {
  Crt,       // opened by the CRT or the program: the CRT's own functions serve it
  PipeRead,  // read end of pipe(): server end of an overlapped named pipe
  PipeWrite, // write end of pipe(): client end, synchronous
};

struct FdState {
  FdKind kind = FdKind::Crt;
  // The handle the state belongs to: if the CRT closed the fd behind our back (fclose of
  // an fdopen'ed stream) and reused the number, the handle differs and the state is stale.
  HANDLE handle = nullptr;
};

// Wraps h in a new CRT fd (lowest free, as the CRT allocates) and records its state.
// On failure closes h, sets errno and returns -1.
int fd_adopt(HANDLE h, int crt_flags, FdState state);
// The state of a layer-made fd, or FdKind::Crt for anything else that is open;
// nullopt with errno = EBADF if fd is not open.
std::optional<FdState> fd_state(int fd);
// The OS handle of fd, or INVALID_HANDLE_VALUE with errno = EBADF.
HANDLE fd_handle(int fd);
void fd_forget(int fd);

// The layer's single Win32 error -> errno mapping.
int errno_from_win32(DWORD err);
// Sets errno from err (default: GetLastError()) and returns -1.
int fail_win32(DWORD err);
int fail_win32();
int fail_errno(int e);

} // namespace posix_on_win
