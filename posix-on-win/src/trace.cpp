// Call tracing, the layer's side: POW_TRACE / POW_TRACE_FILE, the output and the thread id.
// See docs/architecture.md ("Call tracing") for how the wrappers are generated.
#include "trace.hpp"

#include <windows.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace ipcshim::trace {

extern const char *const kLayerTag = "pow";
extern const char *const kErrorLabel = "errno";

namespace {

const char *const kEnvTrace = "POW_TRACE";
const char *const kEnvTraceFile = "POW_TRACE_FILE";
HANDLE g_out = nullptr; // POW_TRACE_FILE, else the standard error handle of the moment

// The process environment itself (the C runtime's copy may lag SetEnvironmentVariable).
bool get_env(const char *name, char *buf, size_t n) {
  DWORD r = GetEnvironmentVariableA(name, buf, static_cast<DWORD>(n));
  if (r == 0 && GetLastError() == ERROR_ENVVAR_NOT_FOUND)
    return false;
  if (r >= n)
    buf[0] = 0; // too long to be a family list or a path we can use
  return true;
}

// Appended to, never truncated: children inherit POW_TRACE_FILE and write to the same file
// (FILE_APPEND_DATA: each WriteFile lands at the end, whole).
void open_output(const char *path) {
  HANDLE h = CreateFileA(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE |
                         FILE_SHARE_DELETE, nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h != INVALID_HANDLE_VALUE)
    g_out = h;
}

} // namespace

SavedErrors save_errors() { return {errno, GetLastError()}; }
void restore_errors(const SavedErrors &e) {
  errno = e.err_no;
  SetLastError(static_cast<DWORD>(e.last_error));
}
long call_error(const SavedErrors &e) { return e.err_no; }
unsigned long process_id() { return GetCurrentProcessId(); }
unsigned long thread_id() { return GetCurrentThreadId(); }

void write_line(const char *s, size_t n) {
  HANDLE h = g_out ? g_out : GetStdHandle(STD_ERROR_HANDLE);
  if (!h || h == INVALID_HANDLE_VALUE)
    return;
  DWORD done = 0;
  WriteFile(h, s, static_cast<DWORD>(n), &done, nullptr);
}

} // namespace ipcshim::trace

#include "trace_core.inc"
