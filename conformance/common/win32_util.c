/* Helpers for the Win32 corpus (see win32_util.h). */
#include "win32_util.h"

#include "conformance.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define CONF_PATH_CAP 4096

const char *conf_module_path(void) {
  static char path[CONF_PATH_CAP];
  DWORD n;
  if (path[0])
    return path;
  SetLastError(0);
  n = GetModuleFileNameA(NULL, path, (DWORD)sizeof path);
  if (n == 0 || n >= (DWORD)sizeof path) {
    unsigned long err = (unsigned long)GetLastError();
    path[0] = '\0';
    fail_msg("GetModuleFileNameA(NULL) returned %lu (error %lu)", (unsigned long)n, err);
  }
  return path;
}

static int ends_with_exe(const char *s) {
  size_t n = strlen(s);
  const char *ext = ".exe";
  size_t i;
  if (n < 4)
    return 0;
  for (i = 0; i < 4; ++i) {
    char c = s[n - 4 + i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != ext[i])
      return 0;
  }
  return 1;
}

void conf_sibling_exe(const char *name, char *out, size_t cap) {
  const char *self = conf_module_path();
  const char *bs = strrchr(self, '\\');
  const char *sl = strrchr(self, '/');
  const char *sep = bs > sl ? bs : sl;
  size_t dirlen = sep ? (size_t)(sep - self) + 1 : 0;
  int n = snprintf(out, cap, "%.*s%s%s", (int)dirlen, self, name,
                   ends_with_exe(self) ? ".exe" : "");
  if (n < 0 || (size_t)n >= cap)
    fail_msg("path of sibling executable '%s' does not fit in %lu bytes", name,
             (unsigned long)cap);
}

static void append_char(char *cmd, size_t cap, size_t *len, char c) {
  if (*len + 1 >= cap)
    fail_msg("command line longer than %lu bytes", (unsigned long)cap);
  cmd[(*len)++] = c;
  cmd[*len] = '\0';
}

void conf_append_arg(char *cmd, size_t cap, const char *arg) {
  size_t len = strlen(cmd);
  const char *p;
  if (len > 0)
    append_char(cmd, cap, &len, ' ');
  if (arg[0] != '\0' && strpbrk(arg, " \t\n\v\"") == NULL) {
    for (p = arg; *p; ++p)
      append_char(cmd, cap, &len, *p);
    return;
  }
  append_char(cmd, cap, &len, '"');
  for (p = arg;; ++p) {
    size_t backslashes = 0, i;
    while (*p == '\\') {
      ++backslashes;
      ++p;
    }
    if (*p == '\0') {
      /* Doubled, so that the closing quote stays a quote. */
      for (i = 0; i < 2 * backslashes; ++i)
        append_char(cmd, cap, &len, '\\');
      break;
    }
    if (*p == '"') {
      for (i = 0; i < 2 * backslashes + 1; ++i)
        append_char(cmd, cap, &len, '\\');
    } else {
      for (i = 0; i < backslashes; ++i)
        append_char(cmd, cap, &len, '\\');
    }
    append_char(cmd, cap, &len, *p);
  }
  append_char(cmd, cap, &len, '"');
}

BOOL conf_spawn_self(const char *role, const char *args, STARTUPINFOA *si, BOOL inherit,
                     PROCESS_INFORMATION *pi) {
  static char cmd[3 * CONF_PATH_CAP];
  STARTUPINFOA defaults;
  int n = snprintf(cmd, sizeof cmd, "\"%s\" --role %s%s%s", conf_module_path(), role,
                   (args && args[0]) ? " " : "", (args && args[0]) ? args : "");
  if (n < 0 || (size_t)n >= sizeof cmd)
    fail_msg("command line for role '%s' does not fit in %lu bytes", role,
             (unsigned long)sizeof cmd);
  if (si == NULL) {
    memset(&defaults, 0, sizeof defaults);
    defaults.cb = sizeof defaults;
    si = &defaults;
  }
  memset(pi, 0, sizeof *pi);
  if (!CreateProcessA(NULL, cmd, NULL, NULL, inherit, 0, NULL, NULL, si, pi))
    return FALSE;
  conf_track_process(pi);
  return TRUE;
}

DWORD conf_wait_exit(HANDLE process, DWORD timeout_ms, const char *what) {
  DWORD code = 0xdeadbeef;
  DWORD w = WaitForSingleObject(process, timeout_ms);
  if (w == WAIT_TIMEOUT) {
    /* Do not leave it behind holding pipe handles; then report. */
    TerminateProcess(process, 255);
    WaitForSingleObject(process, 5000);
    fail_msg("%s: did not exit within %lu ms (terminated it)", what, (unsigned long)timeout_ms);
  }
  if (w != WAIT_OBJECT_0)
    fail_msg("%s: WaitForSingleObject returned %lu (error %lu)", what, (unsigned long)w,
             (unsigned long)GetLastError());
  if (!GetExitCodeProcess(process, &code))
    fail_msg("%s: GetExitCodeProcess failed (error %lu)", what, (unsigned long)GetLastError());
  return code;
}

