/* Threads: CreateThread's thread id (the one GetCurrentThreadId returns inside the
 * thread), GetExitCodeThread (STILL_ACTIVE while running, then the return value or
 * ExitThread's code), waiting on thread handles, the GetCurrentThread/GetCurrentProcess
 * pseudo-handles, and GetCurrentProcessId against what a child reports about itself.
 * Every wait is bounded; every case's teardown terminates children a failure left
 * running. */
#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define WAIT_MS 10000u

/* ---- child roles ---- */

/* argv: the parent's process id. Writes "pid=<GetCurrentProcessId()>\n" to stdout; exits
 * 0, or 3 if its id equals the parent's, 2 on a write error. */
static int role_report_pid(int argc, char **argv) {
  char line[64];
  DWORD n = 0, me = GetCurrentProcessId();
  if (argc >= 1 && strtoul(argv[0], NULL, 10) == me)
    return 3;
  snprintf(line, sizeof line, "pid=%lu\n", (unsigned long)me);
  if (!WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)strlen(line), &n, NULL) ||
      n != strlen(line))
    return 2;
  return 0;
}

static const struct conf_role roles[] = {
    {"report_pid", role_report_pid},
};

/* ---- helpers ---- */

/* Shared with the threads; static because a thread may outlive a failed case. */
static struct {
  DWORD tid;
  HANDLE go, self_dup;
  int after_exit;
  DWORD pseudo_wait, pseudo_code;
  int pseudo_ok;
} g_ctx;

static DWORD WINAPI record_tid(LPVOID arg) {
  (void)arg;
  g_ctx.tid = GetCurrentThreadId();
  return 5;
}

static DWORD WINAPI wait_go_then_return(LPVOID arg) {
  DWORD code = (DWORD)(ULONG_PTR)arg;
  if (WaitForSingleObject(g_ctx.go, WAIT_MS) != WAIT_OBJECT_0)
    return 999;
  return code;
}

static DWORD WINAPI call_exit_thread(LPVOID arg) {
  (void)arg;
  ExitThread(77);
#if defined(__GNUC__)
  __builtin_unreachable();
#endif
}

static DWORD WINAPI inspect_pseudo_handles(LPVOID arg) {
  HANDLE self = GetCurrentThread();
  DWORD code = 0;
  (void)arg;
  g_ctx.pseudo_wait = WaitForSingleObject(self, 0);
  g_ctx.pseudo_ok = GetExitCodeThread(self, &code);
  g_ctx.pseudo_code = code;
  /* A real handle to this thread, for the creator to wait on. */
  if (!DuplicateHandle(GetCurrentProcess(), self, GetCurrentProcess(), &g_ctx.self_dup, 0,
                       FALSE, DUPLICATE_SAME_ACCESS))
    g_ctx.self_dup = NULL;
  if (WaitForSingleObject(g_ctx.go, WAIT_MS) != WAIT_OBJECT_0)
    return 999;
  return 31;
}

/* ---- cases ---- */

static void thread_id_matches_current_thread_id(void **state) {
  (void)state;
  DWORD tid = 0;
  HANDLE t;
  g_ctx.tid = 0;
  t = conf_start_thread(record_tid, NULL, &tid);
  assert_true(tid != 0);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "record_tid"), 5);
  assert_int_equal(g_ctx.tid, tid);
  assert_true(tid != GetCurrentThreadId());
  /* The id is optional. */
  t = conf_start_thread(record_tid, NULL, NULL);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "record_tid"), 5);
  assert_true(g_ctx.tid != 0);
  assert_true(g_ctx.tid != GetCurrentThreadId());
}

static void live_threads_have_distinct_ids(void **state) {
  (void)state;
  HANDLE t[4];
  DWORD tid[4];
  int i, j;
  g_ctx.go = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(g_ctx.go);
  for (i = 0; i < 4; ++i)
    t[i] = conf_start_thread(wait_go_then_return, (void *)(ULONG_PTR)i, &tid[i]);
  for (i = 0; i < 4; ++i) {
    assert_true(tid[i] != GetCurrentThreadId());
    for (j = 0; j < i; ++j)
      assert_true(tid[i] != tid[j]);
  }
  assert_true(SetEvent(g_ctx.go));
  for (i = 0; i < 4; ++i)
    assert_int_equal(conf_join_thread(t[i], WAIT_MS, "waiting thread"), (DWORD)i);
  assert_true(CloseHandle(g_ctx.go));
}

static void exit_code_is_still_active_then_return_value(void **state) {
  (void)state;
  DWORD code = 0;
  HANDLE t;
  g_ctx.go = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(g_ctx.go);
  t = conf_start_thread(wait_go_then_return, (void *)(ULONG_PTR)1234, NULL);
  assert_true(GetExitCodeThread(t, &code));
  assert_int_equal(code, STILL_ACTIVE);
  assert_int_equal(STILL_ACTIVE, 259);
  assert_int_equal(WaitForSingleObject(t, 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObject(t, 20), WAIT_TIMEOUT);
  assert_true(GetExitCodeThread(t, &code));
  assert_int_equal(code, STILL_ACTIVE);
  assert_true(SetEvent(g_ctx.go));
  assert_int_equal(WaitForSingleObject(t, WAIT_MS), WAIT_OBJECT_0);
  assert_true(GetExitCodeThread(t, &code));
  assert_int_equal(code, 1234);
  /* An exited thread stays signalled and keeps its code. */
  assert_int_equal(WaitForSingleObject(t, 0), WAIT_OBJECT_0);
  assert_true(GetExitCodeThread(t, &code));
  assert_int_equal(code, 1234);
  assert_true(CloseHandle(t));
  assert_true(CloseHandle(g_ctx.go));
}

static void exit_thread_sets_exit_code(void **state) {
  (void)state;
  HANDLE t = conf_start_thread(call_exit_thread, NULL, NULL);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "ExitThread"), 77);
}

