/* CreateProcessA/W with anonymous pipes: exit codes, waits, TerminateProcess, standard
 * handles redirected with STARTF_USESTDHANDLES (and seen by GetStartupInfoA), a writer
 * blocked on a full pipe, inheritance of exactly the inheritable handles (proved with
 * PeekNamedPipe: a pipe reports ERROR_BROKEN_PIPE only once no process holds its write
 * end), the `pipe p1 p2` example (docs/examples/win32/pipe.c, found next to this binary),
 * missing programs, the optional .exe suffix and closed process handles. Children are this
 * binary in a role; every wait is bounded (CONF_WAIT_MS) and every case's teardown
 * terminates children a failure left running. */
#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <windows.h>

#define HELLO "hello from the child's standard output\n"
#define THROUGH_HANDLE "written through an inherited handle\n"
#define BIG_SIZE (1024u * 1024u)
#define LINES 10000u
#define LINE_LEN 11u /* "line %05u\n" */
#define CONSUMED "consume: 10000 lines, 110000 bytes, in order\n"
#define CONSUME_OK 23
#define STDIN_EOF_OK 11

/* ---- child roles: no CMocka here, the exit code is the verdict ---- */

static int write_all(HANDLE h, const void *p, DWORD len) {
  DWORD n = 0;
  if (!WriteFile(h, p, len, &n, NULL)) {
    fprintf(stderr, "child: WriteFile(%lu bytes) failed with error %lu\n", (unsigned long)len,
            (unsigned long)GetLastError());
    return 0;
  }
  if (n != len) {
    fprintf(stderr, "child: WriteFile wrote %lu of %lu bytes\n", (unsigned long)n,
            (unsigned long)len);
    return 0;
  }
  return 1;
}

static unsigned char big_byte(DWORD i) { return (unsigned char)(i * 31u + (i >> 11)); }

static int role_exit42(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return 42;
}

/* Blocks reading its standard input; 11 once it reads EOF (ERROR_BROKEN_PIPE) having read
 * nothing, 12 if it read data, 13 on another error. */
static int role_stdin_eof(int argc, char **argv) {
  HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  char buf[256];
  DWORD n = 0, total = 0;
  (void)argc;
  (void)argv;
  while (ReadFile(in, buf, sizeof buf, &n, NULL) && n > 0)
    total += n;
  if (GetLastError() != ERROR_BROKEN_PIPE) {
    fprintf(stderr, "child: ReadFile(stdin) failed with error %lu\n",
            (unsigned long)GetLastError());
    return 13;
  }
  return total == 0 ? STDIN_EOF_OK : 12;
}

static int role_hello(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return write_all(GetStdHandle(STD_OUTPUT_HANDLE), HELLO, (DWORD)strlen(HELLO)) ? 0 : 2;
}

/* Reads stdin to EOF; writes "count=N fnv=XXXXXXXX\n" (FNV-1a) to stdout; exits with the
 * byte sum modulo 251. */
static int role_checksum(int argc, char **argv) {
  HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  unsigned char buf[512];
  char line[64];
  DWORD n = 0, i, count = 0, sum = 0, fnv = 2166136261u;
  (void)argc;
  (void)argv;
  while (ReadFile(in, buf, sizeof buf, &n, NULL) && n > 0) {
    for (i = 0; i < n; ++i) {
      sum += buf[i];
      fnv = (fnv ^ buf[i]) * 16777619u;
    }
    count += n;
  }
  if (GetLastError() != ERROR_BROKEN_PIPE)
    return 250;
  snprintf(line, sizeof line, "count=%lu fnv=%08lx\n", (unsigned long)count,
           (unsigned long)fnv);
  if (!write_all(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)strlen(line)))
    return 250;
  return (int)(sum % 251u);
}

/* One WriteFile of 1 MiB to stdout: it cannot complete before the reader drains the pipe. */
static int role_write_big(int argc, char **argv) {
  unsigned char *buf = malloc(BIG_SIZE);
  DWORD i;
  int ok;
  (void)argc;
  (void)argv;
  if (!buf)
    return 3;
  for (i = 0; i < BIG_SIZE; ++i)
    buf[i] = big_byte(i);
  ok = write_all(GetStdHandle(STD_OUTPUT_HANDLE), buf, BIG_SIZE);
  free(buf);
  return ok ? 0 : 2;
}

