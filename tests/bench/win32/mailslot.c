/* Mailslot benchmark (Win32 API): one writer process sends N 64-byte messages, the reader
 * (the mailslot server) receives them; messages per second from the first message read to
 * the last. Built against win-on-posix (Linux) and against real Win32 (mingw, run under
 * Wine): the same source on both. */
#include <windows.h>

#include "bench.h"

#define MSG_SIZE 64

static int writer(const char *name, long count) {
  char msg[MSG_SIZE];
  long i;
  DWORD n;
  HANDLE h = CreateFileA(name, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE)
    return 2;
  memset(msg, 'm', sizeof msg);
  for (i = 0; i < count; ++i)
    if (!WriteFile(h, msg, sizeof msg, &n, NULL) || n != sizeof msg)
      return 3;
  CloseHandle(h);
  return 0;
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const long count = quick ? 5000 : 20000;
  const int reps = quick ? 2 : 5;
  struct bench_series rate = {"mailslot.messages_64B", "msg/s", "higher", {0}, 0};
  char self[MAX_PATH], name[128], cmd[2 * MAX_PATH];
  int r;
  if (argc >= 4 && strcmp(argv[1], "--writer") == 0)
    return writer(argv[2], atol(argv[3]));
  if (!GetModuleFileNameA(NULL, self, sizeof self))
    return 1;
  for (r = 0; r < reps; ++r) {
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    char buf[MSG_SIZE];
    DWORD n, code = 1;
    double t0 = 0;
    long got;
    HANDLE slot;
    snprintf(name, sizeof name, "\\\\.\\mailslot\\ipcshim-bench-%lu-%d",
             (unsigned long)GetCurrentProcessId(), r);
    slot = CreateMailslotA(name, 0, MAILSLOT_WAIT_FOREVER, NULL);
    if (slot == INVALID_HANDLE_VALUE) {
      fprintf(stderr, "CreateMailslot: %lu\n", (unsigned long)GetLastError());
      return 1;
    }
    snprintf(cmd, sizeof cmd, "\"%s\" --writer %s %ld", self, name, count);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
      fprintf(stderr, "CreateProcess: %lu\n", (unsigned long)GetLastError());
      return 1;
    }
    for (got = 0; got < count; ++got) {
      if (!ReadFile(slot, buf, sizeof buf, &n, NULL) || n != MSG_SIZE) {
        fprintf(stderr, "ReadFile: %lu\n", (unsigned long)GetLastError());
        return 1;
      }
      if (got == 0)
        t0 = bench_now();
    }
    bench_add(&rate, (double)(count - 1) / (bench_now() - t0));
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    CloseHandle(slot);
    if (code != 0) {
      fprintf(stderr, "writer exited %lu\n", (unsigned long)code);
      return 1;
    }
  }
  bench_print(&rate);
  return 0;
}
