/* The Win32 substrate of posix-on-win's pipe(), used raw: a named pipe whose inbound
 * server end this process reads (synchronously) while a child started with CreateProcess
 * writes into the client end, with the sizes of tests/bench/posix/pipe.c. Windows only. */
#include "bench.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

static char g_buf[64 * KIB];

static int writer(const char *name, size_t total, size_t chunk) {
  size_t done = 0;
  HANDLE h = CreateFileA(name, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE)
    return 2;
  memset(g_buf, 'w', sizeof g_buf);
  while (done < total) {
    DWORD put = 0;
    if (!WriteFile(h, g_buf, (DWORD)chunk, &put, NULL))
      return 3;
    done += put;
  }
  CloseHandle(h);
  return 0;
}

static double run(const char *self, size_t total, size_t chunk, int serial) {
  char name[128], cmd[1024];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  HANDLE server;
  size_t got = 0;
  DWORD r = 0, code = 1;
  double t0, t1;
  snprintf(name, sizeof name, "\\\\.\\pipe\\bench-substrate-%lu-%d",
           (unsigned long)GetCurrentProcessId(), serial);
  server = CreateNamedPipeA(name, PIPE_ACCESS_INBOUND | FILE_FLAG_FIRST_PIPE_INSTANCE,
                            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 0, 65536, 0,
                            NULL);
  if (server == INVALID_HANDLE_VALUE)
    exit(4);
  snprintf(cmd, sizeof cmd, "\"%s\" --writer %s %zu %zu", self, name, total, chunk);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  t0 = bench_now();
  if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    exit(5);
  if (!ConnectNamedPipe(server, NULL) && GetLastError() != ERROR_PIPE_CONNECTED)
    exit(6);
  while (ReadFile(server, g_buf, sizeof g_buf, &r, NULL) && r > 0)
    got += r;
  t1 = bench_now();
  CloseHandle(server);
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  if (code != 0 || got != total)
    exit(7);
  return (double)total / MIB / (t1 - t0);
}

int main(int argc, char **argv) {
  int quick, reps, i;
  char self[MAX_PATH];
  struct bench_series big = {"pipe.throughput_64KiB_writes", "MiB/s", "higher", {0}, 0};
  struct bench_series small = {"pipe.throughput_4KiB_writes", "MiB/s", "higher", {0}, 0};
  if (argc == 5 && strcmp(argv[1], "--writer") == 0)
    return writer(argv[2], (size_t)_strtoui64(argv[3], NULL, 10),
                  (size_t)_strtoui64(argv[4], NULL, 10));
  GetModuleFileNameA(NULL, self, sizeof self);
  quick = bench_quick(argc, argv);
  reps = quick ? 2 : 5;
  for (i = 0; i < reps; ++i) {
    bench_add(&big, run(self, (quick ? 32 : 256) * MIB, 64 * KIB, 2 * i));
    bench_add(&small, run(self, (quick ? 8 : 64) * MIB, 4 * KIB, 2 * i + 1));
  }
  bench_print(&big);
  bench_print(&small);
  return 0;
}