DWORD conf_read_to_eof(HANDLE r, HANDLE writer, void *buf, DWORD cap, DWORD timeout_ms) {
  char *out = (char *)buf;
  DWORD got = 0;
  time_t deadline = time(NULL) + (time_t)(timeout_ms / 1000u) + 1;
  for (;;) {
    DWORD avail = 0, n = 0, err;
    SetLastError(0);
    if (!PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL)) {
      char c;
      err = GetLastError();
      if (err != ERROR_BROKEN_PIPE)
        fail_msg("PeekNamedPipe failed with error %lu after %lu bytes", (unsigned long)err,
                 (unsigned long)got);
      /* EOF: every write handle is closed. ReadFile must report it the same way. */
      n = 77;
      SetLastError(0);
      if (ReadFile(r, &c, 1, &n, NULL))
        fail_msg("PeekNamedPipe reported ERROR_BROKEN_PIPE but ReadFile succeeded (%lu bytes)",
                 (unsigned long)n);
      err = GetLastError();
      if (err != ERROR_BROKEN_PIPE || n != 0)
        fail_msg("ReadFile at EOF: error %lu, %lu bytes (want ERROR_BROKEN_PIPE, 0 bytes)",
                 (unsigned long)err, (unsigned long)n);
      return got;
    }
    if (avail > 0) {
      DWORD want = avail < cap - got ? avail : cap - got;
      if (want == 0)
        fail_msg("pipe holds more than the %lu bytes expected", (unsigned long)cap);
      SetLastError(0);
      if (!ReadFile(r, out + got, want, &n, NULL))
        fail_msg("ReadFile of %lu available bytes failed with error %lu", (unsigned long)want,
                 (unsigned long)GetLastError());
      if (n == 0 || n > want)
        fail_msg("ReadFile of %lu available bytes returned %lu", (unsigned long)want,
                 (unsigned long)n);
      got += n;
      continue;
    }
    if (time(NULL) > deadline) {
      if (writer != NULL)
        TerminateProcess(writer, 255);
      fail_msg("pipe did not reach EOF within %lu ms (%lu bytes read): a write handle is still "
               "open somewhere",
               (unsigned long)timeout_ms, (unsigned long)got);
    }
    /* Empty and not broken: give the writer a moment (returns at once once it has exited). */
    if (writer != NULL && WaitForSingleObject(writer, 1) == WAIT_FAILED)
      fail_msg("WaitForSingleObject on the writer failed with error %lu",
               (unsigned long)GetLastError());
  }
}

void conf_read_exact(HANDLE r, void *buf, DWORD n) {
  DWORD got = 0;
  while (got < n) {
    DWORD k = 0;
    SetLastError(0);
    if (!ReadFile(r, (char *)buf + got, n - got, &k, NULL))
      fail_msg("ReadFile after %lu of %lu bytes failed with error %lu (the writer ended?)",
               (unsigned long)got, (unsigned long)n, (unsigned long)GetLastError());
    got += k;
  }
}

