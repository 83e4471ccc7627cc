/* The Win32 primitive a lock is natively made of on Windows, used raw: a named semaphore of
 * count 1 taken with WaitForSingleObject and given back with ReleaseSemaphore, uncontended
 * and between two processes, with the loop of tests/bench/posix/sem.c. Windows only. */
#include "bench.h"

static int lock_loop(HANDLE s, long n) {
  long i;
  for (i = 0; i < n; ++i) {
    if (WaitForSingleObject(s, INFINITE) != WAIT_OBJECT_0)
      return 2;
    if (!ReleaseSemaphore(s, 1, NULL))
      return 3;
  }
  return 0;
}

/* Up to n pairs, in batches of 100, for at most `budget` seconds (as posix/sem.c). */
static double uncontended(long n, double budget) {
  double t0, t1;
  long done = 0;
  HANDLE s = CreateSemaphoreA(NULL, 1, 1, NULL);
  if (!s)
    exit(3);
  t0 = t1 = bench_now();
  while (done < n && t1 - t0 < budget) {
    if (lock_loop(s, 100) != 0)
      exit(4);
    done += 100;
    t1 = bench_now();
  }
  CloseHandle(s);
  return (double)done / (t1 - t0);
}

static double contended(const char *self, long n, int serial) {
  char name[128], cmd[1024];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi[2];
  HANDLE s;
  DWORD code;
  double t0, t1;
  int i;
  snprintf(name, sizeof name, "bench-substrate-sem-%lu-%d", (unsigned long)GetCurrentProcessId(),
           serial);
  s = CreateSemaphoreA(NULL, 0, 1, name); /* closed until both workers run */
  if (!s)
    exit(5);
  snprintf(cmd, sizeof cmd, "\"%s\" --worker %s %ld", self, name, n);
  for (i = 0; i < 2; ++i) {
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi[i]))
      exit(6);
  }
  /* Give both time to reach the wait; any that is late only lowers the figure. */
  Sleep(200);
  t0 = bench_now();
  ReleaseSemaphore(s, 1, NULL);
  for (i = 0; i < 2; ++i) {
    WaitForSingleObject(pi[i].hProcess, INFINITE);
    if (!GetExitCodeProcess(pi[i].hProcess, &code) || code != 0)
      exit(7);
    CloseHandle(pi[i].hProcess);
    CloseHandle(pi[i].hThread);
  }
  t1 = bench_now();
  CloseHandle(s);
  return 2.0 * (double)n / (t1 - t0);
}

int main(int argc, char **argv) {
  struct bench_series unc = {"sem.uncontended_lock_unlock", "pairs/s", "higher", {0}, 0};
  struct bench_series con = {"sem.contended_2proc_lock_unlock", "pairs/s", "higher", {0}, 0};
  int quick, reps, i;
  if (argc == 4 && strcmp(argv[1], "--worker") == 0) {
    HANDLE s = OpenSemaphoreA(SYNCHRONIZE | SEMAPHORE_MODIFY_STATE, FALSE, argv[2]);
    return s ? lock_loop(s, atol(argv[3])) : 9;
  }
  quick = bench_quick(argc, argv);
  reps = quick ? 2 : 5;
  for (i = 0; i < reps; ++i) {
    bench_add(&unc, uncontended(quick ? 20000 : 200000, quick ? 0.1 : 0.4));
    bench_add(&con, contended(argv[0], quick ? 2000 : 10000, i));
  }
  bench_print(&unc);
  bench_print(&con);
  return 0;
}
