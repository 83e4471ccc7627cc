/* posix-on-win: posix_spawn, waitpid, popen, system (posix-on-win/src/spawn.cpp).
 * Children get the parent's fds that are not close-on-exec under the same numbers (through
 * the C runtime's own hand-over, STARTUPINFO.lpReserved2) and fds 0-2 as their standard
 * handles, so plain Windows programs see them too. */
#ifndef POW_SPAWN_H
#define POW_SPAWN_H

#include "config.h"
#include "signal.h"

#include <pow/next/stdio.h>

#if defined(_MSC_VER) && !defined(_PID_T_DEFINED)
typedef int pid_t;
#define _PID_T_DEFINED
#endif

typedef struct {
  void *pow_actions; /* the layer's list of actions */
} posix_spawn_file_actions_t;

typedef struct {
  short pow_flags;
  pid_t pow_pgroup;
  pow_sigset_t pow_sigdefault;
  pow_sigset_t pow_sigmask;
} posix_spawnattr_t;

/* Flags: SETPGROUP with group 0 starts a new process group (CREATE_NEW_PROCESS_GROUP);
 * SETSIGDEF resets SIGPIPE to its default in the child (an ignored SIGPIPE is otherwise
 * inherited, as POSIX says); SETSIGMASK is accepted: Windows blocks no signals. */
#define POSIX_SPAWN_RESETIDS 0x01
#define POSIX_SPAWN_SETPGROUP 0x02
#define POSIX_SPAWN_SETSIGDEF 0x04
#define POSIX_SPAWN_SETSIGMASK 0x08

POW_BEGIN_DECLS

POW_API int pow_posix_spawn(pid_t *pid, const char *path,
                            const posix_spawn_file_actions_t *actions,
                            const posix_spawnattr_t *attr, char *const argv[],
                            char *const envp[]);
POW_API int pow_posix_spawnp(pid_t *pid, const char *file,
                             const posix_spawn_file_actions_t *actions,
                             const posix_spawnattr_t *attr, char *const argv[],
                             char *const envp[]);
POW_API int pow_posix_spawn_file_actions_init(posix_spawn_file_actions_t *actions);
POW_API int pow_posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *actions);
POW_API int pow_posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *actions, int fd);
POW_API int pow_posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *actions, int fd,
                                                 int newfd);
POW_API int pow_posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *actions, int fd,
                                                 const char *path, int oflag, int mode);
POW_API int pow_posix_spawnattr_init(posix_spawnattr_t *attr);
POW_API int pow_posix_spawnattr_destroy(posix_spawnattr_t *attr);
POW_API int pow_posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags);
POW_API int pow_posix_spawnattr_getflags(const posix_spawnattr_t *attr, short *flags);
POW_API int pow_posix_spawnattr_setpgroup(posix_spawnattr_t *attr, pid_t pgroup);
POW_API int pow_posix_spawnattr_getpgroup(const posix_spawnattr_t *attr, pid_t *pgroup);
POW_API int pow_posix_spawnattr_setsigdefault(posix_spawnattr_t *attr, const pow_sigset_t *set);
POW_API int pow_posix_spawnattr_getsigdefault(const posix_spawnattr_t *attr, pow_sigset_t *set);
POW_API int pow_posix_spawnattr_setsigmask(posix_spawnattr_t *attr, const pow_sigset_t *set);
POW_API int pow_posix_spawnattr_getsigmask(const posix_spawnattr_t *attr, pow_sigset_t *set);

/* status as POSIX encodes it: WEXITSTATUS is the low 8 bits of the exit code; a process
 * ended by an exception or by SIGPIPE's default action is WIFSIGNALED. pid -1 (and 0,
 * and < -1: Windows has no process groups to wait on) waits for any child. */
POW_API pid_t pow_waitpid(pid_t pid, int *status, int options);
POW_API pid_t pow_wait(int *status);
/* The command runs under %COMSPEC% (cmd.exe) /d /s /c, Windows' sh -c. */
POW_API FILE *pow_popen(const char *command, const char *mode);
POW_API int pow_pclose(FILE *stream);
POW_API int pow_system(const char *command);

POW_END_DECLS

#endif /* POW_SPAWN_H */
