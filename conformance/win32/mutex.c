/* Mutexes: initial owner, recursive ownership (N acquisitions need N releases; one more
 * ReleaseMutex fails with ERROR_NOT_OWNER), ReleaseMutex from a thread that does not own
 * it, abandonment when the owning thread exits (the next waiter gets WAIT_ABANDONED and
 * then owns the mutex) and when the owning process is killed or exits without releasing
 * it (a child role holding a named mutex), and WAIT_ABANDONED_0 + index from
 * WaitForMultipleObjects. Every wait is bounded; every case's teardown terminates children
 * a failure left running. Named objects carry this process's id, so parallel runs do not
 * share them. */
#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define WAIT_MS 10000u

/* ---- child roles: no CMocka here, the exit code is the verdict ---- */

/* argv: mutex name, ready-event name, go-event name (or "-"). Takes the named mutex,
 * signals ready, then waits for go (at most 20 s) and exits WITHOUT releasing the mutex:
 * 0 once go was signalled, 9 if it timed out, 2..5 on errors. With "-" it blocks until it is
 * terminated (9 after 20 s). */
static int role_hold_mutex(int argc, char **argv) {
  HANDLE m, ready, go = NULL;
  DWORD r;
  if (argc < 3)
    return 2;
  m = OpenMutexA(SYNCHRONIZE, FALSE, argv[0]);
  ready = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[1]);
  if (m == NULL || ready == NULL) {
    fprintf(stderr, "hold_mutex: OpenMutexA/OpenEventA failed with error %lu\n",
            (unsigned long)GetLastError());
    return 3;
  }
  if (strcmp(argv[2], "-") != 0) {
    go = OpenEventA(SYNCHRONIZE, FALSE, argv[2]);
    if (go == NULL)
      return 3;
  } else {
    go = CreateEventA(NULL, TRUE, FALSE, NULL); /* never signalled */
  }
  r = WaitForSingleObject(m, CONF_WAIT_MS);
  if (r != WAIT_OBJECT_0) {
    fprintf(stderr, "hold_mutex: WaitForSingleObject(mutex) returned %lu\n", (unsigned long)r);
    return 4;
  }
  if (!SetEvent(ready))
    return 5;
  return WaitForSingleObject(go, CONF_WAIT_MS) == WAIT_OBJECT_0 ? 0 : 9;
}

static const struct conf_role roles[] = {
    {"hold_mutex", role_hold_mutex},
};

/* ---- helpers ---- */

static void obj_name(char *buf, size_t cap, const char *tag) {
  static unsigned counter;
  snprintf(buf, cap, "conf-mutex-%lu-%u-%s", (unsigned long)GetCurrentProcessId(), ++counter,
           tag);
}

static HANDLE new_mutex(BOOL owned) {
  HANDLE m = CreateMutexA(NULL, owned, NULL);
  if (m == NULL)
    fail_msg("CreateMutexA failed with error %lu", (unsigned long)GetLastError());
  return m;
}

static void expect_not_owner(HANDLE m) {
  SetLastError(0);
  assert_false(ReleaseMutex(m));
  assert_int_equal(GetLastError(), ERROR_NOT_OWNER);
}

/* Thread bodies share this static context: a thread may outlive a failed case. */
static struct {
  HANDLE mutex, taken, go;
  DWORD result;
} g_ctx;

/* Tries to take the mutex without waiting; returns the wait result. */
static DWORD WINAPI try_take(LPVOID arg) {
  (void)arg;
  return WaitForSingleObject(g_ctx.mutex, 0);
}

/* Tries ReleaseMutex on a mutex it does not own: returns its error (0 on success). */
static DWORD WINAPI try_release(LPVOID arg) {
  (void)arg;
  SetLastError(0);
  if (ReleaseMutex(g_ctx.mutex))
    return 0;
  return GetLastError();
}

/* Takes the mutex, says so, waits for go (if any) and exits without releasing it. */
static DWORD WINAPI take_and_exit(LPVOID arg) {
  (void)arg;
  DWORD r = WaitForSingleObject(g_ctx.mutex, WAIT_MS);
  if (r != WAIT_OBJECT_0)
    return 100 + r;
  SetEvent(g_ctx.taken);
  if (g_ctx.go && WaitForSingleObject(g_ctx.go, WAIT_MS) != WAIT_OBJECT_0)
    return 2;
  return 0;
}

