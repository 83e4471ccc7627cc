// Overlapped I/O: completion (OVERLAPPED Internal/InternalHigh, hEvent, completion routines
// as APCs), GetOverlappedResult(Ex), CancelIo(Ex), ReadFileEx/WriteFileEx, and
// FlushFileBuffers. The objects (named_pipe.cpp) keep pending operations and finish them
// from the monitor thread when their descriptor is ready: no thread per operation, no
// polling.
#include "object.hpp"
#include "sync_object.hpp"

#include <atomic>

namespace wop {

namespace {

// NTSTATUS values for the errors overlapped pipe I/O completes with. Others travel as
// customer-defined codes (0xE0000000 | error), which decode back exactly.
struct StatusMap {
  DWORD error;
  ULONG_PTR status;
};
constexpr StatusMap kStatus[] = {
    {ERROR_MORE_DATA, 0x80000005u},          // STATUS_BUFFER_OVERFLOW
    {ERROR_BROKEN_PIPE, 0xC000014Bu},        // STATUS_PIPE_BROKEN
    {ERROR_PIPE_NOT_CONNECTED, 0xC00000B0u}, // STATUS_PIPE_DISCONNECTED
    {ERROR_NO_DATA, 0xC00000B1u},            // STATUS_PIPE_CLOSING
    {ERROR_PIPE_CONNECTED, 0xC00000B2u},     // STATUS_PIPE_CONNECTED
    {ERROR_PIPE_LISTENING, 0xC00000B3u},     // STATUS_PIPE_LISTENING
    {ERROR_OPERATION_ABORTED, 0xC0000120u},  // STATUS_CANCELLED
    {ERROR_INVALID_HANDLE, 0xC0000008u},     // STATUS_INVALID_HANDLE
    {ERROR_HANDLE_EOF, 0xC0000011u},         // STATUS_END_OF_FILE
};

std::atomic<ULONG_PTR> &internal_of(OVERLAPPED *ov) {
  static_assert(sizeof(std::atomic<ULONG_PTR>) == sizeof(ULONG_PTR));
  return *reinterpret_cast<std::atomic<ULONG_PTR> *>(&ov->Internal);
}

HANDLE event_of(OVERLAPPED *ov) {
  return reinterpret_cast<HANDLE>(reinterpret_cast<uintptr_t>(ov->hEvent) & ~uintptr_t{1});
}

// ReadFile/WriteFile/ReadFileEx/WriteFileEx on an overlapped handle.
BOOL start_io(HANDLE h, IoRequest::Op op, void *buf, DWORD len, DWORD *done, OVERLAPPED *ov,
              LPOVERLAPPED_COMPLETION_ROUTINE routine, bool ex) {
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  if (!e->object->overlapped())
    return fail(ERROR_INVALID_PARAMETER);
  IoRequest r;
  r.op = op;
  r.buf = buf;
  r.len = len;
  r.ov = ov;
  r.tid = current_tid();
  if (ex) {
    r.routine = routine;
    r.apc = current_apc_queue();
  } else {
    r.event = event_of(ov);
    if (r.event)
      ResetEvent(r.event); // as Windows does when the operation starts
  }
  bool ok = e->object->submit(r);
  DWORD err = GetLastError();
  if (done)
    *done = ok || err == ERROR_MORE_DATA ? static_cast<DWORD>(ov->InternalHigh) : 0;
  if (ex) // the routine runs for pending and finished operations alike
    return ok || err == ERROR_IO_PENDING || err == ERROR_MORE_DATA ? (SetLastError(0), TRUE)
                                                                    : FALSE;
  return ok ? TRUE : fail(err);
}

} // namespace

ULONG_PTR io_status_from_error(DWORD error) {
  if (error == 0)
    return 0;
  for (const auto &m : kStatus)
    if (m.error == error)
      return m.status;
  return 0xE0000000u | (error & 0xFFFFu);
}

DWORD io_error_from_status(ULONG_PTR status) {
  if (status == 0)
    return 0;
  for (const auto &m : kStatus)
    if (m.status == status)
      return m.error;
  if ((status & 0xFFFF0000u) == 0xE0000000u)
    return static_cast<DWORD>(status & 0xFFFFu);
  return ERROR_INVALID_FUNCTION;
}

void io_complete(const IoRequest &r, DWORD error, DWORD bytes) {
  // After Internal is published the OVERLAPPED may be reused or freed: hEvent was taken
  // at the start, and the routine gets the pointer as Windows gives it.
  r.ov->InternalHigh = bytes;
  internal_of(r.ov).store(io_status_from_error(error), std::memory_order_release);
  if (r.event)
    SetEvent(r.event);
  if (r.routine && r.apc) {
    auto routine = r.routine;
    OVERLAPPED *ov = r.ov;
    r.apc->push([routine, error, bytes, ov] { routine(error, bytes, ov); });
  }
}

bool io_submit_ov(HANDLE h, bool write, void *buf, DWORD len, DWORD *done, OVERLAPPED *ov) {
  return start_io(h, write ? IoRequest::Write : IoRequest::Read, buf, len, done, ov, nullptr,
                  false);
}

} // namespace wop

