/* The Win32 mechanism a port would otherwise use for messages between processes, raw: a
 * mailslot that a child started with CreateProcess writes N 64-byte messages into and this
 * process reads; messages per second from the first message read to the last, as
 * tests/bench/posix/msg.c measures msgsnd/msgrcv. Windows only. */
#include "bench.h"

#define MSG_SIZE 64

static int writer(const char *slot, long count) {
  char buf[MSG_SIZE];
  DWORD put;
  long i;
  HANDLE h = CreateFileA(slot, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE)
    return 2;
  memset(buf, 'm', sizeof buf);
  for (i = 0; i < count; ++i)
    if (!WriteFile(h, buf, MSG_SIZE, &put, NULL) || put != MSG_SIZE)
      return 3;
  CloseHandle(h);
  return 0;
}

static double run(const char *self, long count, int serial) {
  char slot[128], cmd[MAX_PATH + 256], buf[MSG_SIZE];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  DWORD got, code = 1;
  double t0 = 0, t;
  long n;
  HANDLE h;
  snprintf(slot, sizeof slot, "\\\\.\\mailslot\\ipcshim-substrate-msg-%lu-%d",
           (unsigned long)GetCurrentProcessId(), serial);
  h = CreateMailslotA(slot, 0, MAILSLOT_WAIT_FOREVER, NULL);
  if (h == INVALID_HANDLE_VALUE)
    exit(4);
  snprintf(cmd, sizeof cmd, "\"%s\" --writer %s %ld", self, slot, count);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    exit(5);
  for (n = 0; n < count; ++n) {
    if (!ReadFile(h, buf, sizeof buf, &got, NULL) || got != MSG_SIZE)
      exit(6);
    if (n == 0)
      t0 = bench_now();
  }
  t = bench_now() - t0;
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  CloseHandle(h);
  if (code != 0)
    exit(7);
  return (double)(count - 1) / t;
}

int main(int argc, char **argv) {
  char self[MAX_PATH];
  int quick, reps, i;
  struct bench_series rate = {"msg.messages_64B", "msg/s", "higher", {0}, 0};
  if (argc == 4 && strcmp(argv[1], "--writer") == 0)
    return writer(argv[2], atol(argv[3]));
  if (!GetModuleFileNameA(NULL, self, sizeof self))
    return 1;
  quick = bench_quick(argc, argv);
  reps = quick ? 2 : 5;
  for (i = 0; i < reps; ++i)
    bench_add(&rate, run(self, quick ? 5000 : 20000, i));
  bench_print(&rate);
  return 0;
}
