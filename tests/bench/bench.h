/* Benchmark helpers shared by every benchmark program (C, both OSes). A program prints one
 * line per measurement:  BENCH {"name": "...", "unit": "...", "better": "lower|higher",
 * "samples": [...]}  and tests/bench/bench.py joins the lines of all programs into the
 * table. Timing uses the OS's monotonic clock. */
#ifndef IPCSHIM_BENCH_H
#define IPCSHIM_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32) || defined(WOP_WINDEF_H)
/* Win32 (real, or win-on-posix for a Win32 benchmark built on Linux). */
#ifdef _WIN32
#include <windows.h>
#endif
static double bench_now(void) {
  LARGE_INTEGER f, c;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&c);
  return (double)c.QuadPart / (double)f.QuadPart;
}
#else
#include <time.h>
static double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#endif

#define BENCH_MAX_SAMPLES 64

struct bench_series {
  const char *name;
  const char *unit;
  const char *better; /* "lower" or "higher" */
  double samples[BENCH_MAX_SAMPLES];
  int n;
};

static void bench_add(struct bench_series *s, double v) {
  if (s->n < BENCH_MAX_SAMPLES)
    s->samples[s->n++] = v;
}

static void bench_print(const struct bench_series *s) {
  int i;
  printf("BENCH {\"name\": \"%s\", \"unit\": \"%s\", \"better\": \"%s\", \"samples\": [", s->name,
         s->unit, s->better);
  for (i = 0; i < s->n; ++i)
    printf("%s%.6g", i ? ", " : "", s->samples[i]);
  printf("]}\n");
  fflush(stdout);
}

/* --quick: fewer repetitions, for smoke runs. */
static int bench_quick(int argc, char **argv) {
  int i;
  for (i = 1; i < argc; ++i)
    if (strcmp(argv[i], "--quick") == 0)
      return 1;
  return 0;
}

#endif
