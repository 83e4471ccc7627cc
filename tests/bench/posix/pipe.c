/* pipe() throughput between two processes: a child started with posix_spawn writes into
 * the pipe (its stdout), this process reads. Built natively for Linux (the limit) and
 * against posix-on-win (run under Wine); tests/bench/substrate/pipe.c measures the raw
 * Win32 named pipe the layer is built on, with the same sizes. */
#define _GNU_SOURCE
#include "bench.h"

#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define KIB 1024u
#define MIB (1024u * 1024u)

static char g_buf[64 * KIB];

/* Child: writes `total` bytes in writes of `chunk` bytes to fd 1. */
static int writer(size_t total, size_t chunk) {
  size_t done = 0;
  memset(g_buf, 'w', sizeof g_buf);
  while (done < total) {
    ssize_t r = write(1, g_buf, chunk);
    if (r <= 0)
      return 2;
    done += (size_t)r;
  }
  return 0;
}

/* One run: MiB/s from the first spawn to the reader's EOF. */
static double run(const char *self, size_t total, size_t chunk) {
  int fds[2], status;
  char total_s[32], chunk_s[32];
  char *argv[] = {(char *)self, (char *)"--writer", total_s, chunk_s, NULL};
  posix_spawn_file_actions_t fa;
  pid_t pid;
  size_t got = 0;
  ssize_t r;
  double t0, t1;
  snprintf(total_s, sizeof total_s, "%zu", total);
  snprintf(chunk_s, sizeof chunk_s, "%zu", chunk);
  if (pipe(fds) != 0)
    exit(3);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  t0 = bench_now();
  if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0)
    exit(4);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  while ((r = read(fds[0], g_buf, sizeof g_buf)) > 0)
    got += (size_t)r;
  t1 = bench_now();
  close(fds[0]);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      got != total)
    exit(5);
  return (double)total / MIB / (t1 - t0);
}

int main(int argc, char **argv) {
  int quick, reps, i;
  struct bench_series big = {"pipe.throughput_64KiB_writes", "MiB/s", "higher", {0}, 0};
  struct bench_series small = {"pipe.throughput_4KiB_writes", "MiB/s", "higher", {0}, 0};
  if (argc == 4 && strcmp(argv[1], "--writer") == 0)
    return writer((size_t)strtoull(argv[2], NULL, 10), (size_t)strtoull(argv[3], NULL, 10));
  quick = bench_quick(argc, argv);
  reps = quick ? 2 : 5;
  for (i = 0; i < reps; ++i) {
    bench_add(&big, run(argv[0], (quick ? 32 : 256) * MIB, 64 * KIB));
    bench_add(&small, run(argv[0], (quick ? 8 : 64) * MIB, 4 * KIB));
  }
  bench_print(&big);
  bench_print(&small);
  return 0;
}