using namespace wop;

extern "C" {

BOOL WINAPI GetOverlappedResultEx(HANDLE h, LPOVERLAPPED ov, LPDWORD done, DWORD ms,
                                  BOOL alertable) {
  if (!ov || !done)
    return fail(ERROR_INVALID_PARAMETER);
  auto &internal = internal_of(ov);
  if (internal.load(std::memory_order_acquire) == STATUS_PENDING) {
    if (ms == 0)
      return fail(ERROR_IO_INCOMPLETE);
    HANDLE w = event_of(ov) ? event_of(ov) : h;
    const uint64_t deadline = ms == INFINITE ? 0 : monotonic_ns() + uint64_t{ms} * 1000000u;
    while (internal.load(std::memory_order_acquire) == STATUS_PENDING) {
      DWORD left = INFINITE;
      if (deadline) {
        uint64_t now = monotonic_ns();
        if (now >= deadline)
          return fail(WAIT_TIMEOUT);
        left = static_cast<DWORD>((deadline - now + 999999) / 1000000);
      }
      DWORD r = WaitForSingleObjectEx(w, left, alertable);
      if (r == WAIT_IO_COMPLETION)
        return fail(WAIT_IO_COMPLETION);
      if (r == WAIT_FAILED)
        return FALSE;
    }
  }
  *done = static_cast<DWORD>(ov->InternalHigh);
  DWORD err = io_error_from_status(internal.load(std::memory_order_acquire));
  return err ? fail(err) : TRUE;
}

BOOL WINAPI GetOverlappedResult(HANDLE h, LPOVERLAPPED ov, LPDWORD done, BOOL wait) {
  return GetOverlappedResultEx(h, ov, done, wait ? INFINITE : 0, FALSE);
}

BOOL WINAPI CancelIoEx(HANDLE h, LPOVERLAPPED ov) {
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  return e->object->cancel(ov, 0);
}

BOOL WINAPI CancelIo(HANDLE h) {
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  // Only this thread's operations; none pending is not an error for CancelIo.
  if (!e->object->cancel(nullptr, current_tid()) && GetLastError() != ERROR_NOT_FOUND)
    return FALSE;
  SetLastError(0);
  return TRUE;
}

BOOL WINAPI ReadFileEx(HANDLE h, LPVOID buf, DWORD len, LPOVERLAPPED ov,
                       LPOVERLAPPED_COMPLETION_ROUTINE routine) {
  if (!ov || !routine)
    return fail(ERROR_INVALID_PARAMETER);
  if (!buf && len)
    return fail(ERROR_NOACCESS);
  return start_io(h, IoRequest::Read, buf, len, nullptr, ov, routine, true);
}

BOOL WINAPI WriteFileEx(HANDLE h, LPCVOID buf, DWORD len, LPOVERLAPPED ov,
                        LPOVERLAPPED_COMPLETION_ROUTINE routine) {
  if (!ov || !routine)
    return fail(ERROR_INVALID_PARAMETER);
  if (!buf && len)
    return fail(ERROR_NOACCESS);
  return start_io(h, IoRequest::Write, const_cast<void *>(buf), len, nullptr, ov, routine, true);
}

BOOL WINAPI FlushFileBuffers(HANDLE h) {
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  return e->object->flush();
}

} // extern "C"
