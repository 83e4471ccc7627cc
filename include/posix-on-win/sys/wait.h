/* posix-on-win overlay <sys/wait.h> (Windows has none): waitpid, wait, the W* macros. */
#ifndef POW_OVERLAY_SYS_WAIT_H
#define POW_OVERLAY_SYS_WAIT_H

#include <pow/spawn.h>

#define WNOHANG 1
#define WUNTRACED 2
#define WTERMSIG(s) ((s) & 0x7f)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFEXITED(s) (WTERMSIG(s) == 0)
#define WIFSIGNALED(s) (WTERMSIG(s) != 0 && WTERMSIG(s) != 0x7f)
#define WIFSTOPPED(s) (((s) & 0xff) == 0x7f)
#define WSTOPSIG(s) WEXITSTATUS(s)
#define WCOREDUMP(s) ((s) & 0x80)

#ifndef POW_NO_RENAME
/* Functions, not macros: a macro named wait would also rename members such as
 * std::condition_variable::wait. */
static __inline pid_t waitpid(pid_t pid, int *status, int options) {
  return pow_waitpid(pid, status, options);
}
static __inline pid_t wait(int *status) { return pow_waitpid(-1, status, 0); }
#endif

#endif /* POW_OVERLAY_SYS_WAIT_H */