/* argv[0]: a handle value (decimal) inherited from the parent; writes through it. */
static int role_write_handle(int argc, char **argv) {
  char *end = NULL;
  HANDLE h;
  if (argc < 1)
    return 3;
  h = (HANDLE)(ULONG_PTR)strtoull(argv[0], &end, 10);
  if (end == argv[0] || *end != '\0')
    return 4;
  if (!write_all(h, THROUGH_HANDLE, (DWORD)strlen(THROUGH_HANDLE)))
    return 2;
  return CloseHandle(h) ? 0 : 5;
}

/* Stays alive (without any handle to wait on) until terminated; 9 after 20 s. */
static int role_spin(int argc, char **argv) {
  time_t deadline = time(NULL) + (time_t)(CONF_WAIT_MS / 1000u);
  (void)argc;
  (void)argv;
  while (time(NULL) < deadline) {
  }
  return 9;
}

/* The `pipe p1 p2` producer: LINES numbered lines on stdout, in chunks. */
static int role_produce(int argc, char **argv) {
  HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
  char chunk[100 * LINE_LEN + 1];
  DWORD i, len = 0;
  (void)argc;
  (void)argv;
  for (i = 0; i < LINES; ++i) {
    snprintf(chunk + len, sizeof chunk - len, "line %05lu\n", (unsigned long)i);
    len += LINE_LEN;
    if (len + LINE_LEN >= sizeof chunk || i + 1 == LINES) {
      if (!write_all(out, chunk, len))
        return 2;
      len = 0;
    }
  }
  return 0;
}

/* The `pipe p1 p2` consumer: reads stdin to EOF, checks it is exactly the producer's
 * output, reports on stdout and exits with CONSUME_OK (24 if the data is wrong). */
static int role_consume(int argc, char **argv) {
  HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  DWORD cap = 2 * LINES * LINE_LEN, got = 0, n = 0, i;
  char *data = malloc(cap), expect[LINE_LEN + 1], report[128];
  int ok = 1;
  (void)argc;
  (void)argv;
  if (!data)
    return 3;
  while (got < cap && ReadFile(in, data + got, cap - got, &n, NULL) && n > 0)
    got += n;
  if (GetLastError() != ERROR_BROKEN_PIPE) {
    fprintf(stderr, "consume: stdin ended with error %lu, not ERROR_BROKEN_PIPE\n",
            (unsigned long)GetLastError());
    ok = 0;
  }
  if (got != LINES * LINE_LEN)
    ok = 0;
  for (i = 0; ok && i < LINES; ++i) {
    snprintf(expect, sizeof expect, "line %05lu\n", (unsigned long)i);
    if (memcmp(data + i * LINE_LEN, expect, LINE_LEN) != 0)
      ok = 0;
  }
  free(data);
  snprintf(report, sizeof report, "consume: %lu lines, %lu bytes, %s\n",
           (unsigned long)(got / LINE_LEN), (unsigned long)got, ok ? "in order" : "WRONG");
  if (!write_all(GetStdHandle(STD_OUTPUT_HANDLE), report, (DWORD)strlen(report)))
    return 2;
  return ok ? CONSUME_OK : 24;
}

/* Reports on stdout what GetStartupInfoA says, compared with GetStdHandle. */
static int role_startupinfo(int argc, char **argv) {
  STARTUPINFOA si;
  char line[160];
  (void)argc;
  (void)argv;
  memset(&si, 0xab, sizeof si);
  GetStartupInfoA(&si);
  snprintf(line, sizeof line, "cb=%d usestdhandles=%d in=%d out=%d err=%d value=%llu\n",
           si.cb == sizeof si, (si.dwFlags & STARTF_USESTDHANDLES) != 0,
           si.hStdInput == GetStdHandle(STD_INPUT_HANDLE),
           si.hStdOutput == GetStdHandle(STD_OUTPUT_HANDLE),
           si.hStdError == GetStdHandle(STD_ERROR_HANDLE),
           (unsigned long long)(ULONG_PTR)si.hStdOutput);
  return write_all(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)strlen(line)) ? 0 : 2;
}

/* Exits 0 if CONF_ENV_PROBE has the value the parent's environment block gave it. */
static int role_env_probe(int argc, char **argv) {
  const char *v = getenv("CONF_ENV_PROBE");
  (void)argc;
  (void)argv;
  return v && strcmp(v, "hello-env") == 0 ? 0 : 3;
}

