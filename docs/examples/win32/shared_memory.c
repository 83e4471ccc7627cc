/* Shared memory the Windows way (the seeds' pattern): a named page-file mapping holds a
 * counter, a named mutex guards it. Run as
 *   shared_memory <workers> <increments>
 * it creates the mapping and the mutex, starts <workers> copies of itself as
 *   shared_memory --worker <name> <increments>
 * which open both by name and add 1 to the counter <increments> times each, waits for them
 * and prints "total <n>". Exit code 0 when the total is exact. Builds unchanged against
 * win-on-posix on Linux and against Win32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define MAX_WORKERS 16

static int worker(const char *name, long increments) {
  char mutex_name[128];
  HANDLE map, mutex;
  volatile long *counter;
  long i;
  snprintf(mutex_name, sizeof mutex_name, "%s-lock", name);
  map = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, name);
  mutex = OpenMutexA(SYNCHRONIZE, FALSE, mutex_name);
  if (map == NULL || mutex == NULL) {
    fprintf(stderr, "worker: open failed (%lu)\n", (unsigned long)GetLastError());
    return 2;
  }
  counter = (volatile long *)MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(long));
  if (counter == NULL)
    return 3;
  for (i = 0; i < increments; ++i) {
    DWORD w = WaitForSingleObject(mutex, INFINITE);
    if (w != WAIT_OBJECT_0 && w != WAIT_ABANDONED)
      return 4;
    *counter = *counter + 1; /* a read-modify-write only the mutex makes safe */
    ReleaseMutex(mutex);
  }
  UnmapViewOfFile((LPCVOID)counter);
  CloseHandle(mutex);
  CloseHandle(map);
  return 0;
}

int main(int argc, char **argv) {
  char name[96], mutex_name[128], self[MAX_PATH], cmd[2 * MAX_PATH];
  PROCESS_INFORMATION pi[MAX_WORKERS];
  HANDLE map, mutex, procs[MAX_WORKERS];
  volatile long *counter;
  long workers, increments, total;
  int i, failed = 0;
  if (argc == 4 && strcmp(argv[1], "--worker") == 0)
    return worker(argv[2], atol(argv[3]));
  if (argc != 3 || (workers = atol(argv[1])) < 1 || workers > MAX_WORKERS ||
      (increments = atol(argv[2])) < 1) {
    fprintf(stderr, "usage: shared_memory <workers 1-%d> <increments>\n", MAX_WORKERS);
    return 2;
  }
  snprintf(name, sizeof name, "Local\\ipcshim-example-shm-%lu", (unsigned long)GetCurrentProcessId());
  snprintf(mutex_name, sizeof mutex_name, "%s-lock", name);
  map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, name);
  mutex = CreateMutexA(NULL, FALSE, mutex_name);
  if (map == NULL || mutex == NULL) {
    fprintf(stderr, "create failed (%lu)\n", (unsigned long)GetLastError());
    return 1;
  }
  counter = (volatile long *)MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, 0);
  if (counter == NULL || !GetModuleFileNameA(NULL, self, sizeof self))
    return 1;
  *counter = 0; /* a fresh page-file mapping is zero-filled anyway */
  for (i = 0; i < workers; ++i) {
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    snprintf(cmd, sizeof cmd, "\"%s\" --worker %s %ld", self, name, increments);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi[i])) {
      fprintf(stderr, "CreateProcess failed (%lu)\n", (unsigned long)GetLastError());
      return 1;
    }
    procs[i] = pi[i].hProcess;
  }
  WaitForMultipleObjects((DWORD)workers, procs, TRUE, INFINITE);
  for (i = 0; i < workers; ++i) {
    DWORD code = 1;
    GetExitCodeProcess(pi[i].hProcess, &code);
    failed |= code != 0;
    CloseHandle(pi[i].hProcess);
    CloseHandle(pi[i].hThread);
  }
  total = *counter;
  printf("total %ld\n", total);
  UnmapViewOfFile((LPCVOID)counter);
  CloseHandle(mutex);
  CloseHandle(map);
  return failed || total != workers * increments;
}
