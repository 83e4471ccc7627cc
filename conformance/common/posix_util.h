/* Helpers of the POSIX corpus (header only: static inline, so a test that does not use one
 * does not carry it). Only POSIX calls: they build for Linux and for posix-on-win alike.
 * Children are re-launched copies of the test binary (conf_self() --role NAME ...), started
 * with posix_spawn, never fork. */
#ifndef CONF_POSIX_UTIL_H
#define CONF_POSIX_UTIL_H

#ifdef _WIN32
#include <winsock2.h> /* before windows.h, as Winsock wants */
#include <windows.h>  /* conf_kill: TerminateProcess (posix-on-win has no kill()) */
#endif

#include "conformance.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h> /* QueryPerformanceCounter, GetProcessTimes */
#else
#include <sys/resource.h>
#endif

extern char **environ;

/* How long a test waits for a child or for data before it fails, in milliseconds. */
#define CONF_WAIT_MS 20000

/* Starts this binary in role `role` with up to 4 arguments (NULL-terminated list). */
static inline pid_t conf_spawn_role(const posix_spawn_file_actions_t *fa, const char *role,
                                    const char *a1, const char *a2, const char *a3) {
  char *argv[7];
  pid_t pid = -1;
  int n = 0, rc;
  argv[n++] = (char *)conf_self();
  argv[n++] = (char *)"--role";
  argv[n++] = (char *)role;
  if (a1)
    argv[n++] = (char *)a1;
  if (a1 && a2)
    argv[n++] = (char *)a2;
  if (a1 && a2 && a3)
    argv[n++] = (char *)a3;
  argv[n] = NULL;
  rc = posix_spawn(&pid, conf_self(), fa, NULL, argv, environ);
  if (rc != 0)
    fail_msg("posix_spawn of role '%s' failed: %s", role, strerror(rc));
  return pid;
}

static inline void conf_sleep_ms(int ms) { usleep((unsigned)ms * 1000u); }

/* waitpid with a bound: the status, or the test fails saying which child did not exit. */
static inline int conf_wait_status(pid_t pid, const char *what) {
  int status = 0, waited = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return status;
    if (r < 0)
      fail_msg("waitpid for %s failed: %s", what, strerror(errno));
    if (waited >= CONF_WAIT_MS)
      fail_msg("%s did not exit within %d ms", what, CONF_WAIT_MS);
    conf_sleep_ms(5); /* polling interval of a bounded wait, not a synchronisation */
    waited += 5;
  }
}

/* Exit code of a child that must exit normally. */
static inline int conf_wait_exit_code(pid_t pid, const char *what) {
  int status = conf_wait_status(pid, what);
  if (!WIFEXITED(status))
    fail_msg("%s did not exit normally (status 0x%x)", what, (unsigned)status);
  return WEXITSTATUS(status);
}

/* Path of an executable next to this test binary (the docs/examples programs the corpus
 * runs are built there): this binary's directory + name. */
static inline void conf_sibling(const char *name, char *out, size_t cap) {
  const char *self = conf_self();
  const char *slash = strrchr(self, '/');
  const char *bslash = strrchr(self, '\\');
  size_t dir;
  if (bslash && (!slash || bslash > slash))
    slash = bslash;
  dir = slash ? (size_t)(slash - self) + 1 : 0;
  snprintf(out, cap, "%.*s%s", (int)dir, self, name);
}

/* Runs the sibling executable `name` with args (NULL-terminated, at most 14) and returns
 * its exit code (bounded wait; it must exit normally). */
static inline int conf_run_sibling(const char *name, const char *const *args) {
  char exe[1024];
  char *argv[16];
  int n = 0, rc;
  pid_t pid;
  conf_sibling(name, exe, sizeof exe);
  argv[n++] = exe;
  while (args && args[n - 1] && n < 15) {
    argv[n] = (char *)args[n - 1];
    ++n;
  }
  argv[n] = NULL;
  rc = posix_spawn(&pid, exe, NULL, NULL, argv, environ);
  if (rc != 0)
    fail_msg("posix_spawn of %s: %s", exe, strerror(rc));
  return conf_wait_exit_code(pid, name);
}

