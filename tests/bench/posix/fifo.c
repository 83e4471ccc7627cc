/* FIFO throughput between two processes: a child started with posix_spawn opens the FIFO
 * by its path and writes, this process opens it and reads. Built natively for Linux (the
 * limit) and against posix-on-win (run under Wine), same sizes as pipe.c, so the cost of
 * the FIFO's rendezvous over a plain pipe shows too. */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define KIB 1024u
#define MIB (1024u * 1024u)

static char g_buf[64 * KIB];

/* Child: opens path for writing and writes `total` bytes in writes of `chunk` bytes. */
static int writer(const char *path, size_t total, size_t chunk) {
  size_t done = 0;
  int fd = open(path, O_WRONLY);
  if (fd < 0)
    return 2;
  memset(g_buf, 'w', sizeof g_buf);
  while (done < total) {
    ssize_t r = write(fd, g_buf, chunk);
    if (r <= 0)
      return 3;
    done += (size_t)r;
  }
  close(fd);
  return 0;
}

/* One run: MiB/s from the spawn (the writer's open included) to the reader's EOF. */
static double run(const char *self, const char *path, size_t total, size_t chunk) {
  char total_s[32], chunk_s[32];
  char *argv[] = {(char *)self, (char *)"--writer", (char *)path, total_s, chunk_s, NULL};
  pid_t pid;
  size_t got = 0;
  ssize_t r;
  double t0, t1;
  int fd, status;
  snprintf(total_s, sizeof total_s, "%zu", total);
  snprintf(chunk_s, sizeof chunk_s, "%zu", chunk);
  t0 = bench_now();
  if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0)
    exit(4);
  fd = open(path, O_RDONLY); /* waits for the writer */
  if (fd < 0)
    exit(5);
  while ((r = read(fd, g_buf, sizeof g_buf)) > 0)
    got += (size_t)r;
  t1 = bench_now();
  close(fd);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      got != total)
    exit(6);
  return (double)total / MIB / (t1 - t0);
}

int main(int argc, char **argv) {
  int quick, reps, i;
  char path[512];
  const char *dir = getenv("TMPDIR");
  struct bench_series big = {"fifo.throughput_64KiB_writes", "MiB/s", "higher", {0}, 0};
  struct bench_series small = {"fifo.throughput_4KiB_writes", "MiB/s", "higher", {0}, 0};
  if (argc == 5 && strcmp(argv[1], "--writer") == 0)
    return writer(argv[2], (size_t)strtoull(argv[3], NULL, 10),
                  (size_t)strtoull(argv[4], NULL, 10));
  if (!dir)
    dir = getenv("TEMP");
  if (!dir)
    dir = "/tmp";
  snprintf(path, sizeof path, "%s/bench-fifo-%d", dir, (int)getpid());
  unlink(path);
  if (mkfifo(path, 0600) != 0) {
    fprintf(stderr, "mkfifo(%s): %s\n", path, strerror(errno));
    return 1;
  }
  quick = bench_quick(argc, argv);
  reps = quick ? 2 : 5;
  for (i = 0; i < reps; ++i) {
    bench_add(&big, run(argv[0], path, (quick ? 32 : 256) * MIB, 64 * KIB));
    bench_add(&small, run(argv[0], path, (quick ? 8 : 64) * MIB, 4 * KIB));
  }
  unlink(path);
  bench_print(&big);
  bench_print(&small);
  return 0;
}
