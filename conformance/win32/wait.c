/* The wait functions: WaitForMultipleObjects wait-any returns the lowest signalled index;
 * wait-all is atomic (a wait-all that times out consumes nothing, one that succeeds
 * consumes all at once, a pending one holds nothing); wait-all with a mutex owned by
 * another thread blocks; timeouts (100 ms +- 20 ms, measured with QueryPerformanceCounter;
 * the lower bound is strict, the upper one is retried on a noisy machine), timeout 0
 * polls; 64 handles work, 0 or 65 fail with ERROR_INVALID_PARAMETER; closed or garbage
 * handles fail with ERROR_INVALID_HANDLE; process handles mix with events; Sleep/SleepEx;
 * the Ex variants with bAlertable=FALSE; duplicates in a wait-all (documented:
 * ERROR_INVALID_PARAMETER). Every wait is bounded; every case's teardown terminates
 * children a failure left running. */
#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <string.h>
#include <windows.h>

#define WAIT_MS 10000u

/* ---- child roles ---- */

static int role_exit7(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return 7;
}

/* argv: event name. Opens it and waits for it (at most 20 s): 0 once signalled, 9 on a
 * timeout, 3 if it cannot open it. */
static int role_wait_event(int argc, char **argv) {
  HANDLE h;
  if (argc < 1)
    return 2;
  h = OpenEventA(SYNCHRONIZE, FALSE, argv[0]);
  if (h == NULL)
    return 3;
  return WaitForSingleObject(h, CONF_WAIT_MS) == WAIT_OBJECT_0 ? 0 : 9;
}

static const struct conf_role roles[] = {
    {"exit7", role_exit7},
    {"wait_event", role_wait_event},
};

/* ---- helpers ---- */

static HANDLE new_event(BOOL manual, BOOL initial) {
  HANDLE h = CreateEventA(NULL, manual, initial, NULL);
  if (h == NULL)
    fail_msg("CreateEventA failed with error %lu", (unsigned long)GetLastError());
  return h;
}

static double now_ms(void) {
  LARGE_INTEGER f, c;
  assert_true(QueryPerformanceFrequency(&f));
  assert_true(QueryPerformanceCounter(&c));
  return (double)c.QuadPart * 1000.0 / (double)f.QuadPart;
}

static void close_all(HANDLE *hs, DWORD n) {
  DWORD i;
  for (i = 0; i < n; ++i)
    assert_true(CloseHandle(hs[i]));
}

static void expect_wait_failed(DWORD r, DWORD err, const char *what) {
  if (r != WAIT_FAILED)
    fail_msg("%s: returned 0x%lx, want WAIT_FAILED", what, (unsigned long)r);
  if (GetLastError() != err)
    fail_msg("%s: error %lu, want %lu", what, (unsigned long)GetLastError(),
             (unsigned long)err);
}

/* Static: a thread may outlive a failed case. */
static struct {
  HANDLE objs[3];
  HANDLE mutex, taken, release;
} g_ctx;

static DWORD WINAPI wait_all_thread(LPVOID arg) {
  (void)arg;
  return WaitForMultipleObjects(3, g_ctx.objs, TRUE, WAIT_MS);
}

static DWORD WINAPI own_mutex_until_release(LPVOID arg) {
  (void)arg;
  if (WaitForSingleObject(g_ctx.mutex, WAIT_MS) != WAIT_OBJECT_0)
    return 1;
  SetEvent(g_ctx.taken);
  if (WaitForSingleObject(g_ctx.release, WAIT_MS) != WAIT_OBJECT_0)
    return 2;
  return ReleaseMutex(g_ctx.mutex) ? 0 : 3;
}

/* ---- cases ---- */

static void wait_any_returns_lowest_signalled_index(void **state) {
  (void)state;
  HANDLE hs[5];
  DWORD i;
  for (i = 0; i < 5; ++i)
    hs[i] = new_event(TRUE, FALSE);
  assert_int_equal(WaitForMultipleObjects(5, hs, FALSE, 0), WAIT_TIMEOUT);
  assert_true(SetEvent(hs[4]));
  assert_true(SetEvent(hs[2]));
  assert_true(SetEvent(hs[3]));
  assert_int_equal(WaitForMultipleObjects(5, hs, FALSE, 0), WAIT_OBJECT_0 + 2);
  assert_int_equal(WaitForMultipleObjects(5, hs, FALSE, WAIT_MS), WAIT_OBJECT_0 + 2);
  assert_true(SetEvent(hs[1]));
  assert_int_equal(WaitForMultipleObjects(5, hs, FALSE, 0), WAIT_OBJECT_0 + 1);
  assert_true(ResetEvent(hs[1]));
  assert_true(ResetEvent(hs[2]));
  assert_int_equal(WaitForMultipleObjects(5, hs, FALSE, 0), WAIT_OBJECT_0 + 3);
  close_all(hs, 5);
}

