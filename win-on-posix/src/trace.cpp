// Call tracing, the layer's side: WOP_TRACE / WOP_TRACE_FILE, the output and the thread id.
// See docs/architecture.md ("Call tracing") for how the wrappers are generated.
#include "trace.hpp"

#include <windows.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ipcshim::trace {

extern const char *const kLayerTag = "wop";
extern const char *const kErrorLabel = "err";

namespace {

const char *const kEnvTrace = "WOP_TRACE";
const char *const kEnvTraceFile = "WOP_TRACE_FILE";
int g_fd = 2; // stderr unless WOP_TRACE_FILE names a file

bool get_env(const char *name, char *buf, size_t n) {
  const char *v = std::getenv(name);
  if (!v)
    return false;
  std::snprintf(buf, n, "%s", v);
  return true;
}

// Appended to, never truncated: children inherit WOP_TRACE_FILE and write to the same file.
void open_output(const char *path) {
  int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0)
    g_fd = fd;
}

} // namespace

SavedErrors save_errors() { return {errno, GetLastError()}; }
// The last error is untouched by formatting and writing (it is ours, not errno).
void restore_errors(const SavedErrors &e) { errno = e.err_no; }
long call_error(const SavedErrors &e) { return static_cast<long>(e.last_error); }
unsigned long process_id() { return static_cast<unsigned long>(::getpid()); }
unsigned long thread_id() { return static_cast<unsigned long>(::syscall(SYS_gettid)); }

void write_line(const char *s, size_t n) {
  while (n) {
    ssize_t w = ::write(g_fd, s, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

} // namespace ipcshim::trace

#include "trace_core.inc"