/* Creates the file named by argv[0] relative to its current directory. */
static int role_cwd_probe(int argc, char **argv) {
  HANDLE h;
  if (argc < 1)
    return 2;
  h = CreateFileA(argv[0], GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE)
    return 3;
  CloseHandle(h);
  return 0;
}

static int role_exit_process(int argc, char **argv) {
  (void)argc;
  (void)argv;
  ExitProcess(17);
}

static const struct conf_role roles[] = {
    {"env_probe", role_env_probe},   {"cwd_probe", role_cwd_probe},
    {"exit_process", role_exit_process},
    {"exit42", role_exit42},         {"stdin_eof", role_stdin_eof},
    {"hello", role_hello},           {"checksum", role_checksum},
    {"write_big", role_write_big},   {"write_handle", role_write_handle},
    {"spin", role_spin},             {"produce", role_produce},
    {"consume", role_consume},       {"startupinfo", role_startupinfo},
};

/* ---- test helpers ---- */

static void assert_pipe_broken(HANDLE r) {
  DWORD avail = 99;
  SetLastError(0);
  assert_false(PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL));
  assert_int_equal(GetLastError(), ERROR_BROKEN_PIPE);
}

static void assert_pipe_open_and_empty(HANDLE r) {
  DWORD avail = 99;
  SetLastError(0);
  assert_true(PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL));
  assert_int_equal(avail, 0);
}

/* Starts a role whose stdin is a fresh pipe; *stdin_w is the parent's (non-inheritable)
 * write end: closing it releases a child blocked on stdin. */
static void spawn_with_stdin_pipe(const char *role, const char *args, HANDLE *stdin_w,
                                  PROCESS_INFORMATION *pi) {
  HANDLE child_r;
  STARTUPINFOA si;
  conf_child_pipe(stdin_w, &child_r, TRUE, 0);
  conf_stdio_startup(&si, child_r, NULL, NULL);
  if (!conf_spawn_self(role, args, &si, TRUE, pi))
    fail_msg("CreateProcessA(role %s) failed with error %lu", role,
             (unsigned long)GetLastError());
  assert_true(CloseHandle(child_r));
}

/* ---- cases ---- */

static void child_exit_code_is_reported(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  DWORD code = 0;
  conf_spawn_self_or_fail("exit42", NULL, NULL, FALSE, &pi);
  assert_non_null(pi.hProcess);
  assert_non_null(pi.hThread);
  assert_true(pi.dwProcessId != 0);
  assert_true(pi.dwProcessId != GetCurrentProcessId());
  assert_int_equal(WaitForSingleObject(pi.hProcess, CONF_WAIT_MS), WAIT_OBJECT_0);
  assert_true(GetExitCodeProcess(pi.hProcess, &code));
  assert_int_equal(code, 42);
  /* An exited process stays signalled and keeps its exit code. */
  assert_int_equal(WaitForSingleObject(pi.hProcess, 0), WAIT_OBJECT_0);
  code = 0;
  assert_true(GetExitCodeProcess(pi.hProcess, &code));
  assert_int_equal(code, 42);
  conf_untrack_process(&pi);
  assert_true(CloseHandle(pi.hThread));
  assert_true(CloseHandle(pi.hProcess));
}

static void blocked_child_is_still_active_until_stdin_closes(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  HANDLE w;
  DWORD code = 0;
  spawn_with_stdin_pipe("stdin_eof", NULL, &w, &pi);
  /* The child cannot exit before its stdin reaches EOF, which needs our write end closed. */
  assert_true(GetExitCodeProcess(pi.hProcess, &code));
  assert_int_equal(code, STILL_ACTIVE);
  assert_int_equal(WaitForSingleObject(pi.hProcess, 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObject(pi.hProcess, 50), WAIT_TIMEOUT);
  assert_true(GetExitCodeProcess(pi.hProcess, &code));
  assert_int_equal(code, STILL_ACTIVE);
  assert_true(CloseHandle(w));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "child reading stdin"),
                   STDIN_EOF_OK);
  conf_close_process(&pi);
}

