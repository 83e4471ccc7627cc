// posix-on-win internals: the fd layer. Our fds are real C-runtime fds (_open_osfhandle
// over the HANDLE or SOCKET), so _get_osfhandle, fdopen and the CRT's own calls keep
// working; the layer keeps its own per-fd state beside them.
#pragma once

#include <winsock2.h>
#include <windows.h>

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace posix_on_win {

enum class FdKind {
  Crt,       // regular file, console, device: the CRT's own functions serve it
  PipeRead,  // read end of pipe(): server end of an overlapped named pipe
  PipeWrite, // write end of pipe(): client end, synchronous
  Pipe,      // a pipe the layer did not make (inherited): direction checked by Windows
  Socket,    // a Winsock socket
};

// What POSIX calls the open file description: shared by every fd dup'ed from one open.
struct OpenDesc {
  explicit OpenDesc(FdKind k) : kind(k) {}
  FdKind kind;
  std::atomic<bool> nonblock{false};
  // A socketpair() stand-in (loopback TCP): peer gone reads as EOF/EPIPE, as AF_UNIX does.
  std::atomic<bool> local_pair{false};
  // A FIFO's open (fifo.cpp): its registration, kept while any dup of this open is; for
  // O_RDWR also the FIFO's write end (the fd's own handle is its read end).
  std::shared_ptr<void> fifo;
  HANDLE fifo_write = nullptr;
};

// select.cpp: what select/poll keep per fd across calls (the fd's classification and, for
// a pipe's read end, a zero-byte overlapped read left pending as a readiness watcher).
struct FdWatch;

struct FdState {
  FdKind kind = FdKind::Crt;
  // The handle the state belongs to: if the CRT closed the fd behind our back (fclose of
  // an fdopen'ed stream) and reused the number, the handle differs and the state is stale.
  HANDLE handle = nullptr;
  std::shared_ptr<OpenDesc> file;
  bool cloexec = false;
  // Made by the first select/poll on this fd (fd_attach_watch); released (its pending read
  // cancelled and waited for) by fd_forget, before the handle is closed.
  std::shared_ptr<FdWatch> watch;
};

// The one lock over the fd table; spawn holds it too, so that no fd changes while a
// child's fd table is being built.
std::recursive_mutex &fd_lock();

// Wraps h in a new CRT fd (lowest free, as the CRT allocates) and records its state.
// On failure closes h (closesocket for sockets), sets errno and returns -1.
int fd_adopt(HANDLE h, int crt_flags, FdKind kind, bool cloexec, bool nonblock = false);
// The state of fd (classifying fds the layer did not make on first sight);
// nullopt with errno = EBADF if fd is not open.
std::optional<FdState> fd_state(int fd);
// The OS handle of fd, or INVALID_HANDLE_VALUE with errno = EBADF.
HANDLE fd_handle(int fd);
// Records st for fd (after dup2 and the like); call with fd_lock() held.
void fd_set_state(int fd, const FdState &st);
// Drops fd's state; call before closing its handle (a pending watcher read is cancelled).
void fd_forget(int fd);
// Stores w as fd's watcher if fd still has handle h and no watcher yet; returns the watcher
// fd has then (nullptr if fd no longer has handle h).
std::shared_ptr<FdWatch> fd_attach_watch(int fd, HANDLE h, std::shared_ptr<FdWatch> w);
// select.cpp: cancels w's pending read on h and waits for it; w stays valid memory.
void watch_release(FdWatch &w, HANDLE h);
// Every open fd with its state, lowest first (for spawn); call with fd_lock() held.
std::vector<std::pair<int, FdState>> fd_snapshot();

// fifo.cpp: open() of a FIFO path: the new fd (a pipe fd), or -1 with errno set; -2 when
// path is not a FIFO (the caller opens it as a file).
int fifo_open(const char *path, int flags);
// spawn.cpp hands fd state `ours` to `child` as `value_in_child`: if it is a FIFO end, the child
// is registered as its holder, so that later opens can join through it.
void fifo_handed_over(const FdState &ours, HANDLE child, HANDLE value_in_child);

// Pipe and socket I/O used by read/write/readv/writev.
ssize_t pipe_read(const FdState &st, void *buf, size_t count);
ssize_t pipe_write(const FdState &st, const void *buf, size_t count);
int pipe_set_nonblock(const FdState &st, bool on);
// The write quota of pipe end h (-1 when Windows does not report it); *closing: the
// other end is gone. select.cpp asks it for write readiness.
long long pipe_write_quota(HANDLE h, bool *closing);
ssize_t socket_read(const FdState &st, void *buf, size_t count, int flags);
ssize_t socket_write(const FdState &st, const void *buf, size_t count, int flags);
int socket_set_nonblock(const FdState &st, bool on);
int socket_close(int fd, const FdState &st);
// A new socket handle for the same socket (WSADuplicateSocket), not inheritable;
// INVALID_HANDLE_VALUE with errno set on failure.
HANDLE socket_duplicate(const FdState &st);
// Starts Winsock once per process; false with errno set if it cannot.
bool winsock_init();
bool handle_is_socket(HANDLE h);

// spawn.cpp: the Microsoft C runtime command line for argv (quoted so that the child's
// argv is argv again); POSIX's wait status for a Windows exit code.
std::string command_line(const char *const *argv);
int wait_status(DWORD exit_code);

// SIGPIPE: what a write with no reader does after failing with EPIPE (signal.cpp).
void raise_sigpipe();
bool sigpipe_is_ignored();

// The layer's single Win32/Winsock error -> errno mapping.
int errno_from_win32(DWORD err);
// Sets errno from err (default: GetLastError()) and returns -1.
int fail_win32(DWORD err);
int fail_win32();
int fail_errno(int e);
// Sets errno from WSAGetLastError() and returns -1.
int fail_wsa();

} // namespace posix_on_win