/* ---- cases ---- */

static void initial_owner_owns_mutex(void **state) {
  (void)state;
  HANDLE m = new_mutex(TRUE), t;
  g_ctx.mutex = m;
  /* Another thread cannot take it. */
  t = conf_start_thread(try_take, NULL, NULL);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "try_take"), WAIT_TIMEOUT);
  /* We own it once: one release frees it. */
  assert_true(ReleaseMutex(m));
  expect_not_owner(m);
  t = conf_start_thread(try_take, NULL, NULL);
  /* Taken by a thread that then exits: abandoned, and then owned by the next waiter. */
  assert_int_equal(conf_join_thread(t, WAIT_MS, "try_take"), WAIT_OBJECT_0);
  assert_int_equal(WaitForSingleObject(m, WAIT_MS), WAIT_ABANDONED);
  assert_true(ReleaseMutex(m));
  assert_true(CloseHandle(m));
}

static void not_owned_mutex_is_free(void **state) {
  (void)state;
  HANDLE m = new_mutex(FALSE);
  expect_not_owner(m);
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
  assert_true(ReleaseMutex(m));
  expect_not_owner(m);
  assert_true(CloseHandle(m));
}

static void recursive_acquire_needs_as_many_releases(void **state) {
  (void)state;
  HANDLE m = new_mutex(FALSE), t;
  int i;
  const int n = 5;
  g_ctx.mutex = m;
  for (i = 0; i < n; ++i)
    assert_int_equal(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
  for (i = 0; i < n; ++i) {
    /* Still ours until the last release: another thread cannot take it. */
    t = conf_start_thread(try_take, NULL, NULL);
    assert_int_equal(conf_join_thread(t, WAIT_MS, "try_take"), WAIT_TIMEOUT);
    assert_true(ReleaseMutex(m));
  }
  /* The (n+1)th release fails. */
  expect_not_owner(m);
  t = conf_start_thread(try_take, NULL, NULL);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "try_take"), WAIT_OBJECT_0);
  /* (the thread exited owning it: abandoned) */
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_ABANDONED);
  assert_true(ReleaseMutex(m));
  assert_true(CloseHandle(m));
}

static void initial_owner_counts_as_one_acquisition(void **state) {
  (void)state;
  HANDLE m = new_mutex(TRUE);
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
  assert_true(ReleaseMutex(m));
  assert_true(ReleaseMutex(m));
  expect_not_owner(m);
  assert_true(CloseHandle(m));
}

static void release_from_non_owner_thread_is_not_owner(void **state) {
  (void)state;
  HANDLE m = new_mutex(TRUE), t;
  g_ctx.mutex = m;
  t = conf_start_thread(try_release, NULL, NULL);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "try_release"), ERROR_NOT_OWNER);
  /* Still ours. */
  assert_true(ReleaseMutex(m));
  expect_not_owner(m);
  assert_true(CloseHandle(m));
}

static void abandoned_by_exited_thread(void **state) {
  (void)state;
  HANDLE m = new_mutex(FALSE), t;
  g_ctx.mutex = m;
  g_ctx.go = NULL;
  g_ctx.taken = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(g_ctx.taken);
  t = conf_start_thread(take_and_exit, NULL, NULL);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "take_and_exit"), 0);
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_ABANDONED);
  /* We own it now: recursive, and released normally. */
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
  assert_true(ReleaseMutex(m));
  assert_true(ReleaseMutex(m));
  expect_not_owner(m);
  /* No longer abandoned. */
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
  assert_true(ReleaseMutex(m));
  assert_true(CloseHandle(g_ctx.taken));
  assert_true(CloseHandle(m));
}