void conf_child_pipe(HANDLE *parent_end, HANDLE *child_end, BOOL child_reads, DWORD size) {
  HANDLE r = NULL, w = NULL;
  if (!CreatePipe(&r, &w, NULL, size))
    fail_msg("CreatePipe failed with error %lu", (unsigned long)GetLastError());
  *parent_end = child_reads ? w : r;
  *child_end = child_reads ? r : w;
  if (!SetHandleInformation(*child_end, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
    fail_msg("SetHandleInformation(HANDLE_FLAG_INHERIT) failed with error %lu",
             (unsigned long)GetLastError());
}

void conf_stdio_startup(STARTUPINFOA *si, HANDLE in, HANDLE out, HANDLE err) {
  memset(si, 0, sizeof *si);
  si->cb = sizeof *si;
  si->dwFlags = STARTF_USESTDHANDLES;
  si->hStdInput = in ? in : GetStdHandle(STD_INPUT_HANDLE);
  si->hStdOutput = out ? out : GetStdHandle(STD_OUTPUT_HANDLE);
  si->hStdError = err ? err : GetStdHandle(STD_ERROR_HANDLE);
}

#define CONF_MAX_TRACKED 16
static PROCESS_INFORMATION g_tracked[CONF_MAX_TRACKED];

void conf_track_process(const PROCESS_INFORMATION *pi) {
  size_t i;
  for (i = 0; i < CONF_MAX_TRACKED; ++i) {
    if (g_tracked[i].hProcess == NULL) {
      g_tracked[i] = *pi;
      return;
    }
  }
  fail_msg("more than %d children tracked at once", CONF_MAX_TRACKED);
}

void conf_untrack_process(const PROCESS_INFORMATION *pi) {
  size_t i;
  for (i = 0; i < CONF_MAX_TRACKED; ++i) {
    if (g_tracked[i].hProcess == pi->hProcess && pi->hProcess != NULL)
      memset(&g_tracked[i], 0, sizeof g_tracked[i]);
  }
}

int conf_reap_children(void **state) {
  size_t i;
  (void)state;
  for (i = 0; i < CONF_MAX_TRACKED; ++i) {
    PROCESS_INFORMATION *pi = &g_tracked[i];
    if (pi->hProcess == NULL)
      continue;
    if (WaitForSingleObject(pi->hProcess, 0) == WAIT_TIMEOUT) {
      fprintf(stderr, "teardown: terminating child %lu left running by the case\n",
              (unsigned long)pi->dwProcessId);
      TerminateProcess(pi->hProcess, 254);
      WaitForSingleObject(pi->hProcess, 5000);
    }
    CloseHandle(pi->hThread);
    CloseHandle(pi->hProcess);
    memset(pi, 0, sizeof *pi);
  }
  return 0;
}

void conf_close_process(PROCESS_INFORMATION *pi) {
  conf_untrack_process(pi);
  assert_true(CloseHandle(pi->hThread));
  assert_true(CloseHandle(pi->hProcess));
  pi->hThread = pi->hProcess = NULL;
}

void conf_spawn_self_or_fail(const char *role, const char *args, STARTUPINFOA *si, BOOL inherit,
                             PROCESS_INFORMATION *pi) {
  if (!conf_spawn_self(role, args, si, inherit, pi))
    fail_msg("CreateProcessA(role %s) failed with error %lu", role,
             (unsigned long)GetLastError());
}

void conf_spawn_until_ready(const char *role, const char *name, PROCESS_INFORMATION *pi,
                            const char *what) {
  static unsigned serial;
  char ev[64], args[1024];
  HANDLE ready;
  snprintf(ev, sizeof ev, "conf-ready-%lu-%u", (unsigned long)GetCurrentProcessId(), ++serial);
  ready = CreateEventA(NULL, TRUE, FALSE, ev);
  if (!ready)
    fail_msg("CreateEvent(%s) failed with error %lu", ev, (unsigned long)GetLastError());
  args[0] = 0;
  conf_append_arg(args, sizeof args, name);
  conf_append_arg(args, sizeof args, ev);
  conf_spawn_self_or_fail(role, args, NULL, FALSE, pi);
  if (WaitForSingleObject(ready, CONF_WAIT_MS) != WAIT_OBJECT_0)
    fail_msg("%s: the child (role %s) did not get ready", what, role);
  CloseHandle(ready);
}

void conf_expect_null(HANDLE h, DWORD err, const char *what) {
  DWORD e = GetLastError();
  if (h != NULL) {
    CloseHandle(h);
    fail_msg("%s: returned a handle, want NULL with error %lu", what, (unsigned long)err);
  }
  if (e != err)
    fail_msg("%s: error %lu, want %lu", what, (unsigned long)e, (unsigned long)err);
}

void conf_expect_handle(HANDLE h, DWORD err, const char *what) {
  DWORD e = GetLastError();
  if (h == NULL)
    fail_msg("%s: failed with error %lu", what, (unsigned long)e);
  if (e != err)
    fail_msg("%s: GetLastError() is %lu, want %lu", what, (unsigned long)e, (unsigned long)err);
}

void conf_to_wide(const char *s, WCHAR *out, size_t cap) {
  size_t i = 0;
  for (; s[i] && i + 1 < cap; ++i)
    out[i] = (WCHAR)(unsigned char)s[i];
  out[i] = 0;
}

HANDLE conf_start_thread(LPTHREAD_START_ROUTINE fn, void *arg, DWORD *tid) {
  HANDLE t = CreateThread(NULL, 0, fn, arg, 0, tid);
  if (t == NULL)
    fail_msg("CreateThread failed with error %lu", (unsigned long)GetLastError());
  return t;
}

DWORD conf_join_thread(HANDLE t, DWORD timeout_ms, const char *what) {
  DWORD code = 0xdeadbeef;
  if (WaitForSingleObject(t, timeout_ms) != WAIT_OBJECT_0)
    fail_msg("%s: thread did not finish within %lu ms", what, (unsigned long)timeout_ms);
  assert_true(GetExitCodeThread(t, &code));
  assert_true(CloseHandle(t));
  return code;
}
