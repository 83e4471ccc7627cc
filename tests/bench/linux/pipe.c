/* The Linux limit for the anonymous pipe benchmark: tests/bench/win32/pipe.c with pipe(2),
 * the write end on the standard output of a child spawned from /proc/self/exe, which writes
 * `total` bytes in blocks of 64 KiB or 4 KiB while this process reads until end of file.
 * Timed the same way: from the first read that returns data, without its bytes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

extern char **environ;

static char g_buf[64 * KIB];

static int writer(size_t total, size_t chunk) {
  size_t done = 0;
  memset(g_buf, 'w', sizeof g_buf);
  while (done < total) {
    ssize_t put = write(1, g_buf, chunk);
    if (put <= 0)
      return 3;
    done += (size_t)put;
  }
  close(1);
  return 0;
}

static double run(const char *self, size_t total, size_t chunk) {
  char total_s[32], chunk_s[32];
  char *args[] = {(char *)self, (char *)"--writer", total_s, chunk_s, NULL};
  posix_spawn_file_actions_t fa;
  size_t got = 0, first = 0;
  double t0 = 0, t1;
  ssize_t n;
  pid_t pid;
  int p[2], status = 1, rc;
  if (pipe2(p, O_CLOEXEC) != 0)
    return -1;
  snprintf(total_s, sizeof total_s, "%zu", total);
  snprintf(chunk_s, sizeof chunk_s, "%zu", chunk);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  if (rc != 0)
    return -1;
  while ((n = read(p[0], g_buf, sizeof g_buf)) > 0) {
    if (got == 0) {
      t0 = bench_now();
      first = (size_t)n;
    }
    got += (size_t)n;
  }
  t1 = bench_now();
  close(p[0]);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      got != total)
    return -1;
  return (double)(total - first) / MIB / (t1 - t0);
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const int reps = quick ? 2 : 5;
  struct bench_series big = {"pipe_win32.throughput_64KiB_writes", "MiB/s", "higher", {0}, 0};
  struct bench_series small = {"pipe_win32.throughput_4KiB_writes", "MiB/s", "higher", {0}, 0};
  int r;
  if (argc == 4 && strcmp(argv[1], "--writer") == 0)
    return writer((size_t)strtoul(argv[2], NULL, 10), (size_t)strtoul(argv[3], NULL, 10));
  for (r = 0; r < reps; ++r) {
    double a = run(argv[0], (quick ? 32 : 256) * MIB, 64 * KIB);
    double b = run(argv[0], (quick ? 8 : 64) * MIB, 4 * KIB);
    if (a < 0 || b < 0) {
      fprintf(stderr, "pipe benchmark run %d failed\n", r);
      return 1;
    }
    bench_add(&big, a);
    bench_add(&small, b);
  }
  bench_print(&big);
  bench_print(&small);
  return 0;
}