static void blocked_waiter_gets_abandoned_when_owner_thread_exits(void **state) {
  (void)state;
  HANDLE m = new_mutex(FALSE), t;
  DWORD r;
  g_ctx.mutex = m;
  g_ctx.taken = CreateEventA(NULL, TRUE, FALSE, NULL);
  g_ctx.go = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(g_ctx.taken);
  assert_non_null(g_ctx.go);
  t = conf_start_thread(take_and_exit, NULL, NULL);
  if (WaitForSingleObject(g_ctx.taken, WAIT_MS) != WAIT_OBJECT_0)
    fail_msg("the thread did not take the mutex within %u ms", WAIT_MS);
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_TIMEOUT);
  assert_true(SetEvent(g_ctx.go));
  r = WaitForSingleObject(m, WAIT_MS);
  if (r != WAIT_ABANDONED)
    fail_msg("waiting on a mutex whose owner thread exited returned %lu, want WAIT_ABANDONED",
             (unsigned long)r);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "take_and_exit"), 0);
  assert_true(ReleaseMutex(m));
  expect_not_owner(m);
  assert_true(CloseHandle(g_ctx.taken));
  assert_true(CloseHandle(g_ctx.go));
  assert_true(CloseHandle(m));
}

static void wait_multiple_reports_abandoned_index(void **state) {
  (void)state;
  HANDLE never = CreateEventA(NULL, TRUE, FALSE, NULL), m = new_mutex(FALSE), t, hs[3];
  DWORD r;
  g_ctx.mutex = m;
  g_ctx.go = NULL;
  g_ctx.taken = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(never);
  assert_non_null(g_ctx.taken);
  t = conf_start_thread(take_and_exit, NULL, NULL);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "take_and_exit"), 0);
  hs[0] = never;
  hs[1] = CreateEventA(NULL, TRUE, FALSE, NULL);
  hs[2] = m;
  assert_non_null(hs[1]);
  r = WaitForMultipleObjects(3, hs, FALSE, WAIT_MS);
  assert_int_equal(r, WAIT_ABANDONED_0 + 2);
  assert_true(ReleaseMutex(m));
  /* Abandonment is reported once. */
  r = WaitForMultipleObjects(3, hs, FALSE, 0);
  assert_int_equal(r, WAIT_OBJECT_0 + 2);
  assert_true(ReleaseMutex(m));

  /* Wait-all, all signalled and one abandoned: the documentation promises a value in
   * WAIT_ABANDONED_0 .. WAIT_ABANDONED_0 + nCount - 1 ("at least one of the objects is an
   * abandoned mutex object"), not which index. */
  t = conf_start_thread(take_and_exit, NULL, NULL);
  assert_int_equal(conf_join_thread(t, WAIT_MS, "take_and_exit"), 0);
  assert_true(SetEvent(hs[0]));
  assert_true(SetEvent(hs[1]));
  r = WaitForMultipleObjects(3, hs, TRUE, WAIT_MS);
  if (r < WAIT_ABANDONED_0 || r >= WAIT_ABANDONED_0 + 3)
    fail_msg("wait-all with an abandoned mutex returned 0x%lx, want WAIT_ABANDONED_0 + 0..2",
             (unsigned long)r);
  assert_true(ReleaseMutex(m));
  expect_not_owner(m);
  assert_true(CloseHandle(hs[1]));
  assert_true(CloseHandle(never));
  assert_true(CloseHandle(g_ctx.taken));
  assert_true(CloseHandle(m));
}