static void terminate_process_sets_exit_code(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  HANDLE w;
  DWORD n = 77;
  spawn_with_stdin_pipe("stdin_eof", NULL, &w, &pi);
  assert_int_equal(WaitForSingleObject(pi.hProcess, 0), WAIT_TIMEOUT);
  assert_true(TerminateProcess(pi.hProcess, 7));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "terminated child"), 7);
  /* The dead child's handles are closed: the pipe has no reader left. */
  SetLastError(0);
  assert_false(WriteFile(w, "x", 1, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_NO_DATA);
  assert_true(CloseHandle(w));
  conf_close_process(&pi);
}

static void terminate_exited_process_is_access_denied(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  DWORD code = 0;
  conf_spawn_self_or_fail("exit42", NULL, NULL, FALSE, &pi);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "exit42 child"), 42);
  SetLastError(0);
  assert_false(TerminateProcess(pi.hProcess, 7));
  assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
  assert_true(GetExitCodeProcess(pi.hProcess, &code));
  assert_int_equal(code, 42);
  conf_close_process(&pi);
}

static void child_stdout_redirected_to_pipe(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  HANDLE r, w;
  char buf[256];
  DWORD n;
  conf_child_pipe(&r, &w, FALSE, 0);
  conf_stdio_startup(&si, NULL, w, NULL);
  conf_spawn_self_or_fail("hello", NULL, &si, TRUE, &pi);
  /* Our copy of the write end must go, or the pipe never reaches EOF. */
  assert_true(CloseHandle(w));
  n = conf_read_to_eof(r, pi.hProcess, buf, sizeof buf, CONF_WAIT_MS);
  assert_int_equal(n, strlen(HELLO));
  assert_memory_equal(buf, HELLO, n);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "hello child"), 0);
  assert_true(CloseHandle(r));
  conf_close_process(&pi);
}

static void child_startup_info_has_its_std_handles(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  HANDLE r, w;
  char buf[160], expect[160];
  DWORD n;
  conf_child_pipe(&r, &w, FALSE, 0);
  conf_stdio_startup(&si, NULL, w, NULL);
  conf_spawn_self_or_fail("startupinfo", NULL, &si, TRUE, &pi);
  /* An inherited handle has the same value in the child. */
  snprintf(expect, sizeof expect, "cb=1 usestdhandles=1 in=1 out=1 err=1 value=%llu\n",
           (unsigned long long)(ULONG_PTR)w);
  assert_true(CloseHandle(w));
  n = conf_read_to_eof(r, pi.hProcess, buf, sizeof buf - 1, CONF_WAIT_MS);
  buf[n] = '\0';
  assert_string_equal(buf, expect);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "startupinfo child"), 0);
  assert_true(CloseHandle(r));
  conf_close_process(&pi);
}

static void child_stdin_from_pipe(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  HANDLE in_w, in_r, out_r, out_w;
  unsigned char data[1000];
  char buf[128], expect[64];
  DWORD i, n = 0, sum = 0, fnv = 2166136261u;
  for (i = 0; i < sizeof data; ++i) {
    data[i] = (unsigned char)(i * 7u + 3u);
    sum += data[i];
    fnv = (fnv ^ data[i]) * 16777619u;
  }
  snprintf(expect, sizeof expect, "count=%lu fnv=%08lx\n", (unsigned long)sizeof data,
           (unsigned long)fnv);
  conf_child_pipe(&in_w, &in_r, TRUE, 0);
  conf_child_pipe(&out_r, &out_w, FALSE, 0);
  conf_stdio_startup(&si, in_r, out_w, NULL);
  conf_spawn_self_or_fail("checksum", NULL, &si, TRUE, &pi);
  assert_true(CloseHandle(in_r));
  assert_true(CloseHandle(out_w));
  assert_true(WriteFile(in_w, data, sizeof data, &n, NULL));
  assert_int_equal(n, sizeof data);
  assert_true(CloseHandle(in_w));
  n = conf_read_to_eof(out_r, pi.hProcess, buf, sizeof buf - 1, CONF_WAIT_MS);
  buf[n] = '\0';
  assert_string_equal(buf, expect);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "checksum child"), sum % 251u);
  assert_true(CloseHandle(out_r));
  conf_close_process(&pi);
}