static void wait_any_consumes_only_the_returned_object(void **state) {
  (void)state;
  HANDLE hs[3];
  LONG prev = -1;
  hs[0] = new_event(FALSE, FALSE);
  hs[1] = new_event(FALSE, TRUE);
  hs[2] = CreateSemaphoreA(NULL, 1, 5, NULL);
  assert_non_null(hs[2]);
  assert_int_equal(WaitForMultipleObjects(3, hs, FALSE, 0), WAIT_OBJECT_0 + 1);
  /* The auto-reset event was consumed; the semaphore was not. */
  assert_int_equal(WaitForMultipleObjects(3, hs, FALSE, 0), WAIT_OBJECT_0 + 2);
  assert_true(ReleaseSemaphore(hs[2], 1, &prev));
  assert_int_equal(prev, 0);
  close_all(hs, 3);
}

static void wait_all_timeout_consumes_nothing(void **state) {
  (void)state;
  HANDLE hs[3];
  LONG prev = -1;
  hs[0] = new_event(FALSE, TRUE);                 /* auto-reset, signalled */
  hs[1] = CreateSemaphoreA(NULL, 1, 5, NULL);     /* one unit */
  hs[2] = new_event(TRUE, FALSE);                 /* manual-reset, not signalled */
  assert_non_null(hs[1]);
  assert_int_equal(WaitForMultipleObjects(3, hs, TRUE, 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForMultipleObjects(3, hs, TRUE, 50), WAIT_TIMEOUT);
  assert_int_equal(WaitForMultipleObjectsEx(3, hs, TRUE, 0, FALSE), WAIT_TIMEOUT);
  /* Once all are signalled, one wait-all takes the event and the unit at once: they were
   * still there (each could be consumed only once). */
  assert_true(SetEvent(hs[2]));
  assert_int_equal(WaitForMultipleObjects(3, hs, TRUE, 0), WAIT_OBJECT_0);
  assert_int_equal(WaitForSingleObject(hs[0], 0), WAIT_TIMEOUT);
  assert_true(ReleaseSemaphore(hs[1], 1, &prev));
  assert_int_equal(prev, 0);
  assert_int_equal(WaitForSingleObject(hs[2], 0), WAIT_OBJECT_0); /* manual: stays set */
  /* Now the auto-reset event is missing: a wait-all times out and keeps the unit. */
  assert_int_equal(WaitForMultipleObjects(3, hs, TRUE, 0), WAIT_TIMEOUT);
  assert_true(ReleaseSemaphore(hs[1], 1, &prev));
  assert_int_equal(prev, 1);
  close_all(hs, 3);
}

static void pending_wait_all_holds_nothing(void **state) {
  (void)state;
  HANDLE t;
  LONG prev = -1;
  g_ctx.objs[0] = new_event(FALSE, TRUE);
  g_ctx.objs[1] = CreateSemaphoreA(NULL, 1, 5, NULL);
  g_ctx.objs[2] = new_event(TRUE, FALSE);
  assert_non_null(g_ctx.objs[1]);
  t = conf_start_thread(wait_all_thread, NULL, NULL);
  /* Whether or not the thread is already blocked in its wait-all, the two available
   * objects are still ours to take. */
  assert_int_equal(WaitForSingleObject(g_ctx.objs[1], WAIT_MS), WAIT_OBJECT_0);
  assert_int_equal(WaitForSingleObject(g_ctx.objs[0], WAIT_MS), WAIT_OBJECT_0);
  assert_true(SetEvent(g_ctx.objs[2]));
  assert_true(SetEvent(g_ctx.objs[0]));
  assert_true(ReleaseSemaphore(g_ctx.objs[1], 1, &prev));
  assert_int_equal(prev, 0);
  /* All three signalled: the thread's wait-all completes and takes the event and unit. */
  assert_int_equal(conf_join_thread(t, WAIT_MS, "wait-all thread"), WAIT_OBJECT_0);
  assert_int_equal(WaitForSingleObject(g_ctx.objs[0], 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObject(g_ctx.objs[1], 0), WAIT_TIMEOUT);
  close_all(g_ctx.objs, 3);
}

static void wait_all_blocks_on_mutex_owned_by_other_thread(void **state) {
  (void)state;
  HANDLE hs[2], t;
  g_ctx.mutex = CreateMutexA(NULL, FALSE, NULL);
  g_ctx.taken = new_event(TRUE, FALSE);
  g_ctx.release = new_event(TRUE, FALSE);
  assert_non_null(g_ctx.mutex);
  t = conf_start_thread(own_mutex_until_release, NULL, NULL);
  if (WaitForSingleObject(g_ctx.taken, WAIT_MS) != WAIT_OBJECT_0)
    fail_msg("the thread did not take the mutex within %u ms", WAIT_MS);
  hs[0] = new_event(TRUE, TRUE);
  hs[1] = g_ctx.mutex;
  assert_int_equal(WaitForMultipleObjects(2, hs, TRUE, 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForMultipleObjects(2, hs, TRUE, 50), WAIT_TIMEOUT);
  /* Wait-any is satisfied by the event. */
  assert_int_equal(WaitForMultipleObjects(2, hs, FALSE, 0), WAIT_OBJECT_0);
  assert_true(SetEvent(g_ctx.release));
  assert_int_equal(WaitForMultipleObjects(2, hs, TRUE, WAIT_MS), WAIT_OBJECT_0);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "mutex owner"), 0);
  /* We own the mutex now. */
  assert_true(ReleaseMutex(g_ctx.mutex));
  SetLastError(0);
  assert_false(ReleaseMutex(g_ctx.mutex));
  assert_int_equal(GetLastError(), ERROR_NOT_OWNER);
  assert_true(CloseHandle(hs[0]));
  assert_true(CloseHandle(g_ctx.mutex));
  assert_true(CloseHandle(g_ctx.taken));
  assert_true(CloseHandle(g_ctx.release));
}

/* Runs fn (a timed wait of `ms` that must time out) until its duration is within
 * [ms - 20, ms + 20]: below the lower bound fails at once; above the upper bound is
 * retried (a noisy machine) up to 3 attempts. */
static void check_timeout_duration(DWORD (*fn)(HANDLE, DWORD), HANDLE h, DWORD ms,
                                   const char *what) {
  int attempt;
  double took = 0;
  for (attempt = 0; attempt < 3; ++attempt) {
    double t0 = now_ms();
    DWORD r = fn(h, ms);
    took = now_ms() - t0;
    if (r != WAIT_TIMEOUT)
      fail_msg("%s(%lu ms) returned 0x%lx, want WAIT_TIMEOUT", what, (unsigned long)ms,
               (unsigned long)r);
    if (took < (double)ms - 20.0)
      fail_msg("%s(%lu ms) returned WAIT_TIMEOUT after only %.1f ms", what, (unsigned long)ms,
               took);
    if (took <= (double)ms + 20.0)
      return;
    fprintf(stderr, "%s(%lu ms) took %.1f ms (attempt %d); retrying\n", what,
            (unsigned long)ms, took, attempt + 1);
  }
  fail_msg("%s(%lu ms) took %.1f ms, more than %lu ms, in 3 attempts", what, (unsigned long)ms,
           took, (unsigned long)ms + 20);
}

static DWORD wait_single(HANDLE h, DWORD ms) { return WaitForSingleObject(h, ms); }
static DWORD wait_single_ex(HANDLE h, DWORD ms) { return WaitForSingleObjectEx(h, ms, FALSE); }
static DWORD wait_multiple(HANDLE h, DWORD ms) {
  HANDLE hs[1];
  hs[0] = h;
  return WaitForMultipleObjects(1, hs, FALSE, ms);
}
static DWORD wait_multiple_all_ex(HANDLE h, DWORD ms) {
  HANDLE hs[1];
  hs[0] = h;
  return WaitForMultipleObjectsEx(1, hs, TRUE, ms, FALSE);
}

static void timeout_100ms_is_within_20ms(void **state) {
  (void)state;
  HANDLE h = new_event(TRUE, FALSE);
  check_timeout_duration(wait_single, h, 100, "WaitForSingleObject");
  check_timeout_duration(wait_single_ex, h, 100, "WaitForSingleObjectEx");
  check_timeout_duration(wait_multiple, h, 100, "WaitForMultipleObjects");
  check_timeout_duration(wait_multiple_all_ex, h, 100, "WaitForMultipleObjectsEx");
  assert_true(CloseHandle(h));
}

static void timeout_zero_polls(void **state) {
  (void)state;
  HANDLE n = new_event(TRUE, FALSE), s = new_event(TRUE, TRUE), hs[2];
  hs[0] = n;
  hs[1] = s;
  assert_int_equal(WaitForSingleObject(n, 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
  assert_int_equal(WaitForSingleObjectEx(n, 0, FALSE), WAIT_TIMEOUT);
  assert_int_equal(WaitForMultipleObjects(2, hs, FALSE, 0), WAIT_OBJECT_0 + 1);
  assert_int_equal(WaitForMultipleObjects(2, hs, TRUE, 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForMultipleObjectsEx(2, hs, FALSE, 0, FALSE), WAIT_OBJECT_0 + 1);
  assert_true(SetEvent(n));
  assert_int_equal(WaitForMultipleObjects(2, hs, TRUE, 0), WAIT_OBJECT_0);
  assert_int_equal(WaitForMultipleObjectsEx(2, hs, TRUE, 0, FALSE), WAIT_OBJECT_0);
  close_all(hs, 2);
}

static void wait_on_64_handles(void **state) {
  (void)state;
  HANDLE hs[MAXIMUM_WAIT_OBJECTS];
  DWORD i;
  assert_int_equal(MAXIMUM_WAIT_OBJECTS, 64);
  for (i = 0; i < 64; ++i)
    hs[i] = new_event(TRUE, FALSE);
  assert_int_equal(WaitForMultipleObjects(64, hs, FALSE, 0), WAIT_TIMEOUT);
  assert_true(SetEvent(hs[63]));
  assert_int_equal(WaitForMultipleObjects(64, hs, FALSE, 0), WAIT_OBJECT_0 + 63);
  assert_int_equal(WaitForMultipleObjects(64, hs, TRUE, 0), WAIT_TIMEOUT);
  for (i = 0; i < 63; ++i)
    assert_true(SetEvent(hs[i]));
  assert_int_equal(WaitForMultipleObjects(64, hs, TRUE, WAIT_MS), WAIT_OBJECT_0);
  assert_int_equal(WaitForMultipleObjects(64, hs, FALSE, 0), WAIT_OBJECT_0);
  close_all(hs, 64);
}

static void wait_on_65_or_0_handles_is_invalid_parameter(void **state) {
  (void)state;
  HANDLE hs[65];
  DWORD i;
  for (i = 0; i < 65; ++i)
    hs[i] = new_event(TRUE, TRUE);
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(65, hs, FALSE, 0), ERROR_INVALID_PARAMETER,
                     "WaitForMultipleObjects(65 handles, any)");
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(65, hs, TRUE, 0), ERROR_INVALID_PARAMETER,
                     "WaitForMultipleObjects(65 handles, all)");
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjectsEx(65, hs, FALSE, 0, FALSE), ERROR_INVALID_PARAMETER,
                     "WaitForMultipleObjectsEx(65 handles)");
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(0, hs, FALSE, 0), ERROR_INVALID_PARAMETER,
                     "WaitForMultipleObjects(0 handles, any)");
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(0, hs, TRUE, 0), ERROR_INVALID_PARAMETER,
                     "WaitForMultipleObjects(0 handles, all)");
  close_all(hs, 65);
}

