/* System V shared memory: the cost of shmget+shmat+shmdt+IPC_RMID of a 1 MiB segment, and
 * the bandwidth of copying into an attached 64 MiB segment that another process (started
 * with posix_spawn) attached too and reads back (its checksum is verified). Built natively
 * for Linux and against posix-on-win (run under Wine); tests/bench/substrate/shm.c measures
 * a raw page-file-backed Win32 section the same way. */
#define _GNU_SOURCE
#include "bench.h"

#include <spawn.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MIB (1024u * 1024u)
#define SEG (64u * MIB)

static char g_src[4 * MIB];

/* Child: sums the segment and exits 0 if the sum is what the parent wrote. */
static int reader(int id, unsigned long long want) {
  unsigned long long sum = 0;
  size_t i;
  const unsigned char *p = shmat(id, NULL, SHM_RDONLY);
  if (p == (void *)-1)
    return 2;
  for (i = 0; i < SEG; i += 64)
    sum += p[i];
  shmdt(p);
  return sum == want ? 0 : 3;
}

static double create_attach_us(int n) {
  double t0 = bench_now();
  int i;
  for (i = 0; i < n; ++i) {
    int id = shmget(IPC_PRIVATE, MIB, IPC_CREAT | 0600);
    char *p;
    if (id < 0)
      exit(3);
    p = shmat(id, NULL, 0);
    if (p == (void *)-1)
      exit(4);
    p[0] = 1;
    shmdt(p);
    shmctl(id, IPC_RMID, NULL);
  }
  return (bench_now() - t0) / n * 1e6;
}

static double bandwidth(const char *self, int passes) {
  int id = shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600), status, pass;
  unsigned char *p;
  unsigned long long sum = 0;
  size_t off, i;
  double t0, t;
  char ids[32], sums[32];
  char *argv[] = {(char *)self, (char *)"--reader", ids, sums, NULL};
  pid_t pid;
  if (id < 0)
    exit(3);
  p = shmat(id, NULL, 0);
  if (p == (void *)-1)
    exit(4);
  memset(p, 0, SEG); /* first touch (page allocation) is not the bandwidth */
  t0 = bench_now();
  for (pass = 0; pass < passes; ++pass)
    for (off = 0; off < SEG; off += sizeof g_src)
      memcpy(p + off, g_src, sizeof g_src);
  t = bench_now() - t0;
  for (i = 0; i < SEG; i += 64)
    sum += p[i];
  snprintf(ids, sizeof ids, "%d", id);
  snprintf(sums, sizeof sums, "%llu", sum);
  if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0)
    exit(5);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    exit(6);
  shmdt(p);
  shmctl(id, IPC_RMID, NULL);
  return (double)SEG * passes / MIB / t;
}

int main(int argc, char **argv) {
  int quick, reps, i;
  struct bench_series bw = {"shm.copy_bandwidth_64MiB", "MiB/s", "higher", {0}, 0};
  struct bench_series cycle = {"shm.get_attach_detach_rmid_1MiB", "us", "lower", {0}, 0};
  if (argc == 4 && strcmp(argv[1], "--reader") == 0)
    return reader(atoi(argv[2]), strtoull(argv[3], NULL, 10));
  for (i = 0; i < (int)sizeof g_src; ++i)
    g_src[i] = (char)(i * 7);
  quick = bench_quick(argc, argv);
  reps = quick ? 2 : 5;
  for (i = 0; i < reps; ++i) {
    bench_add(&bw, bandwidth(argv[0], quick ? 2 : 8));
    bench_add(&cycle, create_attach_us(quick ? 50 : 200));
  }
  bench_print(&bw);
  bench_print(&cycle);
  return 0;
}