static void writer_blocked_on_full_pipe_released_by_reader(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  HANDLE r, w;
  unsigned char *buf = malloc(BIG_SIZE);
  DWORD n, i;
  assert_non_null(buf);
  conf_child_pipe(&r, &w, FALSE, 0);
  conf_stdio_startup(&si, NULL, w, NULL);
  conf_spawn_self_or_fail("write_big", NULL, &si, TRUE, &pi);
  assert_true(CloseHandle(w));
  /* 1 MiB does not fit in the pipe: the child's WriteFile cannot have completed. */
  assert_int_equal(WaitForSingleObject(pi.hProcess, 0), WAIT_TIMEOUT);
  n = conf_read_to_eof(r, pi.hProcess, buf, BIG_SIZE, CONF_WAIT_MS);
  assert_int_equal(n, BIG_SIZE);
  for (i = 0; i < BIG_SIZE; ++i) {
    if (buf[i] != big_byte(i)) {
      unsigned got = buf[i];
      free(buf);
      fail_msg("byte %lu is 0x%02x, want 0x%02x", (unsigned long)i, got, (unsigned)big_byte(i));
    }
  }
  free(buf);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "1 MiB writer"), 0);
  assert_true(CloseHandle(r));
  conf_close_process(&pi);
}

static void read_through_handle_value(HANDLE r, HANDLE child_w, const char *what) {
  PROCESS_INFORMATION pi;
  char args[32], buf[128];
  DWORD n;
  snprintf(args, sizeof args, "%llu", (unsigned long long)(ULONG_PTR)child_w);
  conf_spawn_self_or_fail("write_handle", args, NULL, TRUE, &pi);
  assert_true(CloseHandle(child_w));
  n = conf_read_to_eof(r, pi.hProcess, buf, sizeof buf, CONF_WAIT_MS);
  assert_int_equal(n, strlen(THROUGH_HANDLE));
  assert_memory_equal(buf, THROUGH_HANDLE, n);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, what), 0);
  conf_close_process(&pi);
}

static void inherited_handle_value_is_usable_in_child(void **state) {
  (void)state;
  HANDLE r, w;
  DWORD flags = 0;
  SECURITY_ATTRIBUTES sa;
  sa.nLength = sizeof sa;
  sa.lpSecurityDescriptor = NULL;
  sa.bInheritHandle = TRUE;
  assert_true(CreatePipe(&r, &w, &sa, 0));
  assert_true(SetHandleInformation(r, HANDLE_FLAG_INHERIT, 0));
  assert_true(GetHandleInformation(w, &flags));
  assert_int_equal(flags & HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  read_through_handle_value(r, w, "child writing through an inherited handle");
  assert_true(CloseHandle(r));
}

static void inheritable_duplicate_is_usable_in_child(void **state) {
  (void)state;
  HANDLE r, w, dup = NULL;
  DWORD flags = 0;
  assert_true(CreatePipe(&r, &w, NULL, 0));
  assert_true(DuplicateHandle(GetCurrentProcess(), w, GetCurrentProcess(), &dup, 0, TRUE,
                              DUPLICATE_SAME_ACCESS));
  assert_true(GetHandleInformation(dup, &flags));
  assert_int_equal(flags & HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  assert_true(CloseHandle(w));
  read_through_handle_value(r, dup, "child writing through an inherited duplicate");
  assert_true(CloseHandle(r));
}

static void inherited_write_end_keeps_pipe_open_while_child_lives(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  HANDLE r, w, stdin_w;
  assert_true(CreatePipe(&r, &w, NULL, 0));
  assert_true(SetHandleInformation(w, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
  spawn_with_stdin_pipe("stdin_eof", NULL, &stdin_w, &pi);
  assert_true(CloseHandle(w));
  /* The child holds a copy of the write end: no EOF while it lives. */
  assert_pipe_open_and_empty(r);
  assert_int_equal(WaitForSingleObject(pi.hProcess, 0), WAIT_TIMEOUT);
  assert_true(CloseHandle(stdin_w));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "child reading stdin"),
                   STDIN_EOF_OK);
  /* Its copy went with it. */
  assert_pipe_broken(r);
  assert_true(CloseHandle(r));
  conf_close_process(&pi);
}

static void non_inheritable_handle_is_not_in_child(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  HANDLE r, w, stdin_w;
  DWORD flags = 0xff;
  assert_true(CreatePipe(&r, &w, NULL, 0));
  assert_true(GetHandleInformation(w, &flags));
  assert_int_equal(flags & HANDLE_FLAG_INHERIT, 0);
  spawn_with_stdin_pipe("stdin_eof", NULL, &stdin_w, &pi);
  assert_true(CloseHandle(w));
  /* The child (alive: blocked on its stdin) has no copy, so ours was the last one. */
  assert_pipe_broken(r);
  assert_int_equal(WaitForSingleObject(pi.hProcess, 0), WAIT_TIMEOUT);
  assert_true(CloseHandle(stdin_w));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "child reading stdin"),
                   STDIN_EOF_OK);
  assert_true(CloseHandle(r));
  conf_close_process(&pi);
}

