/* Event ping-pong benchmark (Win32 API): two auto-reset events, "ping" and "pong"; the driver
 * sets ping and waits for pong, the responder waits for ping and sets pong.
 *   event.ping_pong_threads    between two threads of this process (unnamed events)
 *   event.ping_pong_processes  between this process and a child started with CreateProcess
 *                              (named events, the child opens them by name)
 * Microseconds per round trip. Built against win-on-posix (Linux) and against real Win32
 * (mingw, run under Wine): the same source on both; tests/bench/linux/event.c is the raw
 * futex equivalent. */
#include <windows.h>

#include "bench.h"

#define WARMUP 100      /* round trips before the clock starts */
#define TIMEOUT_MS 30000 /* a lost wake-up fails the run instead of hanging it */

static int respond(HANDLE ping, HANDLE pong, long count) {
  long i;
  for (i = 0; i < count; ++i) {
    if (WaitForSingleObject(ping, TIMEOUT_MS) != WAIT_OBJECT_0)
      return 2;
    if (!SetEvent(pong))
      return 3;
  }
  return 0;
}

/* The driver's side; microseconds per round trip after the warm-up, or -1. */
static double drive(HANDLE ping, HANDLE pong, long count) {
  double t0 = 0;
  long i;
  for (i = 0; i < count; ++i) {
    if (i == WARMUP)
      t0 = bench_now();
    if (!SetEvent(ping) || WaitForSingleObject(pong, TIMEOUT_MS) != WAIT_OBJECT_0)
      return -1;
  }
  return (bench_now() - t0) * 1e6 / (double)(count - WARMUP);
}

struct responder {
  HANDLE ping, pong;
  long count;
};

static DWORD WINAPI responder_thread(LPVOID arg) {
  struct responder *r = (struct responder *)arg;
  return (DWORD)respond(r->ping, r->pong, r->count);
}

static double threads(long count) {
  struct responder r;
  HANDLE t;
  DWORD code = 1;
  double result;
  r.ping = CreateEventA(NULL, FALSE, FALSE, NULL);
  r.pong = CreateEventA(NULL, FALSE, FALSE, NULL);
  r.count = count;
  if (!r.ping || !r.pong)
    return -1;
  t = CreateThread(NULL, 0, responder_thread, &r, 0, NULL);
  if (!t)
    return -1;
  result = drive(r.ping, r.pong, count);
  WaitForSingleObject(t, TIMEOUT_MS);
  GetExitCodeThread(t, &code);
  CloseHandle(t);
  CloseHandle(r.ping);
  CloseHandle(r.pong);
  return code == 0 ? result : -1;
}

static double processes(const char *self, long count, int rep) {
  char ping_name[96], pong_name[96], cmd[2 * MAX_PATH];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  HANDLE ping, pong;
  DWORD code = 1;
  double result;
  snprintf(ping_name, sizeof ping_name, "ipcshim-bench-event-%lu-%d-ping",
           (unsigned long)GetCurrentProcessId(), rep);
  snprintf(pong_name, sizeof pong_name, "ipcshim-bench-event-%lu-%d-pong",
           (unsigned long)GetCurrentProcessId(), rep);
  ping = CreateEventA(NULL, FALSE, FALSE, ping_name);
  pong = CreateEventA(NULL, FALSE, FALSE, pong_name);
  if (!ping || !pong)
    return -1;
  snprintf(cmd, sizeof cmd, "\"%s\" --child %s %s %ld", self, ping_name, pong_name, count);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    return -1;
  result = drive(ping, pong, count);
  WaitForSingleObject(pi.hProcess, TIMEOUT_MS);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  CloseHandle(ping);
  CloseHandle(pong);
  return code == 0 ? result : -1;
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const int reps = quick ? 2 : 5;
  const long count = quick ? 1000 : 5000;
  struct bench_series thr = {"event.ping_pong_threads", "us", "lower", {0}, 0};
  struct bench_series proc = {"event.ping_pong_processes", "us", "lower", {0}, 0};
  char self[MAX_PATH];
  int r;
  if (argc >= 5 && strcmp(argv[1], "--child") == 0) {
    HANDLE ping = OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, argv[2]);
    HANDLE pong = OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, argv[3]);
    return ping && pong ? respond(ping, pong, atol(argv[4])) : 9;
  }
  if (!GetModuleFileNameA(NULL, self, sizeof self))
    return 1;
  for (r = 0; r < reps; ++r) {
    double a = threads(count);
    double b = processes(self, count, r);
    if (a < 0 || b < 0) {
      fprintf(stderr, "event benchmark run %d failed (error %lu)\n", r,
              (unsigned long)GetLastError());
      return 1;
    }
    bench_add(&thr, a);
    bench_add(&proc, b);
  }
  bench_print(&thr);
  bench_print(&proc);
  return 0;
}
