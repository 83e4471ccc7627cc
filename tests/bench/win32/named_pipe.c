/* Named pipe benchmark (Win32 API), server in this process, client in a child process:
 *   named_pipe.round_trip_64B     message ping-pong: the client echoes each 64-byte message
 *   named_pipe.bytes_64KiB_writes byte pipe throughput: the client writes 64 KiB blocks
 *   named_pipe.messages_64B       message pipe: the client sends 64-byte messages one way
 * Built against win-on-posix (Linux) and against real Win32 (mingw, run under Wine): the
 * same source on both; tests/bench/linux/named_pipe.c is the raw AF_UNIX equivalent. */
#include <windows.h>

#include "bench.h"

#define MSG_SIZE 64
#define BLOCK (64 * 1024)

static int child(const char *name, const char *mode, long count) {
  static char buf[BLOCK];
  DWORD n, rmode = PIPE_READMODE_MESSAGE;
  long i;
  HANDLE h = INVALID_HANDLE_VALUE;
  DWORD t0 = GetTickCount();
  while (h == INVALID_HANDLE_VALUE && GetTickCount() - t0 < 20000) {
    h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
      WaitNamedPipeA(name, 1000);
  }
  if (h == INVALID_HANDLE_VALUE)
    return 2;
  memset(buf, 'b', sizeof buf);
  if (strcmp(mode, "echo") == 0) {
    if (!SetNamedPipeHandleState(h, &rmode, NULL, NULL))
      return 3;
    for (i = 0; i < count; ++i)
      if (!ReadFile(h, buf, MSG_SIZE, &n, NULL) || !WriteFile(h, buf, n, &n, NULL))
        return 4;
  } else if (strcmp(mode, "bytes") == 0) {
    for (i = 0; i < count; ++i)
      if (!WriteFile(h, buf, BLOCK, &n, NULL) || n != BLOCK)
        return 5;
  } else {
    for (i = 0; i < count; ++i)
      if (!WriteFile(h, buf, MSG_SIZE, &n, NULL) || n != MSG_SIZE)
        return 6;
  }
  FlushFileBuffers(h);
  CloseHandle(h);
  return 0;
}

/* One run: the server side of `mode`; returns the figure, or a negative value on failure. */
static double run(const char *self, const char *mode, long count, int rep) {
  static char buf[BLOCK];
  char name[128], cmd[2 * MAX_PATH];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  DWORD n, code = 1;
  double t0 = 0, result = 0;
  long i;
  const int message = strcmp(mode, "bytes") != 0;
  HANDLE p;
  snprintf(name, sizeof name, "\\\\.\\pipe\\ipcshim-bench-%lu-%s-%d",
           (unsigned long)GetCurrentProcessId(), mode, rep);
  p = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX,
                       message ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE : PIPE_TYPE_BYTE, 1,
                       BLOCK, BLOCK, 0, NULL);
  if (p == INVALID_HANDLE_VALUE)
    return -1;
  snprintf(cmd, sizeof cmd, "\"%s\" --child %s %s %ld", self, name, mode, count);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    return -1;
  if (!ConnectNamedPipe(p, NULL) && GetLastError() != ERROR_PIPE_CONNECTED)
    return -1;
  memset(buf, 'a', sizeof buf);
  if (strcmp(mode, "echo") == 0) {
    /* a few warm-up exchanges, then the timed ones */
    for (i = 0; i < count; ++i) {
      if (i == 10)
        t0 = bench_now();
      if (!WriteFile(p, buf, MSG_SIZE, &n, NULL) || !ReadFile(p, buf, MSG_SIZE, &n, NULL) ||
          n != MSG_SIZE)
        return -1;
    }
    result = (bench_now() - t0) * 1e6 / (double)(count - 10);
  } else if (strcmp(mode, "bytes") == 0) {
    long long total = (long long)count * BLOCK, got = 0;
    while (got < total) {
      if (!ReadFile(p, buf, BLOCK, &n, NULL))
        return -1;
      if (got == 0)
        t0 = bench_now();
      got += n;
    }
    result = (double)(total - BLOCK) / (bench_now() - t0) / 1e6;
  } else {
    for (i = 0; i < count; ++i) {
      if (!ReadFile(p, buf, MSG_SIZE, &n, NULL) || n != MSG_SIZE)
        return -1;
      if (i == 0)
        t0 = bench_now();
    }
    result = (double)(count - 1) / (bench_now() - t0);
  }
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  CloseHandle(p);
  return code == 0 ? result : -1;
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const int reps = quick ? 2 : 5;
  struct bench_series rt = {"named_pipe.round_trip_64B", "us", "lower", {0}, 0};
  struct bench_series bytes = {"named_pipe.bytes_64KiB_writes", "MB/s", "higher", {0}, 0};
  struct bench_series msgs = {"named_pipe.messages_64B", "msg/s", "higher", {0}, 0};
  char self[MAX_PATH];
  int r;
  if (argc >= 5 && strcmp(argv[1], "--child") == 0)
    return child(argv[2], argv[3], atol(argv[4]));
  if (!GetModuleFileNameA(NULL, self, sizeof self))
    return 1;
  for (r = 0; r < reps; ++r) {
    double a = run(self, "echo", quick ? 2000 : 20000, r);
    double b = run(self, "bytes", quick ? 128 : 1024, r);
    double c = run(self, "msgs", quick ? 10000 : 50000, r);
    if (a < 0 || b < 0 || c < 0) {
      fprintf(stderr, "named_pipe benchmark run %d failed (error %lu)\n", r,
              (unsigned long)GetLastError());
      return 1;
    }
    bench_add(&rt, a);
    bench_add(&bytes, b);
    bench_add(&msgs, c);
  }
  bench_print(&rt);
  bench_print(&bytes);
  bench_print(&msgs);
  return 0;
}
