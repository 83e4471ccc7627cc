/* pipe "<command line of p1>" "<command line of p2>"
 *
 * Runs p1 | p2 the Win32 way: one anonymous pipe, p1's standard output is its write end and
 * p2's standard input its read end, both passed by handle inheritance with
 * STARTF_USESTDHANDLES. The other standard handles are this program's own. Waits for both
 * and exits with p2's exit code (1 and a message with GetLastError() if anything fails).
 *
 * Builds unchanged against real Win32 (mingw-w64, MSVC) and against win-on-posix on Linux.
 *
 * What makes p2 see EOF: the pipe's read end reports EOF (ERROR_BROKEN_PIPE) only once
 * every handle to the write end, in every process, is closed. So
 *   - the read end is not inheritable while p1 is created (p1 has no business holding it),
 *   - this program closes its write end as soon as p1 has its copy, before p2 is created
 *     (otherwise p2 would inherit a write end of its own input and never see EOF),
 *   - p1's copy closes when p1 exits. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static int fail(const char *what) {
  fprintf(stderr, "pipe: %s failed, error %lu\n", what, (unsigned long)GetLastError());
  return 1;
}

/* Starts cmdline with the given standard input and output; the error output is ours. */
static BOOL start(char *cmdline, HANDLE in, HANDLE out, PROCESS_INFORMATION *pi) {
  STARTUPINFOA si;
  GetStartupInfoA(&si); /* our own startup parameters as the defaults, */
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES; /* but only the standard handles are set here */
  si.lpReserved = NULL;              /* (must be NULL; the C runtime passes private */
  si.cbReserved2 = 0;                /*  data in the reserved fields) */
  si.lpReserved2 = NULL;
  si.hStdInput = in;
  si.hStdOutput = out;
  si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  /* bInheritHandles = TRUE: the child gets every inheritable handle we hold. */
  return CreateProcessA(NULL, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &si, pi);
}

int main(int argc, char **argv) {
  SECURITY_ATTRIBUTES sa;
  HANDLE rh, wh;
  PROCESS_INFORMATION p1, p2;
  DWORD code = 1;

  if (argc != 3) {
    fprintf(stderr, "usage: %s \"<command line of p1>\" \"<command line of p2>\"\n", argv[0]);
    return 2;
  }

  sa.nLength = sizeof sa;
  sa.lpSecurityDescriptor = NULL;
  sa.bInheritHandle = TRUE; /* both ends inheritable; we narrow it down below */
  if (!CreatePipe(&rh, &wh, &sa, 0))
    return fail("CreatePipe");

  /* p1: stdout = write end. The read end stays with us for now. */
  if (!SetHandleInformation(rh, HANDLE_FLAG_INHERIT, 0))
    return fail("SetHandleInformation(read end)");
  if (!start(argv[1], GetStdHandle(STD_INPUT_HANDLE), wh, &p1)) {
    fail("CreateProcess(p1)");
    CloseHandle(rh);
    CloseHandle(wh);
    return 1;
  }
  CloseHandle(p1.hThread);
  CloseHandle(wh); /* p1 has its copy; ours must not reach p2 */

  /* p2: stdin = read end. */
  if (!SetHandleInformation(rh, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
    return fail("SetHandleInformation(read end)");
  if (!start(argv[2], rh, GetStdHandle(STD_OUTPUT_HANDLE), &p2)) {
    fail("CreateProcess(p2)");
    /* p1 may block writing to a pipe nobody reads: closing the read end lets its writes
     * fail (ERROR_NO_DATA) so it can finish. */
    CloseHandle(rh);
    WaitForSingleObject(p1.hProcess, INFINITE);
    CloseHandle(p1.hProcess);
    return 1;
  }
  CloseHandle(p2.hThread);
  CloseHandle(rh); /* p2 has its copy */

  if (WaitForSingleObject(p1.hProcess, INFINITE) != WAIT_OBJECT_0)
    fail("WaitForSingleObject(p1)");
  if (WaitForSingleObject(p2.hProcess, INFINITE) != WAIT_OBJECT_0)
    fail("WaitForSingleObject(p2)");
  else if (!GetExitCodeProcess(p2.hProcess, &code))
    code = (DWORD)fail("GetExitCodeProcess(p2)");
  CloseHandle(p1.hProcess);
  CloseHandle(p2.hProcess);
  return (int)code;
}