/* A pipe whose two ends are close-on-exec (children get them only by file actions). */
static inline void conf_pipe_cloexec(int p[2]) {
  if (pipe(p) != 0)
    fail_msg("pipe: %s", strerror(errno));
  fcntl(p[0], F_SETFD, FD_CLOEXEC);
  fcntl(p[1], F_SETFD, FD_CLOEXEC);
}

/* The line of `out` that starts with `prefix`, copied to line; 0 if none. */
static inline int conf_find_line(const char *out, const char *prefix, char *line, size_t cap) {
  const char *s = out;
  while (*s) {
    const char *e = strchr(s, '\n');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (strncmp(s, prefix, strlen(prefix)) == 0) {
      snprintf(line, cap, "%.*s", (int)len, s);
      return 1;
    }
    s += len + (e ? 1 : 0);
  }
  return 0;
}

static inline size_t conf_read_to_eof(int fd, char *buf, size_t cap, const char *what);

/* Runs `tool a1 a2` (a1/a2 may be NULL) with stdout captured into out: the executable of
 * that name next to this binary if there is one (posix-on-win's ipcs/ipcrm), else the
 * system's from PATH (util-linux's). Returns its exit code. */
static inline int conf_run_tool(const char *tool, const char *a1, const char *a2, char *out,
                                size_t cap) {
  char exe[1024];
  char *argv[4];
  size_t n;
  int p[2], rc;
  pid_t pid = -1;
  posix_spawn_file_actions_t fa;
  conf_sibling(tool, exe, sizeof exe);
  argv[0] = (char *)tool;
  argv[1] = (char *)a1;
  argv[2] = a1 ? (char *)a2 : NULL;
  argv[3] = NULL;
  conf_pipe_cloexec(p);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
  if (rc == ENOENT)
    rc = posix_spawnp(&pid, tool, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  if (rc != 0)
    fail_msg("cannot run %s: %s", tool, strerror(rc));
  n = conf_read_to_eof(p[0], out, cap - 1, tool);
  out[n] = 0;
  close(p[0]);
  return conf_wait_exit_code(pid, tool);
}

/* Reads from fd (switched to O_NONBLOCK for the bounded wait) until EOF or until `cap`
 * bytes; returns the count. Fails the test if EOF does not come within the bound. */
static inline size_t conf_read_to_eof(int fd, char *buf, size_t cap, const char *what) {
  size_t got = 0;
  int waited = 0, fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
    fail_msg("fcntl O_NONBLOCK on %s: %s", what, strerror(errno));
  for (;;) {
    ssize_t r = read(fd, buf + got, cap - got);
    if (r == 0)
      break;
    if (r > 0) {
      got += (size_t)r;
      if (got == cap)
        break;
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      fail_msg("read from %s: %s", what, strerror(errno));
    if (waited >= CONF_WAIT_MS)
      fail_msg("no EOF on %s within %d ms (%u bytes read)", what, CONF_WAIT_MS, (unsigned)got);
    conf_sleep_ms(1);
    waited += 1;
  }
  fcntl(fd, F_SETFL, fl);
  return got;
}

/* Waits (bounded) until fd has data or EOF; returns what one read gives then (>= 0), or -1
 * with errno still EAGAIN if nothing came in time. Leaves fd in its previous mode. */
static inline ssize_t conf_read_some(int fd, char *buf, size_t cap, int timeout_ms) {
  int waited = 0, fl = fcntl(fd, F_GETFL);
  ssize_t r;
  fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  for (;;) {
    r = read(fd, buf, cap);
    if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK) || waited >= timeout_ms)
      break;
    conf_sleep_ms(1);
    waited += 1;
  }
  {
    int e = errno;
    fcntl(fd, F_SETFL, fl);
    errno = e;
  }
  return r;
}