static void closed_or_garbage_handle_fails_the_wait(void **state) {
  (void)state;
  HANDLE hs[3], closed;
  HANDLE garbage = (HANDLE)(ULONG_PTR)0x7fff0000u;
  hs[0] = new_event(TRUE, TRUE);
  hs[2] = new_event(TRUE, TRUE);
  /* Closed last: no handle is created after it, so its value is not reused. */
  closed = new_event(TRUE, TRUE);
  assert_true(CloseHandle(closed));
  SetLastError(0);
  expect_wait_failed(WaitForSingleObject(closed, 0), ERROR_INVALID_HANDLE,
                     "WaitForSingleObject(closed handle)");
  SetLastError(0);
  expect_wait_failed(WaitForSingleObject(garbage, 0), ERROR_INVALID_HANDLE,
                     "WaitForSingleObject(garbage handle)");
  SetLastError(0);
  expect_wait_failed(WaitForSingleObject(NULL, 0), ERROR_INVALID_HANDLE,
                     "WaitForSingleObject(NULL)");
  hs[1] = closed;
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(3, hs, FALSE, 0), ERROR_INVALID_HANDLE,
                     "WaitForMultipleObjects(any, closed handle at index 1)");
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(3, hs, TRUE, 0), ERROR_INVALID_HANDLE,
                     "WaitForMultipleObjects(all, closed handle at index 1)");
  hs[1] = garbage;
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(3, hs, FALSE, 0), ERROR_INVALID_HANDLE,
                     "WaitForMultipleObjects(any, garbage handle at index 1)");
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjectsEx(3, hs, TRUE, 0, FALSE), ERROR_INVALID_HANDLE,
                     "WaitForMultipleObjectsEx(all, garbage handle at index 1)");
  hs[1] = NULL;
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(3, hs, FALSE, 0), ERROR_INVALID_HANDLE,
                     "WaitForMultipleObjects(any, NULL at index 1)");
  assert_true(CloseHandle(hs[0]));
  assert_true(CloseHandle(hs[2]));
}

