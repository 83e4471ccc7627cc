/* posix-on-win overlay <signal.h>: SIGPIPE, signal/sigaction/raise that know it, and the
 * sigset_t helpers. */
#ifndef POW_OVERLAY_SIGNAL_H
#define POW_OVERLAY_SIGNAL_H

#include <pow/next/signal.h>
#include <pow/signal.h>

#ifndef POW_NO_RENAME
#undef signal
#undef raise
#undef sigemptyset
#undef sigfillset
#undef sigaddset
#undef sigdelset
#undef sigismember
#define sigset_t pow_sigset_t
#define signal pow_signal
#define sigaction pow_sigaction
#define raise pow_raise
#define sigemptyset pow_sigemptyset
#define sigfillset pow_sigfillset
#define sigaddset pow_sigaddset
#define sigdelset pow_sigdelset
#define sigismember pow_sigismember
/* A function, not a macro: members named kill stay as they are. */
static __inline int kill(pid_t pid, int sig) { return pow_kill(pid, sig); }
#endif

#endif /* POW_OVERLAY_SIGNAL_H */