/* A child role with pipes on its stdin (ours to close: its signal to go on) and its stdout
 * (its one-byte reports). */
struct conf_child {
  pid_t pid;
  int to_child;   /* write end of its stdin */
  int from_child; /* read end of its stdout */
};

static inline struct conf_child conf_start_child(const char *role, const char *a1,
                                                 const char *a2, const char *a3) {
  struct conf_child c;
  int in[2], out[2];
  posix_spawn_file_actions_t fa;
  conf_pipe_cloexec(in);
  conf_pipe_cloexec(out);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  c.pid = conf_spawn_role(&fa, role, a1, a2, a3);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  c.to_child = in[1];
  c.from_child = out[0];
  return c;
}

/* Waits (bounded) for the child's one-byte report; returns it. */
static inline char conf_child_report(struct conf_child *c, const char *what) {
  char b = 0;
  if (conf_read_some(c->from_child, &b, 1, CONF_WAIT_MS) != 1)
    fail_msg("%s: no report from the child within %d ms", what, CONF_WAIT_MS);
  return b;
}

/* Kills a child at once, whatever it is doing (SIGKILL; on Windows, where the layer has no
 * kill(), TerminateProcess: no code of the child runs either way). */
#ifdef _WIN32
static inline void conf_kill(pid_t pid) {
  HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, (DWORD)pid);
  if (!h || !TerminateProcess(h, 9))
    fail_msg("TerminateProcess of child %d failed: %lu", (int)pid, GetLastError());
  CloseHandle(h);
}
#else
static inline void conf_kill(pid_t pid) {
  if (kill(pid, SIGKILL) != 0)
    fail_msg("kill(%d, SIGKILL) failed: %s", (int)pid, strerror(errno));
}
#endif

static inline int conf_is_eagain(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

/* Clocks for tests that check how long a call waited (a monotonic clock) and how much CPU
 * the process spent meanwhile (user + system time of this process, not of its children).
 * Windows has neither clock_gettime(CLOCK_MONOTONIC) nor getrusage in its C runtime. */
static inline long long conf_now_us(void) {
#ifdef _WIN32
  LARGE_INTEGER f, t;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&t);
  return (long long)(t.QuadPart / f.QuadPart) * 1000000 +
         (long long)(t.QuadPart % f.QuadPart) * 1000000 / f.QuadPart;
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
#endif
}

static inline long long conf_cpu_time_us(void) {
#ifdef _WIN32
  FILETIME c, e, k, u;
  ULARGE_INTEGER kk, uu;
  if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u))
    fail_msg("GetProcessTimes failed: %lu", (unsigned long)GetLastError());
  kk.LowPart = k.dwLowDateTime;
  kk.HighPart = k.dwHighDateTime;
  uu.LowPart = u.dwLowDateTime;
  uu.HighPart = u.dwHighDateTime;
  return (long long)((kk.QuadPart + uu.QuadPart) / 10); /* 100 ns units */
#else
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    fail_msg("getrusage failed: %s", strerror(errno));
  return ((long long)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
         ru.ru_stime.tv_usec;
#endif
}

/* Lets the process have at least `n` fds open (RLIMIT_NOFILE on POSIX; the Windows C
 * runtime has a fixed 2048). Fails the test if it cannot. */
static inline void conf_allow_fds(long n) {
#ifndef _WIN32
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    fail_msg("getrlimit: %s", strerror(errno));
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)n) {
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)n)
      fail_msg("RLIMIT_NOFILE hard limit %ld is below the %ld fds the test needs",
               (long)rl.rlim_max, n);
    rl.rlim_cur = (rlim_t)n;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      fail_msg("setrlimit(RLIMIT_NOFILE, %ld): %s", n, strerror(errno));
  }
#else
  if (n > 2048)
    fail_msg("the C runtime allows 2048 fds, the test asks for %ld", n);
#endif
}

#endif /* CONF_POSIX_UTIL_H */
