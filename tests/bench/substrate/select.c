/* The Win32 substrate of posix-on-win's select()/poll(), used raw: WaitForMultipleObjects on
 * N auto-reset events (N = 10, and 64 = MAXIMUM_WAIT_OBJECTS), measured the way
 * tests/bench/posix/select.c measures select over N pipes:
 *   select.select_idle_call_N_fds  a zero-timeout wait that finds nothing signalled
 *   select.select_wakeup_N_fds     the latency of a blocked wait when a child process
 *                                  (started with CreateProcess) sets the last event: from the
 *                                  child's clock reading, passed in a shared mapping, to the
 *                                  return of WaitForMultipleObjects
 * Windows only (run under Wine). */
#include "bench.h"

#define MAX_EVENTS MAXIMUM_WAIT_OBJECTS
#define TIMEOUT_MS 30000

struct shared {
  volatile double sent; /* the waker's clock just before SetEvent */
  volatile LONG quit;
};

static HANDLE g_ev[MAX_EVENTS];

/* Child: for each "go", waits `delay_ms` (so that the parent is blocked by then), writes its
 * clock reading to the mapping and sets the target event. */
static int waker(const char *go_name, const char *target_name, const char *map_name,
                 int delay_ms) {
  HANDLE go = OpenEventA(SYNCHRONIZE, FALSE, go_name);
  HANDLE target = OpenEventA(EVENT_MODIFY_STATE, FALSE, target_name);
  HANDLE map = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, map_name);
  struct shared *sh = map ? (struct shared *)MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0,
                                                           sizeof(struct shared))
                          : NULL;
  if (!go || !target || !sh)
    return 2;
  for (;;) {
    if (WaitForSingleObject(go, TIMEOUT_MS) != WAIT_OBJECT_0)
      return 3;
    if (sh->quit)
      return 0;
    Sleep((DWORD)delay_ms);
    sh->sent = bench_now();
    MemoryBarrier();
    if (!SetEvent(target))
      return 4;
  }
}

/* Microseconds per zero-timeout wait on n unsignalled events. */
static double idle_cost(int n, int calls) {
  int i;
  double t0 = bench_now();
  for (i = 0; i < calls; ++i)
    if (WaitForMultipleObjects((DWORD)n, g_ev, FALSE, 0) != WAIT_TIMEOUT)
      exit(5);
  return (bench_now() - t0) / calls * 1e6;
}

/* Wake-up latencies (us) of `reps` blocked waits on n events, the last one set by a child. */
static void wake_latency(const char *self, int n, int reps, int delay_ms,
                         struct bench_series *out) {
  char go_name[96], target_name[96], map_name[96], cmd[2 * MAX_PATH];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  HANDLE go, map;
  struct shared *sh;
  DWORD code = 1;
  int i, r;
  const unsigned long pid = (unsigned long)GetCurrentProcessId();
  snprintf(go_name, sizeof go_name, "ipcshim-bench-wfmo-%lu-%d-go", pid, n);
  snprintf(target_name, sizeof target_name, "ipcshim-bench-wfmo-%lu-%d-target", pid, n);
  snprintf(map_name, sizeof map_name, "ipcshim-bench-wfmo-%lu-%d-map", pid, n);
  go = CreateEventA(NULL, FALSE, FALSE, go_name);
  map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, sizeof *sh, map_name);
  if (!go || !map)
    exit(6);
  sh = (struct shared *)MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, sizeof *sh);
  if (!sh)
    exit(6);
  sh->quit = 0;
  for (i = 0; i < n; ++i) {
    g_ev[i] = CreateEventA(NULL, FALSE, FALSE, i == n - 1 ? target_name : NULL);
    if (!g_ev[i])
      exit(7);
  }
  snprintf(cmd, sizeof cmd, "\"%s\" --waker %s %s %s %d", self, go_name, target_name, map_name,
           delay_ms);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    exit(8);
  for (r = 0; r < reps; ++r) {
    double now;
    DWORD got;
    if (!SetEvent(go))
      exit(9);
    got = WaitForMultipleObjects((DWORD)n, g_ev, FALSE, TIMEOUT_MS);
    now = bench_now();
    if (got != WAIT_OBJECT_0 + (DWORD)(n - 1))
      exit(10);
    MemoryBarrier();
    bench_add(out, (now - sh->sent) * 1e6);
  }
  sh->quit = 1;
  MemoryBarrier();
  SetEvent(go);
  if (WaitForSingleObject(pi.hProcess, TIMEOUT_MS) != WAIT_OBJECT_0 ||
      !GetExitCodeProcess(pi.hProcess, &code) || code != 0)
    exit(11);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  for (i = 0; i < n; ++i)
    CloseHandle(g_ev[i]);
  UnmapViewOfFile(sh);
  CloseHandle(map);
  CloseHandle(go);
}

int main(int argc, char **argv) {
  static const int sizes[] = {10, MAX_EVENTS};
  static char names[4][64];
  char self[MAX_PATH];
  int quick, reps, k, i;
  if (argc == 6 && strcmp(argv[1], "--waker") == 0)
    return waker(argv[2], argv[3], argv[4], atoi(argv[5]));
  if (!GetModuleFileNameA(NULL, self, sizeof self))
    return 1;
  quick = bench_quick(argc, argv);
  reps = quick ? 5 : 20;
  for (k = 0; k < 2; ++k) {
    int n = sizes[k];
    struct bench_series cost = {0}, wake = {0};
    snprintf(names[2 * k], 64, "select.select_idle_call_%d_fds", n);
    snprintf(names[2 * k + 1], 64, "select.select_wakeup_%d_fds", n);
    cost.name = names[2 * k];
    cost.unit = "us";
    cost.better = "lower";
    wake.name = names[2 * k + 1];
    wake.unit = "us";
    wake.better = "lower";
    /* idle_cost needs the events: create them unnamed for it, then let wake_latency make
     * its own set (the target one named). */
    for (i = 0; i < n; ++i)
      if (!(g_ev[i] = CreateEventA(NULL, FALSE, FALSE, NULL)))
        return 2;
    for (i = 0; i < (quick ? 3 : 7); ++i)
      bench_add(&cost, idle_cost(n, 200));
    for (i = 0; i < n; ++i)
      CloseHandle(g_ev[i]);
    /* As in posix/select.c: the waker waits a few times the idle call's cost, at least
     * 2 ms, so that the parent is blocked when the event is set. */
    wake_latency(self, n, reps, 2 + (int)(cost.samples[0] / 1000.0 * 4), &wake);
    bench_print(&cost);
    bench_print(&wake);
  }
  return 0;
}
