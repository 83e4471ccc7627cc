// Signals the layer raises itself: SIGPIPE. Windows has no SIGPIPE, so the layer keeps its
// disposition; every other signal goes to the C runtime's signal().
#include "fd.hpp"
#include "trace.hpp"

#include <pow/signal.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace posix_on_win {

namespace {

std::atomic<pow_sighandler_t> g_sigpipe{SIG_DFL};

// The exit status of a process SIGPIPE's default action killed: the NTSTATUS of a broken
// pipe, which waitpid reports as WIFSIGNALED with WTERMSIG == SIGPIPE.
constexpr UINT kSigpipeExit = 0xC000014B; // STATUS_PIPE_BROKEN

bool valid_signal(int sig) { return sig > 0 && sig < 64; }

// An ignored SIGPIPE stays ignored in a spawned child, as across POSIX exec: spawn passes
// it in the environment.
const bool g_inherited = [] {
  char buf[16];
  DWORD n = GetEnvironmentVariableA("POW_SIGPIPE", buf, sizeof buf);
  if (n > 0 && n < sizeof buf && std::strcmp(buf, "ignore") == 0)
    g_sigpipe = SIG_IGN;
  return true;
}();

} // namespace

bool sigpipe_is_ignored() { return g_sigpipe.load() == SIG_IGN; }

void raise_sigpipe() {
  pow_sighandler_t h = g_sigpipe.load();
  if (h == SIG_IGN)
    return;
  if (h == SIG_DFL) {
    // Like a signal: no atexit handlers, no stdio flush.
    TerminateProcess(GetCurrentProcess(), kSigpipeExit);
    ExitProcess(kSigpipeExit); // not reached
  }
  int saved = errno;
  h(SIGPIPE);
  errno = saved;
}

} // namespace posix_on_win

using namespace posix_on_win;

extern "C" {

pow_sighandler_t pow_signal(int sig, pow_sighandler_t handler) {
  if (sig == SIGPIPE) {
    if (handler == SIG_ERR) {
      errno = EINVAL;
      return SIG_ERR;
    }
    return g_sigpipe.exchange(handler);
  }
  return signal(sig, handler);
}

int pow_sigaction(int sig, const struct pow_sigaction *act, struct pow_sigaction *oact) {
  if (!valid_signal(sig))
    return fail_errno(EINVAL);
  if (act && (act->sa_flags || act->sa_mask))
    POW_TRACE_UNSUPPORTED("sigaction", "sa_flags and sa_mask are ignored: handlers run "
                          "synchronously (C runtime signal()), nothing to mask or restart");
  if (sig == SIGPIPE) {
    pow_sighandler_t old = act ? g_sigpipe.exchange(act->sa_handler) : g_sigpipe.load();
    if (oact) {
      oact->sa_handler = old;
      oact->sa_mask = 0;
      oact->sa_flags = 0;
    }
    return 0;
  }
  pow_sighandler_t old;
  if (act) {
    old = signal(sig, act->sa_handler);
  } else {
    // The CRT has no query: set and restore.
    old = signal(sig, SIG_DFL);
    if (old != SIG_ERR)
      signal(sig, old);
  }
  if (old == SIG_ERR)
    return fail_errno(EINVAL);
  if (oact) {
    oact->sa_handler = old;
    oact->sa_mask = 0;
    oact->sa_flags = 0;
  }
  return 0;
}

int pow_raise(int sig) {
  if (sig == SIGPIPE) {
    raise_sigpipe();
    return 0;
  }
  return raise(sig);
}

// Another process cannot run a handler here: every signal but 0 ends it, with an exit code
// that waitpid reports as death by that signal (POW_STATUS_SIGNALED | sig).
int pow_kill(pid_t pid, int sig) {
  if (sig < 0 || sig >= 64)
    return fail_errno(EINVAL);
  if (pid <= 0)
    return fail_errno(EINVAL); // no process groups to signal
  HANDLE h = OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE,
                         FALSE, static_cast<DWORD>(pid));
  if (!h)
    return fail_errno(GetLastError() == ERROR_ACCESS_DENIED ? EPERM : ESRCH);
  int rc = 0;
  if (WaitForSingleObject(h, 0) == WAIT_OBJECT_0)
    rc = fail_errno(ESRCH); // exited (a zombie on POSIX: kill succeeds there)
  else if (sig != 0 && !TerminateProcess(h, POW_STATUS_SIGNALED | static_cast<unsigned>(sig)))
    rc = fail_win32();
  CloseHandle(h);
  return rc;
}

int pow_sigemptyset(pow_sigset_t *set) {
  if (!set)
    return fail_errno(EFAULT);
  *set = 0;
  return 0;
}

int pow_sigfillset(pow_sigset_t *set) {
  if (!set)
    return fail_errno(EFAULT);
  *set = ~static_cast<pow_sigset_t>(0);
  return 0;
}

int pow_sigaddset(pow_sigset_t *set, int sig) {
  if (!set)
    return fail_errno(EFAULT);
  if (!valid_signal(sig))
    return fail_errno(EINVAL);
  *set |= static_cast<pow_sigset_t>(1) << sig;
  return 0;
}

int pow_sigdelset(pow_sigset_t *set, int sig) {
  if (!set)
    return fail_errno(EFAULT);
  if (!valid_signal(sig))
    return fail_errno(EINVAL);
  *set &= ~(static_cast<pow_sigset_t>(1) << sig);
  return 0;
}

int pow_sigismember(const pow_sigset_t *set, int sig) {
  if (!set)
    return fail_errno(EFAULT);
  if (!valid_signal(sig))
    return fail_errno(EINVAL);
  return (*set >> sig) & 1 ? 1 : 0;
}

} // extern "C"