static void inherit_handles_false_passes_no_handle(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  HANDLE r, w;
  SECURITY_ATTRIBUTES sa;
  sa.nLength = sizeof sa;
  sa.lpSecurityDescriptor = NULL;
  sa.bInheritHandle = TRUE;
  assert_true(CreatePipe(&r, &w, &sa, 0));
  conf_spawn_self_or_fail("spin", NULL, NULL, FALSE, &pi);
  assert_true(CloseHandle(w));
  /* The child (alive until terminated) has no copy of the inheritable write end. */
  assert_pipe_broken(r);
  assert_int_equal(WaitForSingleObject(pi.hProcess, 0), WAIT_TIMEOUT);
  assert_true(TerminateProcess(pi.hProcess, 5));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "spinning child"), 5);
  assert_true(CloseHandle(r));
  conf_close_process(&pi);
}

static void expect_file_not_found(const char *cmdline) {
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "%s", cmdline);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  memset(&pi, 0, sizeof pi);
  SetLastError(0);
  if (CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
    conf_track_process(&pi);
    fail_msg("CreateProcessA(%s) succeeded", cmdline);
  }
  assert_int_equal(GetLastError(), ERROR_FILE_NOT_FOUND);
}

static void missing_program_is_file_not_found(void **state) {
  (void)state;
  expect_file_not_found("no-such-program-xyz.exe");
  expect_file_not_found("no-such-program-xyz.exe --role exit42");
}

static void missing_program_full_path_is_file_not_found(void **state) {
  (void)state;
  char path[4096], cmd[4200] = "";
  conf_sibling_exe("no-such-program-xyz", path, sizeof path);
  conf_append_arg(cmd, sizeof cmd, path);
  expect_file_not_found(cmd);
}

static void exe_suffix_is_optional_on_command_line(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  char path[4096], cmd[4200] = "";
  size_t len;
  snprintf(path, sizeof path, "%s", conf_module_path());
  len = strlen(path);
  if (len > 4 && path[len - 4] == '.' && (path[len - 3] | 0x20) == 'e' &&
      (path[len - 2] | 0x20) == 'x' && (path[len - 1] | 0x20) == 'e')
    path[len - 4] = '\0';
  conf_append_arg(cmd, sizeof cmd, path);
  conf_append_arg(cmd, sizeof cmd, "--role");
  conf_append_arg(cmd, sizeof cmd, "exit42");
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    fail_msg("CreateProcessA(%s) failed with error %lu", cmd, (unsigned long)GetLastError());
  conf_track_process(&pi);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "child started without .exe"), 42);
  conf_close_process(&pi);
}

static void createprocessw_runs_child(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  STARTUPINFOW si;
  char cmd[4200] = "";
  WCHAR wcmd[4200];
  size_t i;
  conf_append_arg(cmd, sizeof cmd, conf_module_path());
  conf_append_arg(cmd, sizeof cmd, "--role");
  conf_append_arg(cmd, sizeof cmd, "exit42");
  for (i = 0; cmd[i]; ++i) {
    if ((unsigned char)cmd[i] >= 0x80)
      fail_msg("the test path is not ASCII: %s", cmd);
    wcmd[i] = (WCHAR)cmd[i];
  }
  wcmd[i] = 0;
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (!CreateProcessW(NULL, wcmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    fail_msg("CreateProcessW(%s) failed with error %lu", cmd, (unsigned long)GetLastError());
  conf_track_process(&pi);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "CreateProcessW child"), 42);
  conf_close_process(&pi);
}

/* Makes a standard handle of ours non-inheritable for a while; returns its old flags
 * (0 if it has none or they cannot be read). */