static void wait_any_on_thread_handles(void **state) {
  (void)state;
  HANDLE t[2], go_all;
  DWORD r;
  go_all = CreateEventA(NULL, TRUE, FALSE, NULL);
  g_ctx.go = go_all;
  assert_non_null(go_all);
  t[0] = conf_start_thread(wait_go_then_return, (void *)(ULONG_PTR)10, NULL);
  t[1] = conf_start_thread(call_exit_thread, NULL, NULL);
  /* The second one exits at once; the first waits for go. */
  r = WaitForMultipleObjects(2, t, FALSE, WAIT_MS);
  assert_int_equal(r, WAIT_OBJECT_0 + 1);
  assert_int_equal(WaitForSingleObject(t[0], 0), WAIT_TIMEOUT);
  assert_true(SetEvent(go_all));
  assert_int_equal(WaitForMultipleObjects(2, t, TRUE, WAIT_MS), WAIT_OBJECT_0);
  assert_int_equal(conf_join_thread(t[0], WAIT_MS, "thread 0"), 10);
  assert_int_equal(conf_join_thread(t[1], WAIT_MS, "thread 1"), 77);
  assert_true(CloseHandle(go_all));
}

static void pseudo_handles(void **state) {
  (void)state;
  HANDLE t;
  DWORD code = 0;
  assert_true(GetCurrentThread() == (HANDLE)(LONG_PTR)-2);
  assert_true(GetCurrentProcess() == (HANDLE)(LONG_PTR)-1);
  /* Our own thread and process are running: not signalled. */
  assert_int_equal(WaitForSingleObject(GetCurrentThread(), 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObject(GetCurrentProcess(), 0), WAIT_TIMEOUT);
  assert_true(GetExitCodeThread(GetCurrentThread(), &code));
  assert_int_equal(code, STILL_ACTIVE);
  code = 0;
  assert_true(GetExitCodeProcess(GetCurrentProcess(), &code));
  assert_int_equal(code, STILL_ACTIVE);

  /* Inside another thread, the pseudo-handle means that thread; duplicated, it is a real
   * handle that outlives the thread's use of it. */
  g_ctx.go = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(g_ctx.go);
  g_ctx.self_dup = NULL;
  g_ctx.pseudo_ok = 0;
  t = conf_start_thread(inspect_pseudo_handles, NULL, NULL);
  assert_true(SetEvent(g_ctx.go));
  assert_int_equal(conf_join_thread(t, WAIT_MS, "inspect_pseudo_handles"), 31);
  assert_int_equal(g_ctx.pseudo_wait, WAIT_TIMEOUT);
  assert_true(g_ctx.pseudo_ok);
  assert_int_equal(g_ctx.pseudo_code, STILL_ACTIVE);
  assert_non_null(g_ctx.self_dup);
  assert_true(g_ctx.self_dup != GetCurrentThread());
  assert_int_equal(WaitForSingleObject(g_ctx.self_dup, 0), WAIT_OBJECT_0);
  assert_true(GetExitCodeThread(g_ctx.self_dup, &code));
  assert_int_equal(code, 31);
  assert_true(CloseHandle(g_ctx.self_dup));
  assert_true(CloseHandle(g_ctx.go));
}

static void closed_thread_handle_is_invalid_handle(void **state) {
  (void)state;
  DWORD code = 0;
  HANDLE t = conf_start_thread(record_tid, NULL, NULL);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "record_tid"), 5); /* closes t */
  SetLastError(0);
  assert_false(GetExitCodeThread(t, &code));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_int_equal(WaitForSingleObject(t, 0), WAIT_FAILED);
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
}

static void current_process_id_matches_child_report(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  HANDLE r, w;
  char args[32], buf[64], expect[64];
  DWORD n;
  assert_true(GetCurrentProcessId() != 0);
  conf_child_pipe(&r, &w, FALSE, 0);
  conf_stdio_startup(&si, NULL, w, NULL);
  snprintf(args, sizeof args, "%lu", (unsigned long)GetCurrentProcessId());
  if (!conf_spawn_self("report_pid", args, &si, TRUE, &pi))
    fail_msg("CreateProcessA failed with error %lu", (unsigned long)GetLastError());
  assert_true(CloseHandle(w));
  n = conf_read_to_eof(r, pi.hProcess, buf, sizeof buf - 1, CONF_WAIT_MS);
  buf[n] = '\0';
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "report_pid child"), 0);
  snprintf(expect, sizeof expect, "pid=%lu\n", (unsigned long)pi.dwProcessId);
  assert_string_equal(buf, expect);
  assert_true(pi.dwProcessId != GetCurrentProcessId());
  assert_true(pi.dwThreadId != 0);
  assert_true(CloseHandle(r));
  conf_close_process(&pi);
}

#define T(f) cmocka_unit_test_teardown(f, conf_reap_children)
static const struct CMUnitTest tests[] = {
    T(thread_id_matches_current_thread_id),
    T(live_threads_have_distinct_ids),
    T(exit_code_is_still_active_then_return_value),
    T(exit_thread_sets_exit_code),
    T(wait_any_on_thread_handles),
    T(pseudo_handles),
    T(closed_thread_handle_is_invalid_handle),
    T(current_process_id_matches_child_report),
};

CONF_MAIN_WITH_ROLES(tests, roles)