static void process_and_event_in_one_wait(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  char name[96];
  HANDLE ev, hs[2];
  DWORD r;
  snprintf(name, sizeof name, "conf-wait-%lu-child-event", (unsigned long)GetCurrentProcessId());
  ev = CreateEventA(NULL, TRUE, FALSE, name);
  assert_non_null(ev);
  /* A child that waits for our event: neither is signalled yet. */
  if (!conf_spawn_self("wait_event", name, NULL, FALSE, &pi))
    fail_msg("CreateProcessA failed with error %lu", (unsigned long)GetLastError());
  hs[0] = ev;
  hs[1] = pi.hProcess;
  assert_int_equal(WaitForMultipleObjects(2, hs, FALSE, 0), WAIT_TIMEOUT);
  assert_true(SetEvent(ev));
  assert_int_equal(WaitForMultipleObjects(2, hs, FALSE, 0), WAIT_OBJECT_0);
  /* Wait-all: the event and the child's exit. */
  r = WaitForMultipleObjects(2, hs, TRUE, WAIT_MS);
  if (r != WAIT_OBJECT_0)
    fail_msg("wait-all on the event and the child returned 0x%lx (child did not exit?)",
             (unsigned long)r);
  assert_int_equal(conf_wait_exit(pi.hProcess, 0, "wait_event child"), 0);
  assert_true(ResetEvent(ev));
  /* Only the process is signalled now. */
  assert_int_equal(WaitForMultipleObjects(2, hs, FALSE, 0), WAIT_OBJECT_0 + 1);
  conf_close_process(&pi);

  /* An exiting child wakes a wait-any blocked on it and an unsignalled event. */
  if (!conf_spawn_self("exit7", NULL, NULL, FALSE, &pi))
    fail_msg("CreateProcessA failed with error %lu", (unsigned long)GetLastError());
  hs[1] = pi.hProcess;
  r = WaitForMultipleObjects(2, hs, FALSE, WAIT_MS);
  if (r != WAIT_OBJECT_0 + 1)
    fail_msg("wait-any on an event and an exiting child returned 0x%lx", (unsigned long)r);
  assert_int_equal(conf_wait_exit(pi.hProcess, 0, "exit7 child"), 7);
  conf_close_process(&pi);
  assert_true(CloseHandle(ev));
}

