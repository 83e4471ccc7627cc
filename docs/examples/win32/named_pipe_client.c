/* named_pipe_client [NAME [TEXT...]]
 *
 * A named pipe client in the usual shape: waits for a free instance of \\.\pipe\NAME
 * (default "example_pipe") with WaitNamedPipe, opens it with CreateFile, switches to message
 * read mode, and for each TEXT (default "hello") sends it as one message and prints the
 * server's answer as "reply: <text>". Exits 1 with GetLastError() if anything fails.
 *
 * Builds unchanged against real Win32 (mingw-w64, MSVC) and against win-on-posix on Linux. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#define BUF_SIZE 512

int main(int argc, char **argv) {
  char name[300], reply[BUF_SIZE + 1];
  HANDLE pipe;
  DWORD mode = PIPE_READMODE_MESSAGE, got, put, start;
  int i;

  snprintf(name, sizeof name, "\\\\.\\pipe\\%s", argc > 1 ? argv[1] : "example_pipe");
  /* The server may not have created the pipe yet, or all its instances may be busy. */
  for (start = GetTickCount();;) {
    pipe = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (pipe != INVALID_HANDLE_VALUE)
      break;
    if (GetTickCount() - start > 20000 ||
        (GetLastError() != ERROR_PIPE_BUSY && GetLastError() != ERROR_FILE_NOT_FOUND)) {
      fprintf(stderr, "named_pipe_client: CreateFile(%s) failed, error %lu\n", name,
              (unsigned long)GetLastError());
      return 1;
    }
    if (GetLastError() == ERROR_PIPE_BUSY)
      WaitNamedPipeA(name, 1000);
    else
      Sleep(10);
  }
  if (!SetNamedPipeHandleState(pipe, &mode, NULL, NULL)) {
    fprintf(stderr, "named_pipe_client: SetNamedPipeHandleState failed, error %lu\n",
            (unsigned long)GetLastError());
    return 1;
  }
  for (i = 2; i < (argc > 2 ? argc : 3); ++i) {
    const char *text = argc > 2 ? argv[i] : "hello";
    if (!WriteFile(pipe, text, (DWORD)strlen(text), &put, NULL) ||
        !ReadFile(pipe, reply, BUF_SIZE, &got, NULL)) {
      fprintf(stderr, "named_pipe_client: exchange failed, error %lu\n",
              (unsigned long)GetLastError());
      return 1;
    }
    reply[got] = '\0';
    printf("reply: %s\n", reply);
  }
  CloseHandle(pipe);
  return 0;
}
