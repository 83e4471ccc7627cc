/* mailslot_server [NAME [COUNT]]
 *
 * A mailslot server in the usual shape: creates \\.\mailslot\NAME (default
 * "example_mailslot"), then reads messages one at a time and prints each on its own line as
 * "message: <text>". It stops after COUNT messages (default 0: forever), and exits 1 with
 * GetLastError() if anything fails.
 *
 * Every ReadFile returns exactly one whole message (the buffer is the slot's maximum message
 * size, so none can be too big for it); the read timeout is MAILSLOT_WAIT_FOREVER, so a read
 * waits for the next writer. GetMailslotInfo tells how many more are already queued.
 *
 * Builds unchanged against real Win32 (mingw-w64, MSVC) and against win-on-posix on Linux. */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

#define MAX_MESSAGE 1024

int main(int argc, char **argv) {
  char name[300];
  char buf[MAX_MESSAGE + 1];
  unsigned long limit = argc > 2 ? strtoul(argv[2], NULL, 10) : 0, n;
  HANDLE slot;

  snprintf(name, sizeof name, "\\\\.\\mailslot\\%s", argc > 1 ? argv[1] : "example_mailslot");
  slot = CreateMailslotA(name, MAX_MESSAGE, MAILSLOT_WAIT_FOREVER, NULL);
  if (slot == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "mailslot_server: CreateMailslot(%s) failed, error %lu\n", name,
            (unsigned long)GetLastError());
    return 1;
  }
  for (n = 0; limit == 0 || n < limit; ++n) {
    DWORD got = 0, waiting = 0;
    if (!ReadFile(slot, buf, MAX_MESSAGE, &got, NULL)) {
      fprintf(stderr, "mailslot_server: ReadFile failed, error %lu\n",
              (unsigned long)GetLastError());
      CloseHandle(slot);
      return 1;
    }
    buf[got] = '\0'; /* clients send text, but do not rely on their terminator */
    printf("message: %s\n", buf);
    if (GetMailslotInfo(slot, NULL, NULL, &waiting, NULL) && waiting > 0)
      fprintf(stderr, "mailslot_server: %lu more waiting\n", (unsigned long)waiting);
    fflush(stdout);
  }
  CloseHandle(slot);
  return 0;
}