static void sleep_and_sleep_ex(void **state) {
  (void)state;
  double t0, took;
  int attempt;
  Sleep(0);
  assert_int_equal(SleepEx(0, FALSE), 0);
  for (attempt = 0; attempt < 3; ++attempt) {
    t0 = now_ms();
    assert_int_equal(SleepEx(10, FALSE), 0);
    took = now_ms() - t0;
    if (took < 10.0 - 2.0)
      fail_msg("SleepEx(10) returned after %.1f ms", took);
    if (took < 10.0 + 50.0)
      break;
    if (attempt == 2)
      fail_msg("SleepEx(10) took %.1f ms in 3 attempts", took);
  }
  t0 = now_ms();
  Sleep(30);
  took = now_ms() - t0;
  if (took < 30.0 - 2.0)
    fail_msg("Sleep(30) returned after %.1f ms", took);
}

static void ex_variants_without_alert_behave_like_plain(void **state) {
  (void)state;
  HANDLE a = new_event(FALSE, TRUE), m = new_event(TRUE, FALSE), hs[2];
  assert_int_equal(WaitForSingleObjectEx(a, 0, FALSE), WAIT_OBJECT_0);
  assert_int_equal(WaitForSingleObjectEx(a, 0, FALSE), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObjectEx(a, 20, FALSE), WAIT_TIMEOUT);
  hs[0] = m;
  hs[1] = a;
  assert_int_equal(WaitForMultipleObjectsEx(2, hs, FALSE, 0, FALSE), WAIT_TIMEOUT);
  assert_true(SetEvent(a));
  assert_int_equal(WaitForMultipleObjectsEx(2, hs, FALSE, WAIT_MS, FALSE), WAIT_OBJECT_0 + 1);
  assert_int_equal(WaitForSingleObjectEx(a, 0, FALSE), WAIT_TIMEOUT); /* consumed */
  assert_true(SetEvent(a));
  assert_true(SetEvent(m));
  assert_int_equal(WaitForMultipleObjectsEx(2, hs, TRUE, WAIT_MS, FALSE), WAIT_OBJECT_0);
  assert_int_equal(WaitForSingleObjectEx(a, 0, FALSE), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObjectEx(m, 0, FALSE), WAIT_OBJECT_0);
  SetLastError(0);
  expect_wait_failed(WaitForSingleObjectEx(NULL, 0, FALSE), ERROR_INVALID_HANDLE,
                     "WaitForSingleObjectEx(NULL)");
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjectsEx(0, hs, FALSE, 0, FALSE), ERROR_INVALID_PARAMETER,
                     "WaitForMultipleObjectsEx(0 handles)");
  close_all(hs, 2);
}

