/* named_pipe_server [NAME [COUNT]]
 *
 * A named pipe server in the usual multi-threaded shape: create an instance of
 * \\.\pipe\NAME (default "example_pipe"), wait for a client with ConnectNamedPipe, hand the
 * connection to a new thread, and create the next instance. Each client thread reads request
 * messages, prints each as "request: <text>", and answers "ack: <text>" until the client
 * closes its end. The server stops after COUNT clients (default 0: forever), once their
 * threads are done; it exits 1 with GetLastError() if anything fails.
 *
 * Builds unchanged against real Win32 (mingw-w64, MSVC) and against win-on-posix on Linux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define BUF_SIZE 512
#define MAX_CLIENTS 64

static DWORD WINAPI client_thread(LPVOID arg) {
  HANDLE pipe = (HANDLE)arg;
  char request[BUF_SIZE + 1], reply[BUF_SIZE + 8];
  DWORD got, put;
  for (;;) {
    if (!ReadFile(pipe, request, BUF_SIZE, &got, NULL)) {
      if (GetLastError() != ERROR_BROKEN_PIPE) /* the client closing is the normal end */
        fprintf(stderr, "named_pipe_server: ReadFile failed, error %lu\n",
                (unsigned long)GetLastError());
      break;
    }
    request[got] = '\0';
    printf("request: %s\n", request);
    fflush(stdout);
    snprintf(reply, sizeof reply, "ack: %s", request);
    if (!WriteFile(pipe, reply, (DWORD)strlen(reply), &put, NULL)) {
      fprintf(stderr, "named_pipe_server: WriteFile failed, error %lu\n",
              (unsigned long)GetLastError());
      break;
    }
  }
  FlushFileBuffers(pipe);
  DisconnectNamedPipe(pipe);
  CloseHandle(pipe);
  return 0;
}

int main(int argc, char **argv) {
  char name[300];
  unsigned long limit = argc > 2 ? strtoul(argv[2], NULL, 10) : 0, n;
  HANDLE threads[MAX_CLIENTS];
  DWORD nthreads = 0, i;

  snprintf(name, sizeof name, "\\\\.\\pipe\\%s", argc > 1 ? argv[1] : "example_pipe");
  if (limit > MAX_CLIENTS)
    limit = MAX_CLIENTS;
  for (n = 0; limit == 0 || n < limit; ++n) {
    HANDLE pipe, thread;
    pipe = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX,
                            PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT,
                            PIPE_UNLIMITED_INSTANCES, BUF_SIZE, BUF_SIZE, 0, NULL);
    if (pipe == INVALID_HANDLE_VALUE) {
      fprintf(stderr, "named_pipe_server: CreateNamedPipe(%s) failed, error %lu\n", name,
              (unsigned long)GetLastError());
      return 1;
    }
    /* FALSE with ERROR_PIPE_CONNECTED: the client came before we called. */
    if (!ConnectNamedPipe(pipe, NULL) && GetLastError() != ERROR_PIPE_CONNECTED) {
      fprintf(stderr, "named_pipe_server: ConnectNamedPipe failed, error %lu\n",
              (unsigned long)GetLastError());
      CloseHandle(pipe);
      return 1;
    }
    thread = CreateThread(NULL, 0, client_thread, pipe, 0, NULL);
    if (thread == NULL) {
      fprintf(stderr, "named_pipe_server: CreateThread failed, error %lu\n",
              (unsigned long)GetLastError());
      CloseHandle(pipe);
      return 1;
    }
    if (limit == 0)
      CloseHandle(thread);
    else
      threads[nthreads++] = thread;
  }
  for (i = 0; i < nthreads; ++i) {
    WaitForSingleObject(threads[i], INFINITE);
    CloseHandle(threads[i]);
  }
  return 0;
}
