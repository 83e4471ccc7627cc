/* Anonymous pipe throughput (Win32 API): CreatePipe with an inheritable write end, a child
 * started with CreateProcess gets it as its standard output and writes `total` bytes in
 * blocks of 64 KiB or 4 KiB; this process reads until the pipe breaks.
 *   pipe_win32.throughput_64KiB_writes / pipe_win32.throughput_4KiB_writes   MiB/s
 * The clock starts at the first read that returns data (process start-up is not counted;
 * that first read's bytes are not either). Built against win-on-posix (Linux) and against
 * real Win32 (mingw, run under Wine): the same source on both; tests/bench/linux/pipe.c is
 * the raw pipe(2) equivalent. */
#include <windows.h>

#include "bench.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

static char g_buf[64 * KIB];

static int writer(size_t total, size_t chunk) {
  size_t done = 0;
  HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);
  if (h == INVALID_HANDLE_VALUE || h == NULL)
    return 2;
  memset(g_buf, 'w', sizeof g_buf);
  while (done < total) {
    DWORD put = 0;
    if (!WriteFile(h, g_buf, (DWORD)chunk, &put, NULL) || put == 0)
      return 3;
    done += put;
  }
  CloseHandle(h);
  return 0;
}

/* MiB/s of one transfer, or -1. */
static double run(const char *self, size_t total, size_t chunk) {
  char cmd[2 * MAX_PATH];
  SECURITY_ATTRIBUTES sa;
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  HANDLE rd, wr;
  size_t got = 0, first = 0;
  DWORD n = 0, code = 1;
  double t0 = 0, t1;
  sa.nLength = sizeof sa;
  sa.lpSecurityDescriptor = NULL;
  sa.bInheritHandle = TRUE;
  if (!CreatePipe(&rd, &wr, &sa, 0))
    return -1;
  /* Only the write end goes to the child: with the read end open there too the pipe would
   * never break. */
  if (!SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0))
    return -1;
  snprintf(cmd, sizeof cmd, "\"%s\" --writer %lu %lu", self, (unsigned long)total,
           (unsigned long)chunk);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = wr;
  si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    return -1;
  CloseHandle(wr); /* the child's copy is now the only writer */
  while (ReadFile(rd, g_buf, sizeof g_buf, &n, NULL) && n > 0) {
    if (got == 0) {
      t0 = bench_now();
      first = n;
    }
    got += n;
  }
  t1 = bench_now();
  CloseHandle(rd);
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  if (code != 0 || got != total)
    return -1;
  return (double)(total - first) / MIB / (t1 - t0);
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const int reps = quick ? 2 : 5;
  struct bench_series big = {"pipe_win32.throughput_64KiB_writes", "MiB/s", "higher", {0}, 0};
  struct bench_series small = {"pipe_win32.throughput_4KiB_writes", "MiB/s", "higher", {0}, 0};
  char self[MAX_PATH];
  int r;
  if (argc == 4 && strcmp(argv[1], "--writer") == 0)
    return writer((size_t)strtoul(argv[2], NULL, 10), (size_t)strtoul(argv[3], NULL, 10));
  if (!GetModuleFileNameA(NULL, self, sizeof self))
    return 1;
  for (r = 0; r < reps; ++r) {
    double a = run(self, (quick ? 32 : 256) * MIB, 64 * KIB);
    double b = run(self, (quick ? 8 : 64) * MIB, 4 * KIB);
    if (a < 0 || b < 0) {
      fprintf(stderr, "pipe benchmark run %d failed (error %lu)\n", r,
              (unsigned long)GetLastError());
      return 1;
    }
    bench_add(&big, a);
    bench_add(&small, b);
  }
  bench_print(&big);
  bench_print(&small);
  return 0;
}