/* learn.microsoft.com, WaitForMultipleObjects, lpHandles: "It may not contain multiple
 * copies of the same handle"; a wait-all rejects them with ERROR_INVALID_PARAMETER
 * (The Old New Thing, 2011-02-25, "Why does WaitForMultipleObjects return
 * ERROR_INVALID_PARAMETER when all the parameters look valid to me?"). */
static void wait_all_with_same_handle_twice_is_invalid_parameter(void **state) {
  (void)state;
  HANDLE e = new_event(TRUE, TRUE), hs[3];
  hs[0] = e;
  hs[1] = new_event(TRUE, TRUE);
  hs[2] = e;
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(3, hs, TRUE, 0), ERROR_INVALID_PARAMETER,
                     "wait-all with one handle twice");
  assert_true(CloseHandle(hs[1]));
  assert_true(CloseHandle(e));
}

static void wait_all_with_two_handles_to_one_object_is_invalid_parameter(void **state) {
  (void)state;
  HANDLE e = new_event(FALSE, TRUE), dup = NULL, hs[2];
  assert_true(DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &dup, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
  hs[0] = e;
  hs[1] = dup;
  SetLastError(0);
  expect_wait_failed(WaitForMultipleObjects(2, hs, TRUE, 0), ERROR_INVALID_PARAMETER,
                     "wait-all with two handles to one auto-reset event");
  /* Nothing was consumed. */
  assert_int_equal(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(dup));
  assert_true(CloseHandle(e));
}

#define T(f) cmocka_unit_test_teardown(f, conf_reap_children)
static const struct CMUnitTest tests[] = {
    T(wait_any_returns_lowest_signalled_index),
    T(wait_any_consumes_only_the_returned_object),
    T(wait_all_timeout_consumes_nothing),
    T(pending_wait_all_holds_nothing),
    T(wait_all_blocks_on_mutex_owned_by_other_thread),
    T(timeout_100ms_is_within_20ms),
    T(timeout_zero_polls),
    T(wait_on_64_handles),
    T(wait_on_65_or_0_handles_is_invalid_parameter),
    T(closed_or_garbage_handle_fails_the_wait),
    T(process_and_event_in_one_wait),
    T(sleep_and_sleep_ex),
    T(ex_variants_without_alert_behave_like_plain),
    T(wait_all_with_same_handle_twice_is_invalid_parameter),
    T(wait_all_with_two_handles_to_one_object_is_invalid_parameter),
};

CONF_MAIN_WITH_ROLES(tests, roles)
