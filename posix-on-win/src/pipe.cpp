// pipe(): a uniquely named, single-instance named pipe. Anonymous Win32 pipes cannot do
// overlapped I/O, so their readiness could not be waited on; a named pipe whose server
// (read) end is overlapped can, as libuv and Cygwin do it.
#include "fd.hpp"

#include <pow/fcntl_flags.h>
#include <pow/unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <winternl.h>

namespace posix_on_win {

namespace {

constexpr DWORD kPipeCapacity = 65536; // what Linux gives
constexpr size_t kPipeBuf = 4096;      // PIPE_BUF

std::atomic<unsigned> g_serial{0};

// Per-thread event for overlapped reads, made once.
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

// The errno of a failed read/write on a pipe.
int pipe_errno(DWORD err) {
  return err == ERROR_ACCESS_DENIED ? EBADF : errno_from_win32(err);
}

// A read end with no writer: EOF. Besides a closed write end (a broken pipe), a FIFO's
// read end may have no writer yet (listening) or be between writers (disconnected); a
// peek at those says ERROR_BAD_PIPE (Wine), a read LISTENING or NOT_CONNECTED.
bool no_writer(DWORD err) {
  return err == ERROR_BROKEN_PIPE || err == ERROR_PIPE_LISTENING ||
         err == ERROR_PIPE_NOT_CONNECTED || err == ERROR_BAD_PIPE;
}

// One read. With nonblock, a read that would wait is cancelled: what arrived before the
// cancel is returned, nothing arrived is EAGAIN. Works on synchronous handles too (the
// read then completes in ReadFile).
ssize_t read_once(HANDLE h, void *buf, DWORD len, bool nonblock) {
  OVERLAPPED ov{};
  ov.hEvent = t_event.get();
  if (!ov.hEvent)
    return fail_win32();
  ResetEvent(ov.hEvent);
  DWORD got = 0;
  if (!ReadFile(h, buf, len, nullptr, &ov)) {
    DWORD err = GetLastError();
    if (err != ERROR_IO_PENDING) {
      if (no_writer(err))
        return 0; // every write end, in every process, is closed
      if (err == ERROR_NO_DATA)
        return fail_errno(EAGAIN); // an empty pipe in PIPE_NOWAIT mode
      return fail_errno(pipe_errno(err));
    }
    if (nonblock)
      CancelIoEx(h, &ov);
  }
  if (!GetOverlappedResult(h, &ov, &got, TRUE)) {
    DWORD err = GetLastError();
    if (no_writer(err))
      return 0;
    if (err == ERROR_OPERATION_ABORTED && nonblock)
      return got ? static_cast<ssize_t>(got) : fail_errno(EAGAIN);
    return fail_errno(pipe_errno(err));
  }
  return static_cast<ssize_t>(got);
}

} // namespace

// Write quota the pipe reports for h, or -1 when Windows does not say (then the
// PIPE_NOWAIT write itself decides). *closing: the other end is gone.
long long pipe_write_quota(HANDLE h, bool *closing) {
  struct LocalInfo {
    ULONG type, config, max_inst, cur_inst, in_quota, read_avail, out_quota, write_avail,
        state, end;
  } info{};
  using QueryFn = NTSTATUS(NTAPI *)(HANDLE, IO_STATUS_BLOCK *, PVOID, ULONG, ULONG);
  static auto query = reinterpret_cast<QueryFn>(
      reinterpret_cast<void *>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"),
                                              "NtQueryInformationFile")));
  IO_STATUS_BLOCK io{};
  constexpr ULONG kFilePipeLocalInformation = 24;
  if (!query || query(h, &io, &info, sizeof info, kFilePipeLocalInformation) != 0)
    return -1;
  constexpr ULONG kClosingState = 4; // FILE_PIPE_CLOSING_STATE
  if (closing)
    *closing = info.state == kClosingState;
  if (info.out_quota == 0) // not reported for this end
    return -1;
  return info.write_avail;
}

namespace {

long long write_quota(HANDLE h) { return pipe_write_quota(h, nullptr); }

ssize_t write_nonblock(HANDLE h, const char *p, size_t count) {
  // POSIX: up to PIPE_BUF bytes go in whole or not at all.
  if (count <= kPipeBuf) {
    long long quota = write_quota(h);
    if (quota >= 0 && static_cast<size_t>(quota) < count)
      return fail_errno(EAGAIN);
  }
  size_t done = 0;
  DWORD chunk = count > kPipeCapacity ? kPipeCapacity : static_cast<DWORD>(count);
  while (done < count && chunk > 0) {
    DWORD put = 0;
    if (!WriteFile(h, p + done, chunk, &put, nullptr)) {
      DWORD err = GetLastError();
      if (done > 0)
        break;
      return -static_cast<ssize_t>(err) - 1; // caller maps it (EPIPE + SIGPIPE)
    }
    done += put;
    if (put == 0) {
      // PIPE_NOWAIT writes a chunk whole or not at all where it does not fit (Wine), or
      // part of it (Windows). Smaller chunks fill what is left; a small write stays whole.
      if (count <= kPipeBuf)
        break;
      chunk /= 2;
    } else if (put < chunk) {
      break; // the pipe is full
    }
    if (count - done < chunk)
      chunk = static_cast<DWORD>(count - done);
  }
  if (done == 0)
    return fail_errno(EAGAIN);
  return static_cast<ssize_t>(done);
}

// A blocking write: one WriteFile for the whole buffer, so that a write of up to PIPE_BUF
// (and in fact any write) is one unit in the pipe, never interleaved with other writers.
ssize_t write_block(HANDLE h, const char *p, size_t count) {
  size_t done = 0;
  do {
    DWORD chunk = count - done > MAXDWORD ? MAXDWORD : static_cast<DWORD>(count - done);
    DWORD put = 0;
    if (!WriteFile(h, p + done, chunk, &put, nullptr)) {
      DWORD err = GetLastError();
      if (done > 0)
        break;
      return -static_cast<ssize_t>(err) - 1;
    }
    if (put == 0) // the end is in PIPE_NOWAIT mode after all (set by another process)
      return done ? static_cast<ssize_t>(done) : fail_errno(EAGAIN);
    done += put;
  } while (done < count);
  return static_cast<ssize_t>(done);
}

} // namespace