static DWORD stop_inheriting(HANDLE h) {
  DWORD flags = 0;
  if (h == NULL || h == INVALID_HANDLE_VALUE || !GetHandleInformation(h, &flags))
    return 0;
  SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0);
  return flags;
}

static void example_pipe_connects_producer_to_consumer(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  SECURITY_ATTRIBUTES sa;
  HANDLE r, w, log, so = GetStdHandle(STD_OUTPUT_HANDLE), se = GetStdHandle(STD_ERROR_HANDLE);
  char exe[4096], p1[4200] = "", p2[4200] = "", cmd[12800] = "", buf[256], logname[64];
  DWORD n, code, so_flags, se_flags, err;
  BOOL ok;
  conf_sibling_exe("example-win32-pipe", exe, sizeof exe);
  conf_append_arg(p1, sizeof p1, conf_module_path());
  conf_append_arg(p1, sizeof p1, "--role");
  conf_append_arg(p1, sizeof p1, "produce");
  conf_append_arg(p2, sizeof p2, conf_module_path());
  conf_append_arg(p2, sizeof p2, "--role");
  conf_append_arg(p2, sizeof p2, "consume");
  conf_append_arg(cmd, sizeof cmd, exe);
  conf_append_arg(cmd, sizeof cmd, p1);
  conf_append_arg(cmd, sizeof cmd, p2);

  /* The example's (and so p1's and p2's) error output goes to a file, which must stay
   * empty; it is left in place when the case fails. */
  snprintf(logname, sizeof logname, "conf-process-%lu-example.log",
           (unsigned long)GetCurrentProcessId());
  sa.nLength = sizeof sa;
  sa.lpSecurityDescriptor = NULL;
  sa.bInheritHandle = TRUE;
  log = CreateFileA(logname, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                    CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  assert_true(log != INVALID_HANDLE_VALUE);
  conf_child_pipe(&r, &w, FALSE, 0);
  conf_stdio_startup(&si, NULL, w, log);
  /* Keep the runner's output pipes out of the example's process tree: a grandchild left
   * behind by a broken example would otherwise hold them open after we exit. */
  so_flags = stop_inheriting(so);
  se_flags = stop_inheriting(se);
  memset(&pi, 0, sizeof pi);
  ok = CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
  err = GetLastError();
  if (so_flags & HANDLE_FLAG_INHERIT)
    SetHandleInformation(so, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  if (se_flags & HANDLE_FLAG_INHERIT)
    SetHandleInformation(se, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  if (!ok)
    fail_msg("CreateProcessA(%s) failed with error %lu", cmd, (unsigned long)err);
  conf_track_process(&pi);
  assert_true(CloseHandle(w));
  assert_true(CloseHandle(log));

  n = conf_read_to_eof(r, pi.hProcess, buf, sizeof buf - 1, CONF_WAIT_MS);
  buf[n] = '\0';
  code = conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "example-win32-pipe");
  assert_string_equal(buf, CONSUMED);
  /* The example exits with p2's exit code. */
  assert_int_equal(code, CONSUME_OK);
  assert_true(CloseHandle(r));
  conf_close_process(&pi);

  log = CreateFileA(logname, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  assert_true(log != INVALID_HANDLE_VALUE);
  n = 0;
  assert_true(ReadFile(log, buf, sizeof buf - 1, &n, NULL));
  buf[n] = '\0';
  assert_true(CloseHandle(log));
  assert_string_equal(buf, "");
  assert_true(DeleteFileA(logname));
}

static void closed_process_handle_is_invalid_handle(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  HANDLE h;
  DWORD code = 0;
  conf_spawn_self_or_fail("exit42", NULL, NULL, FALSE, &pi);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "exit42 child"), 42);
  h = pi.hProcess;
  conf_close_process(&pi);
  SetLastError(0);
  assert_false(GetExitCodeProcess(h, &code));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_false(TerminateProcess(h, 1));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_FAILED);
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
}

/* Every case: children a failed case left running are terminated. */
/* Starts "<self> --role <role> <arg>" with CreateProcessA's flags, environment and
 * directory arguments set; returns CreateProcessA's result. */
