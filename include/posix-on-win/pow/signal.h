/* posix-on-win: signal dispositions the layer acts on (posix-on-win/src/signal.cpp).
 * SIGPIPE is the layer's own (Windows has none): a write to a pipe or socket with no
 * reader raises it; its default action terminates the process, as on POSIX. Other
 * signals are passed to the C runtime's signal(). */
#ifndef POW_SIGNAL_H
#define POW_SIGNAL_H

#include "config.h"

#include <pow/next/signal.h>

#if defined(_MSC_VER) && !defined(_PID_T_DEFINED)
typedef int pid_t;
#define _PID_T_DEFINED
#endif

#ifndef SIGKILL
#define SIGKILL 9
#endif
/* The exit code of a process ended by pow_kill (a customer-defined NTSTATUS). */
#define POW_STATUS_SIGNALED 0xE0504F00u
#ifndef SIGPIPE
#define SIGPIPE 13
#endif

#if defined(_MSC_VER)
typedef unsigned long pow_sigset_t;
#else
typedef _sigset_t pow_sigset_t;
#endif

/* struct sigaction (<signal.h> maps the name here): sa_handler only, as Windows
 * delivers no siginfo. */
struct pow_sigaction {
  void (*sa_handler)(int);
  pow_sigset_t sa_mask;
  int sa_flags;
};

#ifndef SA_RESTART
#define SA_RESTART 0x10000000
#endif
#ifndef SA_RESETHAND
#define SA_RESETHAND 0x80000000
#endif
#ifndef SA_NODEFER
#define SA_NODEFER 0x40000000
#endif
#ifndef SIG_BLOCK
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#endif

POW_BEGIN_DECLS

typedef void (*pow_sighandler_t)(int);
POW_API pow_sighandler_t pow_signal(int sig, pow_sighandler_t handler);
POW_API int pow_sigaction(int sig, const struct pow_sigaction *act,
                          struct pow_sigaction *oact);
POW_API int pow_raise(int sig);
/* kill: sig 0 tests that pid runs; any other signal terminates it with exit code
 * POW_STATUS_SIGNALED | sig, which waitpid reports as WIFSIGNALED with WTERMSIG sig. */
POW_API int pow_kill(pid_t pid, int sig);
POW_API int pow_sigemptyset(pow_sigset_t *set);
POW_API int pow_sigfillset(pow_sigset_t *set);
POW_API int pow_sigaddset(pow_sigset_t *set, int sig);
POW_API int pow_sigdelset(pow_sigset_t *set, int sig);
POW_API int pow_sigismember(const pow_sigset_t *set, int sig);

POW_END_DECLS

#endif /* POW_SIGNAL_H */