ssize_t pipe_read(const FdState &st, void *buf, size_t count) {
  if (count == 0)
    return 0;
  DWORD len = count > MAXDWORD ? MAXDWORD : static_cast<DWORD>(count);
  bool nonblock = st.file->nonblock;
  if (nonblock) {
    // Peek first so that a synchronous handle (a pipe from a plain Windows parent) does
    // not block either.
    DWORD avail = 0;
    if (!PeekNamedPipe(st.handle, nullptr, 0, nullptr, &avail, nullptr)) {
      DWORD err = GetLastError();
      return no_writer(err) ? 0 : fail_errno(pipe_errno(err));
    }
    if (avail == 0)
      return fail_errno(EAGAIN);
    if (avail < len)
      len = avail;
  }
  return read_once(st.handle, buf, len, nonblock);
}

ssize_t pipe_write(const FdState &st, const void *buf, size_t count) {
  if (count == 0)
    return 0;
  const char *p = static_cast<const char *>(buf);
  ssize_t r = st.file->nonblock ? write_nonblock(st.handle, p, count)
                                : write_block(st.handle, p, count);
  if (r >= -1)
    return r;
  DWORD err = static_cast<DWORD>(-(r + 1));
  if (err == ERROR_NO_DATA || err == ERROR_BROKEN_PIPE || err == ERROR_PIPE_NOT_CONNECTED) {
    raise_sigpipe(); // no reader: SIGPIPE's action, then EPIPE if the process survives
    return fail_errno(EPIPE);
  }
  return fail_errno(pipe_errno(err));
}

int pipe_set_nonblock(const FdState &st, bool on) {
  // The read end keeps PIPE_WAIT, so that a zero-byte overlapped read can wait for data
  // (select/poll); its O_NONBLOCK is the layer's own flag. Write ends switch the pipe end
  // to PIPE_NOWAIT, which, like O_NONBLOCK, holds for every handle to that end.
  if (st.kind == FdKind::PipeRead)
    return 0;
  DWORD mode = PIPE_READMODE_BYTE | (on ? PIPE_NOWAIT : PIPE_WAIT);
  if (st.file->fifo_write) // an O_RDWR FIFO: its write end, as for a write end
    return SetNamedPipeHandleState(st.file->fifo_write, &mode, nullptr, nullptr)
               ? 0
               : fail_win32();
  if (!SetNamedPipeHandleState(st.handle, &mode, nullptr, nullptr)) {
    if (st.kind == FdKind::Pipe && GetLastError() == ERROR_ACCESS_DENIED)
      return 0; // a read-only foreign end: reads check O_NONBLOCK themselves
    return fail_win32();
  }
  return 0;
}

// Makes a connected pair: read end (server, overlapped) and write end (client, synchronous).
bool make_pipe_pair(HANDLE *read_end, HANDLE *write_end) {
  wchar_t name[96];
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, FALSE}; // children get fds only through spawn
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
    if (server == INVALID_HANDLE_VALUE && GetLastError() != ERROR_ACCESS_DENIED &&
        GetLastError() != ERROR_PIPE_BUSY)
      break; // ACCESS_DENIED/PIPE_BUSY: the name is taken, try another
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

extern "C" int pow_pipe2(int fds[2], int flags) {
  if (!fds)
    return fail_errno(EFAULT);
  if (flags & ~(O_NONBLOCK | O_CLOEXEC))
    return fail_errno(EINVAL);
  bool nonblock = (flags & O_NONBLOCK) != 0;
  bool cloexec = (flags & O_CLOEXEC) != 0;
  std::lock_guard lock(fd_lock());
  HANDLE r, w;
  if (!make_pipe_pair(&r, &w))
    return fail_win32();
  int rfd = fd_adopt(r, _O_RDONLY | _O_BINARY, FdKind::PipeRead, cloexec, nonblock);
  if (rfd < 0) {
    CloseHandle(w);
    return -1;
  }
  int wfd = fd_adopt(w, _O_WRONLY | _O_BINARY, FdKind::PipeWrite, cloexec, nonblock);
  if (wfd < 0) {
    int e = errno;
    pow_close(rfd);
    return fail_errno(e);
  }
  if (nonblock) {
    auto st = fd_state(wfd);
    if (!st || pipe_set_nonblock(*st, true) != 0) {
      int e = errno;
      pow_close(rfd);
      pow_close(wfd);
      return fail_errno(e);
    }
  }
  fds[0] = rfd;
  fds[1] = wfd;
  return 0;
}

extern "C" int pow_pipe(int fds[2]) { return pow_pipe2(fds, 0); }
