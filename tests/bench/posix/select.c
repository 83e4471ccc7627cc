/* select() and poll() over 10, 100 and 1,000 pipe read ends: the cost of a call that finds
 * nothing ready (zero timeout), and the wake-up latency of a blocked call when another
 * process writes to one of the pipes (from the writer's clock reading, sent through the
 * pipe, to the return of select/poll). Built natively for Linux and against posix-on-win
 * (run under Wine). */
#define _GNU_SOURCE
#include "bench.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/select.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifndef _WIN32
#include <sys/resource.h>
#else
#include <windows.h>
#endif

extern char **environ;

#define MAX_FDS 1000

static int g_rd[MAX_FDS], g_wr[MAX_FDS];

static void sleep_ms(int ms) {
#ifdef _WIN32
  Sleep((DWORD)ms);
#else
  usleep((unsigned)ms * 1000u);
#endif
}

/* Child: for each byte read from fd 0 ('w' or 'q'), waits `delay_ms` (so that the parent is
 * blocked by then), then writes its clock reading to fd 3. */
static int waker(int delay_ms) {
  char c;
  while (read(0, &c, 1) == 1 && c == 'w') {
    double t;
    sleep_ms(delay_ms);
    t = bench_now();
    if (write(3, &t, sizeof t) != (ssize_t)sizeof t)
      return 2;
  }
  return 0;
}

static void open_pipes(int n) {
  int i, p[2];
#ifndef _WIN32
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 2200) {
    rl.rlim_cur = rl.rlim_max < 2200 ? rl.rlim_max : 2200;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
#endif
  for (i = 0; i < n; ++i) {
    if (pipe2(p, O_CLOEXEC) != 0)
      exit(3);
    g_rd[i] = p[0];
    g_wr[i] = fcntl(p[1], F_DUPFD_CLOEXEC, 1024); /* read ends stay below FD_SETSIZE */
    if (g_wr[i] < 0)
      exit(4);
    close(p[1]);
  }
}

static void close_pipes(int n) {
  int i;
  for (i = 0; i < n; ++i) {
    close(g_rd[i]);
    close(g_wr[i]);
  }
}

static int fill_set(fd_set *s, int n) {
  int i, max = -1;
  FD_ZERO(s);
  for (i = 0; i < n; ++i) {
    FD_SET(g_rd[i], s);
    max = g_rd[i] > max ? g_rd[i] : max;
  }
  return max + 1;
}

static struct pollfd g_pfd[MAX_FDS];

static void fill_pollfds(int n) {
  int i;
  for (i = 0; i < n; ++i) {
    g_pfd[i].fd = g_rd[i];
    g_pfd[i].events = POLLIN;
  }
}

/* Microseconds per zero-timeout call on n idle fds. */
static double idle_cost(int n, int use_poll, int calls) {
  fd_set s;
  int i, nfds;
  double t0 = bench_now();
  for (i = 0; i < calls; ++i) {
    if (use_poll) {
      fill_pollfds(n);
      if (poll(g_pfd, (nfds_t)n, 0) != 0)
        exit(5);
    } else {
      struct timeval tv = {0, 0};
      nfds = fill_set(&s, n);
      if (select(nfds, &s, NULL, NULL, &tv) != 0)
        exit(6);
    }
  }
  return (bench_now() - t0) / calls * 1e6;
}

/* Wake-up latencies (us) of `reps` blocked calls on n fds, one pipe written by a child. */
static void wake_latency(const char *self, int n, int use_poll, int reps, int delay_ms,
                         struct bench_series *out) {
  int ctl[2], target = n - 1, r, status;
  char delay_s[16];
  char *argv[] = {(char *)self, (char *)"--waker", delay_s, NULL};
  posix_spawn_file_actions_t fa;
  pid_t pid;
  snprintf(delay_s, sizeof delay_s, "%d", delay_ms);
  if (pipe(ctl) != 0)
    exit(7);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, ctl[0], 0);
  posix_spawn_file_actions_adddup2(&fa, g_wr[target], 3);
  if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0)
    exit(8);
  posix_spawn_file_actions_destroy(&fa);
  close(ctl[0]);
  for (r = 0; r < reps; ++r) {
    double sent, now;
    int got;
    if (write(ctl[1], "w", 1) != 1)
      exit(9);
    if (use_poll) {
      fill_pollfds(n);
      got = poll(g_pfd, (nfds_t)n, -1);
    } else {
      fd_set s;
      int nfds = fill_set(&s, n);
      got = select(nfds, &s, NULL, NULL, NULL);
    }
    now = bench_now();
    if (got != 1 || read(g_rd[target], &sent, sizeof sent) != (ssize_t)sizeof sent)
      exit(10);
    bench_add(out, (now - sent) * 1e6);
  }
  if (write(ctl[1], "q", 1) != 1)
    exit(12);
  close(ctl[1]);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    exit(11);
}

int main(int argc, char **argv) {
  static const int sizes[] = {10, 100, 1000};
  static char names[12][64];
  int quick, reps, k, use_poll, i;
  if (argc == 3 && strcmp(argv[1], "--waker") == 0)
    return waker(atoi(argv[2]));
  quick = bench_quick(argc, argv);
  reps = quick ? 5 : 20;
  for (k = 0; k < 3; ++k) {
    int n = sizes[k];
    open_pipes(n);
    for (use_poll = 0; use_poll < 2; ++use_poll) {
      const char *fn = use_poll ? "poll" : "select";
      struct bench_series cost = {0}, wake = {0};
      double setup;
      snprintf(names[k * 4 + use_poll * 2], 64, "select.%s_idle_call_%d_fds", fn, n);
      snprintf(names[k * 4 + use_poll * 2 + 1], 64, "select.%s_wakeup_%d_fds", fn, n);
      cost.name = names[k * 4 + use_poll * 2];
      cost.unit = "us";
      cost.better = "lower";
      wake.name = names[k * 4 + use_poll * 2 + 1];
      wake.unit = "us";
      wake.better = "lower";
      for (i = 0; i < (quick ? 3 : 7); ++i)
        bench_add(&cost, idle_cost(n, use_poll, n >= 1000 ? 20 : 200));
      /* The waker waits long enough for the parent to have set up its wait: a few
       * times the idle call's cost, at least 2 ms. */
      setup = cost.samples[0] / 1000.0;
      wake_latency(argv[0], n, use_poll, reps, 2 + (int)(setup * 4), &wake);
      bench_print(&cost);
      bench_print(&wake);
    }
    close_pipes(n);
  }
  return 0;
}
