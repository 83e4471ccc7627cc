/* The raw Win32 substrate for shared memory, measured as tests/bench/posix/shm.c measures
 * System V segments: CreateFileMapping (page-file backed) + MapViewOfFile + UnmapViewOfFile
 * + CloseHandle of 1 MiB, and copy bandwidth into a 64 MiB view. Windows only. Note the
 * difference it does not show: a page-file section dies with its last handle, while a
 * System V segment must outlive every process (posix-on-win backs it with a file). */
#include "bench.h"

#define MIB (1024u * 1024u)
#define SEG (64u * MIB)

static char g_src[4 * MIB];

static double create_map_us(int n) {
  double t0 = bench_now();
  int i;
  for (i = 0; i < n; ++i) {
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MIB, NULL);
    char *p;
    if (!m)
      exit(3);
    p = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, MIB);
    if (!p)
      exit(4);
    p[0] = 1;
    UnmapViewOfFile(p);
    CloseHandle(m);
  }
  return (bench_now() - t0) / n * 1e6;
}

static double bandwidth(int passes) {
  HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, SEG, NULL);
  unsigned char *p;
  size_t off;
  double t0, t;
  int pass;
  if (!m)
    exit(3);
  p = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, SEG);
  if (!p)
    exit(4);
  memset(p, 0, SEG);
  t0 = bench_now();
  for (pass = 0; pass < passes; ++pass)
    for (off = 0; off < SEG; off += sizeof g_src)
      memcpy(p + off, g_src, sizeof g_src);
  t = bench_now() - t0;
  UnmapViewOfFile(p);
  CloseHandle(m);
  return (double)SEG * passes / MIB / t;
}

int main(int argc, char **argv) {
  int quick, reps, i;
  struct bench_series bw = {"shm.copy_bandwidth_64MiB", "MiB/s", "higher", {0}, 0};
  struct bench_series cycle = {"shm.get_attach_detach_rmid_1MiB", "us", "lower", {0}, 0};
  for (i = 0; i < (int)sizeof g_src; ++i)
    g_src[i] = (char)(i * 7);
  quick = bench_quick(argc, argv);
  reps = quick ? 2 : 5;
  for (i = 0; i < reps; ++i) {
    bench_add(&bw, bandwidth(quick ? 2 : 8));
    bench_add(&cycle, create_map_us(quick ? 50 : 200));
  }
  bench_print(&bw);
  bench_print(&cycle);
  return 0;
}
