/* The Linux limit for the event benchmark: the ping-pong of tests/bench/win32/event.c with
 * the raw kernel primitive. An auto-reset event is a futex word: set = store 1 + FUTEX_WAKE,
 * wait = take the 1 (exchange with 0) or FUTEX_WAIT while it is 0.
 *   event.ping_pong_threads            two threads, private futexes
 *   event.ping_pong_processes          a child spawned from /proc/self/exe, the two words in a
 *                                      memfd both map MAP_SHARED (shared futexes)
 *   event.ping_pong_processes_eventfd  the same two processes with two eventfds instead */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define WARMUP 100      /* round trips before the clock starts */
#define TIMEOUT_S 30    /* a lost wake-up fails the run instead of hanging it */

extern char **environ;

struct words {
  atomic_int ping, pong;
};

static int g_private; /* FUTEX_PRIVATE_FLAG for the threads case, 0 across processes */

static void ev_set(atomic_int *w) {
  atomic_store(w, 1);
  syscall(SYS_futex, w, FUTEX_WAKE | g_private, 1, NULL, NULL, 0);
}

static int ev_wait(atomic_int *w) {
  struct timespec to = {TIMEOUT_S, 0};
  while (!atomic_exchange(w, 0))
    if (syscall(SYS_futex, w, FUTEX_WAIT | g_private, 0, &to, NULL, 0) != 0 &&
        errno != EAGAIN && errno != EINTR)
      return -1;
  return 0;
}

static int respond(struct words *w, long count) {
  long i;
  for (i = 0; i < count; ++i) {
    if (ev_wait(&w->ping) != 0)
      return 2;
    ev_set(&w->pong);
  }
  return 0;
}

static double drive(struct words *w, long count) {
  double t0 = 0;
  long i;
  for (i = 0; i < count; ++i) {
    if (i == WARMUP)
      t0 = bench_now();
    ev_set(&w->ping);
    if (ev_wait(&w->pong) != 0)
      return -1;
  }
  return (bench_now() - t0) * 1e6 / (double)(count - WARMUP);
}

struct responder {
  struct words *w;
  long count;
  int rc;
};

static void *responder_thread(void *arg) {
  struct responder *r = arg;
  r->rc = respond(r->w, r->count);
  return NULL;
}

static double threads(long count) {
  struct words w = {0, 0};
  struct responder r = {&w, count, 1};
  pthread_t t;
  double result;
  g_private = FUTEX_PRIVATE_FLAG;
  if (pthread_create(&t, NULL, responder_thread, &r) != 0)
    return -1;
  result = drive(&w, count);
  pthread_join(t, NULL);
  return r.rc == 0 ? result : -1;
}

/* Spawns this program with `role` and `count`, fds a and b on its 3 and 4. */
static pid_t spawn_child(const char *self, const char *role, long count, int a, int b) {
  char countstr[32];
  char *args[] = {(char *)self, (char *)role, countstr, NULL};
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int rc;
  snprintf(countstr, sizeof countstr, "%ld", count);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, a, 3);
  if (b >= 0)
    posix_spawn_file_actions_adddup2(&fa, b, 4);
  rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

static int reap(pid_t pid) {
  int status;
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static struct words *map_words(int fd) {
  void *p = mmap(NULL, sizeof(struct words), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? NULL : p;
}

static double processes(const char *self, long count) {
  struct words *w;
  double result;
  pid_t pid;
  int fd = memfd_create("ipcshim-bench-event", MFD_CLOEXEC);
  g_private = 0;
  if (fd < 0 || ftruncate(fd, sizeof *w) != 0 || !(w = map_words(fd)))
    return -1;
  pid = spawn_child(self, "--futex-child", count, fd, -1);
  close(fd);
  if (pid < 0)
    return -1;
  result = drive(w, count);
  if (!reap(pid))
    result = -1;
  munmap(w, sizeof *w);
  return result;
}

static int eventfd_respond(int ping, int pong, long count) {
  uint64_t v;
  long i;
  for (i = 0; i < count; ++i) {
    if (read(ping, &v, sizeof v) != sizeof v)
      return 2;
    v = 1;
    if (write(pong, &v, sizeof v) != sizeof v)
      return 3;
  }
  return 0;
}

static double processes_eventfd(const char *self, long count) {
  uint64_t v = 1;
  double t0 = 0, result;
  long i;
  pid_t pid;
  int ping = eventfd(0, EFD_CLOEXEC), pong = eventfd(0, EFD_CLOEXEC);
  if (ping < 0 || pong < 0)
    return -1;
  pid = spawn_child(self, "--eventfd-child", count, ping, pong);
  if (pid < 0)
    return -1;
  for (i = 0; i < count; ++i) {
    if (i == WARMUP)
      t0 = bench_now();
    v = 1;
    if (write(ping, &v, sizeof v) != sizeof v || read(pong, &v, sizeof v) != sizeof v)
      return -1;
  }
  result = (bench_now() - t0) * 1e6 / (double)(count - WARMUP);
  close(ping);
  close(pong);
  return reap(pid) ? result : -1;
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const int reps = quick ? 2 : 5;
  const long count = quick ? 1000 : 5000;
  struct bench_series thr = {"event.ping_pong_threads", "us", "lower", {0}, 0};
  struct bench_series proc = {"event.ping_pong_processes", "us", "lower", {0}, 0};
  struct bench_series efd = {"event.ping_pong_processes_eventfd", "us", "lower", {0}, 0};
  int r;
  if (argc == 3 && strcmp(argv[1], "--futex-child") == 0) {
    struct words *w = map_words(3);
    return w ? respond(w, atol(argv[2])) : 9;
  }
  if (argc == 3 && strcmp(argv[1], "--eventfd-child") == 0)
    return eventfd_respond(3, 4, atol(argv[2]));
  for (r = 0; r < reps; ++r) {
    double a = threads(count);
    double b = processes(argv[0], count);
    double c = processes_eventfd(argv[0], count);
    if (a < 0 || b < 0 || c < 0) {
      fprintf(stderr, "event benchmark run %d failed\n", r);
      return 1;
    }
    bench_add(&thr, a);
    bench_add(&proc, b);
    bench_add(&efd, c);
  }
  bench_print(&thr);
  bench_print(&proc);
  bench_print(&efd);
  return 0;
}