/* A child takes the named mutex and signals `ready`; then `finish` ends it. */
static void abandoned_across_processes(BOOL kill) {
  PROCESS_INFORMATION pi;
  char mname[96], rname[96], gname[96], args[320];
  HANDLE m, ready, go = NULL, hs[2];
  DWORD r;
  obj_name(mname, sizeof mname, "mutex");
  obj_name(rname, sizeof rname, "ready");
  obj_name(gname, sizeof gname, "go");
  m = CreateMutexA(NULL, FALSE, mname);
  ready = CreateEventA(NULL, TRUE, FALSE, rname);
  assert_non_null(m);
  assert_non_null(ready);
  if (!kill) {
    go = CreateEventA(NULL, TRUE, FALSE, gname);
    assert_non_null(go);
  }
  snprintf(args, sizeof args, "%s %s %s", mname, rname, kill ? "-" : gname);
  conf_spawn_self_or_fail("hold_mutex", args, NULL, FALSE, &pi);
  hs[0] = ready;
  hs[1] = pi.hProcess;
  r = WaitForMultipleObjects(2, hs, FALSE, WAIT_MS);
  if (r == WAIT_OBJECT_0 + 1)
    fail_msg("the child exited (code %lu) before taking the mutex",
             (unsigned long)conf_wait_exit(pi.hProcess, 0, "hold_mutex child"));
  if (r != WAIT_OBJECT_0)
    fail_msg("the child did not take the named mutex within %u ms (wait returned %lu)",
             WAIT_MS, (unsigned long)r);
  /* The child owns it. */
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_TIMEOUT);
  if (kill) {
    assert_true(TerminateProcess(pi.hProcess, 3));
    assert_int_equal(conf_wait_exit(pi.hProcess, WAIT_MS, "terminated hold_mutex child"), 3);
    r = WaitForSingleObject(m, WAIT_MS);
  } else {
    /* We wait while the child exits without releasing it. */
    assert_true(SetEvent(go));
    r = WaitForSingleObject(m, WAIT_MS);
  }
  if (r == WAIT_TIMEOUT)
    fail_msg("the mutex held by a %s child was not released within %u ms",
             kill ? "terminated" : "exited", WAIT_MS);
  if (r != WAIT_ABANDONED)
    fail_msg("waiting on the mutex of a %s child returned %lu, want WAIT_ABANDONED (0x80)",
             kill ? "terminated" : "exited", (unsigned long)r);
  if (!kill)
    assert_int_equal(conf_wait_exit(pi.hProcess, WAIT_MS, "hold_mutex child"), 0);
  /* We own it now. */
  assert_true(ReleaseMutex(m));
  expect_not_owner(m);
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
  assert_true(ReleaseMutex(m));
  conf_close_process(&pi);
  if (go)
    assert_true(CloseHandle(go));
  assert_true(CloseHandle(ready));
  assert_true(CloseHandle(m));
}

static void abandoned_when_owner_process_is_terminated(void **state) {
  (void)state;
  abandoned_across_processes(TRUE);
}

static void abandoned_when_owner_process_exits(void **state) {
  (void)state;
  abandoned_across_processes(FALSE);
}

static void wait_multiple_abandoned_by_terminated_process(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  char mname[96], rname[96], args[320];
  HANDLE m, ready, never, hs[3];
  DWORD r;
  obj_name(mname, sizeof mname, "mutex");
  obj_name(rname, sizeof rname, "ready");
  m = CreateMutexA(NULL, FALSE, mname);
  ready = CreateEventA(NULL, TRUE, FALSE, rname);
  never = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(m);
  assert_non_null(ready);
  assert_non_null(never);
  snprintf(args, sizeof args, "%s %s -", mname, rname);
  conf_spawn_self_or_fail("hold_mutex", args, NULL, FALSE, &pi);
  if (WaitForSingleObject(ready, WAIT_MS) != WAIT_OBJECT_0)
    fail_msg("the child did not take the named mutex within %u ms", WAIT_MS);
  assert_true(TerminateProcess(pi.hProcess, 3));
  hs[0] = never;
  hs[1] = m;
  hs[2] = pi.hProcess;
  /* The mutex (index 1) is abandoned; the process (index 2) is signalled as well, but the
   * lowest index wins. */
  assert_int_equal(conf_wait_exit(pi.hProcess, WAIT_MS, "terminated hold_mutex child"), 3);
  r = WaitForMultipleObjects(3, hs, FALSE, WAIT_MS);
  assert_int_equal(r, WAIT_ABANDONED_0 + 1);
  assert_true(ReleaseMutex(m));
  conf_close_process(&pi);
  assert_true(CloseHandle(never));
  assert_true(CloseHandle(ready));
  assert_true(CloseHandle(m));
}

#define T(f) cmocka_unit_test_teardown(f, conf_reap_children)
static const struct CMUnitTest tests[] = {
    T(initial_owner_owns_mutex),
    T(not_owned_mutex_is_free),
    T(recursive_acquire_needs_as_many_releases),
    T(initial_owner_counts_as_one_acquisition),
    T(release_from_non_owner_thread_is_not_owner),
    T(abandoned_by_exited_thread),
    T(blocked_waiter_gets_abandoned_when_owner_thread_exits),
    T(wait_multiple_reports_abandoned_index),
    T(abandoned_when_owner_process_is_terminated),
    T(abandoned_when_owner_process_exits),
    T(wait_multiple_abandoned_by_terminated_process),
};

CONF_MAIN_WITH_ROLES(tests, roles)