static BOOL spawn_with(const char *role, const char *arg, DWORD flags, void *env,
                       const char *dir, PROCESS_INFORMATION *pi) {
  char cmd[8192] = "";
  STARTUPINFOA si;
  BOOL ok;
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  memset(pi, 0, sizeof *pi);
  conf_append_arg(cmd, sizeof cmd, conf_module_path());
  conf_append_arg(cmd, sizeof cmd, "--role");
  conf_append_arg(cmd, sizeof cmd, role);
  if (arg)
    conf_append_arg(cmd, sizeof cmd, arg);
  ok = CreateProcessA(NULL, cmd, NULL, NULL, FALSE, flags, env, dir, &si, pi);
  if (ok)
    conf_track_process(pi);
  return ok;
}

static void environment_block_reaches_child(void **state) {
  (void)state;
  static char block[] = "CONF_ENV_PROBE=hello-env\0OTHER=1\0";
  PROCESS_INFORMATION pi;
  assert_true(spawn_with("env_probe", NULL, 0, block, NULL, &pi));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "env_probe child"), 0);
  conf_close_process(&pi);
}

static void current_directory_argument_is_childs_cwd(void **state) {
  (void)state;
  char dir[4096], name[64], full[4200];
  const char *self = conf_module_path();
  size_t i, cut = 0;
  PROCESS_INFORMATION pi;
  HANDLE h;
  /* The directory above this executable's: not the directory the test runs in. */
  for (i = 0; self[i]; ++i)
    if (self[i] == '/' || self[i] == '\\')
      cut = i;
  assert_true(cut > 0 && cut < sizeof dir);
  memcpy(dir, self, cut);
  dir[cut] = '\0';
  for (i = cut, cut = 0; i > 0; --i)
    if (dir[i - 1] == '/' || dir[i - 1] == '\\') {
      cut = i - 1;
      break;
    }
  assert_true(cut > 0);
  dir[cut] = '\0';
  snprintf(name, sizeof name, "conf-cwd-probe-%lu.tmp", (unsigned long)GetCurrentProcessId());
  snprintf(full, sizeof full, "%s/%s", dir, name);
  DeleteFileA(full);
  assert_true(spawn_with("cwd_probe", name, 0, NULL, dir, &pi));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "cwd_probe child"), 0);
  conf_close_process(&pi);
  h = CreateFileA(full, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  assert_true(h != INVALID_HANDLE_VALUE);
  CloseHandle(h);
  assert_true(DeleteFileA(full));
}

static void missing_current_directory_is_error_directory(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  SetLastError(0);
  assert_false(spawn_with("exit42", NULL, 0, NULL, "no-such-directory-xyz", &pi));
  assert_int_equal(GetLastError(), ERROR_DIRECTORY);
}

static void new_process_group_flag_is_accepted(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  assert_true(spawn_with("exit42", NULL, CREATE_NEW_PROCESS_GROUP, NULL, NULL, &pi));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "exit42 child"), 42);
  conf_close_process(&pi);
}

static void exit_process_sets_exit_code(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  assert_true(spawn_with("exit_process", NULL, 0, NULL, NULL, &pi));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "exit_process child"), 17);
  conf_close_process(&pi);
}

#define T(f) cmocka_unit_test_teardown(f, conf_reap_children)
static const struct CMUnitTest tests[] = {
    T(child_exit_code_is_reported),
    T(blocked_child_is_still_active_until_stdin_closes),
    T(terminate_process_sets_exit_code),
    T(terminate_exited_process_is_access_denied),
    T(child_stdout_redirected_to_pipe),
    T(child_startup_info_has_its_std_handles),
    T(child_stdin_from_pipe),
    T(writer_blocked_on_full_pipe_released_by_reader),
    T(inherited_handle_value_is_usable_in_child),
    T(inheritable_duplicate_is_usable_in_child),
    T(inherited_write_end_keeps_pipe_open_while_child_lives),
    T(non_inheritable_handle_is_not_in_child),
    T(inherit_handles_false_passes_no_handle),
    T(missing_program_is_file_not_found),
    T(missing_program_full_path_is_file_not_found),
    T(exe_suffix_is_optional_on_command_line),
    T(createprocessw_runs_child),
    T(example_pipe_connects_producer_to_consumer),
    T(closed_process_handle_is_invalid_handle),
    T(environment_block_reaches_child),
    T(current_directory_argument_is_childs_cwd),
    T(missing_current_directory_is_error_directory),
    T(new_process_group_flag_is_accepted),
    T(exit_process_sets_exit_code),
};

CONF_MAIN_WITH_ROLES(tests, roles)
