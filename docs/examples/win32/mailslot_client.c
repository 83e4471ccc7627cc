/* mailslot_client NAME MESSAGE...
 *
 * A mailslot client in the usual shape: opens \\.\mailslot\NAME with CreateFile
 * (GENERIC_WRITE, FILE_SHARE_READ, OPEN_EXISTING, as Windows requires for a mailslot
 * client) and writes each MESSAGE as one message, including its terminating '\0'. Exits 1
 * with GetLastError() if the slot does not exist (ERROR_FILE_NOT_FOUND: no server has
 * created it) or a write fails.
 *
 * Builds unchanged against real Win32 (mingw-w64, MSVC) and against win-on-posix on Linux. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

int main(int argc, char **argv) {
  char name[300];
  HANDLE slot;
  int i;

  if (argc < 2) {
    fprintf(stderr, "usage: mailslot_client NAME MESSAGE...\n");
    return 2;
  }
  snprintf(name, sizeof name, "\\\\.\\mailslot\\%s", argv[1]);
  slot = CreateFileA(name, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                     FILE_ATTRIBUTE_NORMAL, NULL);
  if (slot == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "mailslot_client: CreateFile(%s) failed, error %lu\n", name,
            (unsigned long)GetLastError());
    return 1;
  }
  for (i = 2; i < argc; ++i) {
    DWORD len = (DWORD)strlen(argv[i]) + 1, written = 0;
    if (!WriteFile(slot, argv[i], len, &written, NULL) || written != len) {
      fprintf(stderr, "mailslot_client: WriteFile failed, error %lu\n",
              (unsigned long)GetLastError());
      CloseHandle(slot);
      return 1;
    }
  }
  CloseHandle(slot);
  return 0;
}
