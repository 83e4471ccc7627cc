/* pipe PROG1 [ARG...] -- PROG2 [ARG...]
 *
 * Runs PROG1 | PROG2 the UNIX way, without fork: one pipe(), PROG1's standard output is its
 * write end and PROG2's standard input its read end, set up with posix_spawn file actions.
 * Waits for both and exits with PROG2's exit status (1 and a message if anything fails).
 *
 * Builds unchanged for Linux (glibc) and for Windows against posix-on-win.
 *
 * The classic recipe and where each step went:
 *   1. create the pipe                      pipe(fds)
 *   2. create the children                  posix_spawn instead of fork + exec
 *   3. duplicate the ends onto 0/1          adddup2 file actions (run in the child)
 *   4. close the unused ends                addclose file actions in the child, close() here
 *   5. communicate                          the children do
 *   6. close what is left, wait             close() both ends, waitpid() both children
 * What makes PROG2 see EOF: the read end reports EOF only once every write end, in every
 * process, is closed. So this program closes its write end after PROG1 is started and
 * PROG2 must not inherit it (the addclose actions), and PROG1's copy closes when it exits. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what, int err) {
  fprintf(stderr, "pipe: %s failed: %s\n", what, strerror(err));
  return 1;
}

/* Starts argv[0] (searched in PATH) with `from` as fd `onto`; both pipe ends closed. */
static int start(pid_t *pid, char **argv, int from, int onto, const int fds[2]) {
  posix_spawn_file_actions_t fa;
  int rc = posix_spawn_file_actions_init(&fa);
  if (rc != 0)
    return rc;
  rc = posix_spawn_file_actions_adddup2(&fa, from, onto);
  if (rc == 0)
    rc = posix_spawn_file_actions_addclose(&fa, fds[0]);
  if (rc == 0)
    rc = posix_spawn_file_actions_addclose(&fa, fds[1]);
  if (rc == 0)
    rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc;
}

int main(int argc, char **argv) {
  int fds[2], sep, rc, status1, status2;
  pid_t p1, p2;
  for (sep = 1; sep < argc && strcmp(argv[sep], "--") != 0; ++sep)
    ;
  if (sep < 2 || sep + 1 >= argc) {
    fprintf(stderr, "usage: %s PROG1 [ARG...] -- PROG2 [ARG...]\n", argv[0]);
    return 1;
  }
  argv[sep] = NULL; /* PROG1's argv ends here; PROG2's starts after */

  if (pipe(fds) != 0)
    return fail("pipe", errno);
  rc = start(&p1, argv + 1, fds[1], 1, fds);
  if (rc != 0)
    return fail("starting PROG1", rc);
  close(fds[1]); /* PROG1 has its copy; ours would keep PROG2 from seeing EOF */
  rc = start(&p2, argv + sep + 1, fds[0], 0, fds);
  if (rc != 0)
    return fail("starting PROG2", rc);
  close(fds[0]);

  if (waitpid(p1, &status1, 0) != p1)
    return fail("waitpid PROG1", errno);
  if (waitpid(p2, &status2, 0) != p2)
    return fail("waitpid PROG2", errno);
  if (!WIFEXITED(status2)) {
    fprintf(stderr, "pipe: PROG2 ended by signal %d\n", WTERMSIG(status2));
    return 1;
  }
  return WEXITSTATUS(status2);
}
