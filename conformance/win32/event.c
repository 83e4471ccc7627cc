/* Events: CreateEventA/W and CreateEventExA/W (flags, initial state), SetEvent/ResetEvent,
 * manual against auto reset (an auto-reset event releases exactly one waiter per SetEvent,
 * a manual-reset one all of them), PulseEvent (manual: every thread waiting at that moment,
 * auto: one; with no waiter the event stays non-signalled), and invalid handles (closed,
 * NULL, a mutex). Waiters are threads of this process; every wait is bounded.
 *
 * PulseEvent only releases threads that are already blocked in a wait, and no Win32 call
 * tells a thread is blocked. So the PulseEvent cases do not wait for the waiters to block:
 * they pulse until every waiter has been released (bounded), collecting releases with
 * bounded waits on a semaphore the waiters release, and check at every step what the
 * documentation promises whatever the timing: the event is never left signalled by a
 * pulse, and an auto-reset pulse never releases more than one waiter. */
#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <string.h>
#include <windows.h>

#define WAIT_MS 10000u
#define NWAITERS 3

/* ---- helpers ---- */

static void assert_signalled(HANDLE h) { assert_int_equal(WaitForSingleObject(h, 0), WAIT_OBJECT_0); }

static void assert_not_signalled(HANDLE h) {
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
}

static HANDLE new_event(BOOL manual, BOOL initial) {
  HANDLE h = CreateEventA(NULL, manual, initial, NULL);
  if (h == NULL)
    fail_msg("CreateEventA(manual=%d, initial=%d) failed with error %lu", manual, initial,
             (unsigned long)GetLastError());
  return h;
}

/* Waiter threads: each says it is about to wait (ready), waits on the event at most
 * WAIT_MS, and reports a successful wait (done). Static: a thread may outlive a failed
 * case. */
struct waiters {
  HANDLE event, ready, done;
  HANDLE threads[NWAITERS];
  LONG failures; /* waits that returned something else than WAIT_OBJECT_0/WAIT_TIMEOUT */
};
static struct waiters g_w;

static DWORD WINAPI waiter_main(LPVOID arg) {
  struct waiters *w = (struct waiters *)arg;
  DWORD r;
  ReleaseSemaphore(w->ready, 1, NULL);
  r = WaitForSingleObject(w->event, WAIT_MS);
  if (r == WAIT_OBJECT_0)
    ReleaseSemaphore(w->done, 1, NULL);
  else if (r != WAIT_TIMEOUT)
    w->failures++;
  return r;
}

static void start_waiters(struct waiters *w, HANDLE event, int n) {
  int i;
  memset(w, 0, sizeof *w);
  w->event = event;
  w->ready = CreateSemaphoreA(NULL, 0, NWAITERS, NULL);
  w->done = CreateSemaphoreA(NULL, 0, NWAITERS, NULL);
  assert_non_null(w->ready);
  assert_non_null(w->done);
  for (i = 0; i < n; ++i) {
    w->threads[i] = CreateThread(NULL, 0, waiter_main, w, 0, NULL);
    if (w->threads[i] == NULL)
      fail_msg("CreateThread failed with error %lu", (unsigned long)GetLastError());
  }
  for (i = 0; i < n; ++i) {
    if (WaitForSingleObject(w->ready, WAIT_MS) != WAIT_OBJECT_0)
      fail_msg("waiter thread %d did not start within %u ms", i, WAIT_MS);
  }
}

/* How many waiters report a successful wait within timeout_ms of each other. */
static int count_done(struct waiters *w, DWORD first_ms, DWORD more_ms) {
  int n = 0;
  DWORD t = first_ms;
  while (n < NWAITERS && WaitForSingleObject(w->done, t) == WAIT_OBJECT_0) {
    ++n;
    t = more_ms;
  }
  return n;
}

/* Ends the waiters still blocked (SetEvent on a manual event / one SetEvent each) and
 * joins all of them. */
static void finish_waiters(struct waiters *w, int n, BOOL manual) {
  int i;
  if (manual)
    assert_true(SetEvent(w->event));
  for (i = 0; i < n; ++i) {
    if (!manual)
      SetEvent(w->event);
    if (WaitForSingleObject(w->threads[i], WAIT_MS) != WAIT_OBJECT_0)
      fail_msg("waiter thread %d did not finish within %u ms", i, WAIT_MS);
  }
  for (i = 0; i < n; ++i)
    assert_true(CloseHandle(w->threads[i]));
  assert_int_equal(w->failures, 0);
  assert_true(CloseHandle(w->ready));
  assert_true(CloseHandle(w->done));
}

/* Pulses ev until all n waiters are released (within WAIT_MS), checking after each pulse
 * that the event is not signalled and, for an auto-reset event, that no pulse released
 * more than one waiter (released never exceeds pulses). Returns the number of pulses. */
static int pulse_until_released(HANDLE ev, int n, BOOL manual) {
  int released = 0, pulses = 0;
  DWORD start = GetTickCount();
  while (released < n) {
    if (GetTickCount() - start > WAIT_MS)
      fail_msg("PulseEvent (%s) released %d of %d waiting threads in %d pulses",
               manual ? "manual" : "auto", released, n, pulses);
    assert_true(PulseEvent(ev));
    ++pulses;
    assert_not_signalled(ev); /* a pulse leaves the event reset */
    while (released < n && WaitForSingleObject(g_w.done, 1) == WAIT_OBJECT_0)
      ++released;
    if (!manual && released > pulses)
      fail_msg("PulseEvent on an auto-reset event released %d waiters in %d pulses", released,
               pulses);
  }
  return pulses;
}

/* ---- cases ---- */

static void create_event_initial_state(void **state) {
  (void)state;
  HANDLE a = new_event(TRUE, TRUE), b = new_event(TRUE, FALSE), c = new_event(FALSE, TRUE),
         d = new_event(FALSE, FALSE);
  assert_signalled(a);
  assert_signalled(a); /* manual: waiting does not reset it */
  assert_not_signalled(b);
  assert_signalled(c);
  assert_not_signalled(c); /* auto: the wait consumed it */
  assert_not_signalled(d);
  assert_true(CloseHandle(a));
  assert_true(CloseHandle(b));
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(d));
}

static void create_event_w_unnamed(void **state) {
  (void)state;
  HANDLE m = CreateEventW(NULL, TRUE, TRUE, NULL), a = CreateEventW(NULL, FALSE, FALSE, NULL);
  assert_non_null(m);
  assert_non_null(a);
  assert_signalled(m);
  assert_signalled(m);
  assert_not_signalled(a);
  assert_true(SetEvent(a));
  assert_signalled(a);
  assert_not_signalled(a);
  assert_true(CloseHandle(m));
  assert_true(CloseHandle(a));
}

static void create_event_ex_flags(void **state) {
  (void)state;
  HANDLE h;
  h = CreateEventExA(NULL, NULL, 0, EVENT_ALL_ACCESS);
  assert_non_null(h);
  assert_not_signalled(h); /* no flags: auto reset, not signalled */
  assert_true(SetEvent(h));
  assert_signalled(h);
  assert_not_signalled(h);
  assert_true(CloseHandle(h));

  h = CreateEventExA(NULL, NULL, CREATE_EVENT_INITIAL_SET, EVENT_ALL_ACCESS);
  assert_non_null(h);
  assert_signalled(h);
  assert_not_signalled(h); /* auto reset */
  assert_true(CloseHandle(h));

  h = CreateEventExA(NULL, NULL, CREATE_EVENT_MANUAL_RESET, EVENT_ALL_ACCESS);
  assert_non_null(h);
  assert_not_signalled(h);
  assert_true(SetEvent(h));
  assert_signalled(h);
  assert_signalled(h); /* manual reset */
  assert_true(ResetEvent(h));
  assert_not_signalled(h);
  assert_true(CloseHandle(h));

  h = CreateEventExA(NULL, NULL, CREATE_EVENT_MANUAL_RESET | CREATE_EVENT_INITIAL_SET,
                     EVENT_ALL_ACCESS);
  assert_non_null(h);
  assert_signalled(h);
  assert_signalled(h);
  assert_true(CloseHandle(h));

  h = CreateEventExW(NULL, NULL, CREATE_EVENT_MANUAL_RESET | CREATE_EVENT_INITIAL_SET,
                     EVENT_ALL_ACCESS);
  assert_non_null(h);
  assert_signalled(h);
  assert_signalled(h);
  assert_true(CloseHandle(h));
}

static void set_and_reset_event(void **state) {
  (void)state;
  HANDLE m = new_event(TRUE, FALSE), a = new_event(FALSE, FALSE);
  /* Setting a signalled event and resetting a non-signalled one both succeed. */
  assert_true(SetEvent(m));
  assert_true(SetEvent(m));
  assert_signalled(m);
  assert_true(ResetEvent(m));
  assert_true(ResetEvent(m));
  assert_not_signalled(m);
  /* Two SetEvent on an auto-reset event with no waiter release only one wait. */
  assert_true(SetEvent(a));
  assert_true(SetEvent(a));
  assert_signalled(a);
  assert_not_signalled(a);
  assert_true(SetEvent(a));
  assert_true(ResetEvent(a));
  assert_not_signalled(a);
  assert_true(CloseHandle(m));
  assert_true(CloseHandle(a));
}

static void auto_reset_releases_one_waiter_per_set(void **state) {
  (void)state;
  HANDLE ev = new_event(FALSE, FALSE);
  int i;
  start_waiters(&g_w, ev, NWAITERS);
  assert_int_equal(count_done(&g_w, 0, 0), 0);
  for (i = 1; i <= NWAITERS; ++i) {
    assert_true(SetEvent(ev));
    if (WaitForSingleObject(g_w.done, WAIT_MS) != WAIT_OBJECT_0)
      fail_msg("SetEvent #%d on an auto-reset event released no waiter within %u ms", i,
               WAIT_MS);
    /* Exactly one: no other waiter follows, and the event was consumed. */
    if (WaitForSingleObject(g_w.done, 100) != WAIT_TIMEOUT)
      fail_msg("SetEvent #%d on an auto-reset event released more than one waiter", i);
    if (i < NWAITERS)
      assert_int_equal(count_done(&g_w, 0, 0), 0);
  }
  assert_not_signalled(ev);
  finish_waiters(&g_w, NWAITERS, FALSE);
  assert_true(CloseHandle(ev));
}

static void manual_reset_releases_all_waiters(void **state) {
  (void)state;
  HANDLE ev = new_event(TRUE, FALSE);
  int n;
  start_waiters(&g_w, ev, NWAITERS);
  assert_int_equal(count_done(&g_w, 0, 0), 0);
  assert_true(SetEvent(ev));
  n = count_done(&g_w, WAIT_MS, WAIT_MS);
  if (n != NWAITERS)
    fail_msg("SetEvent on a manual-reset event released %d of %d waiters", n, NWAITERS);
  assert_signalled(ev); /* stays signalled */
  finish_waiters(&g_w, NWAITERS, TRUE);
  assert_true(CloseHandle(ev));
}

static void pulse_manual_releases_all_waiting_and_resets(void **state) {
  (void)state;
  HANDLE ev = new_event(TRUE, FALSE);
  start_waiters(&g_w, ev, NWAITERS);
  pulse_until_released(ev, NWAITERS, TRUE);
  assert_not_signalled(ev);
  finish_waiters(&g_w, NWAITERS, TRUE);
  assert_true(CloseHandle(ev));
}

static void pulse_auto_releases_one_waiter(void **state) {
  (void)state;
  HANDLE ev = new_event(FALSE, FALSE);
  start_waiters(&g_w, ev, 2);
  /* Two waiters need at least two pulses: one pulse releases one of them at most. */
  assert_true(pulse_until_released(ev, 2, FALSE) >= 2);
  assert_not_signalled(ev);
  finish_waiters(&g_w, 2, FALSE);
  assert_true(CloseHandle(ev));
}

static void pulse_without_waiters_leaves_event_reset(void **state) {
  (void)state;
  HANDLE m = new_event(TRUE, FALSE), a = new_event(FALSE, FALSE), s = new_event(TRUE, TRUE);
  assert_true(PulseEvent(m));
  assert_not_signalled(m);
  assert_true(PulseEvent(a));
  assert_not_signalled(a);
  /* A signalled event with no waiter is reset by the pulse. */
  assert_true(PulseEvent(s));
  assert_not_signalled(s);
  assert_true(CloseHandle(m));
  assert_true(CloseHandle(a));
  assert_true(CloseHandle(s));
}

static void expect_invalid_handle(HANDLE h, const char *what) {
  SetLastError(0);
  if (SetEvent(h))
    fail_msg("SetEvent(%s) succeeded", what);
  if (GetLastError() != ERROR_INVALID_HANDLE)
    fail_msg("SetEvent(%s): error %lu, want ERROR_INVALID_HANDLE", what,
             (unsigned long)GetLastError());
  SetLastError(0);
  if (ResetEvent(h))
    fail_msg("ResetEvent(%s) succeeded", what);
  if (GetLastError() != ERROR_INVALID_HANDLE)
    fail_msg("ResetEvent(%s): error %lu, want ERROR_INVALID_HANDLE", what,
             (unsigned long)GetLastError());
  SetLastError(0);
  if (PulseEvent(h))
    fail_msg("PulseEvent(%s) succeeded", what);
  if (GetLastError() != ERROR_INVALID_HANDLE)
    fail_msg("PulseEvent(%s): error %lu, want ERROR_INVALID_HANDLE", what,
             (unsigned long)GetLastError());
}

static void set_event_on_closed_handle_is_invalid_handle(void **state) {
  (void)state;
  HANDLE h = new_event(TRUE, FALSE);
  assert_true(CloseHandle(h));
  expect_invalid_handle(h, "closed handle");
}

static void set_event_on_null_is_invalid_handle(void **state) {
  (void)state;
  expect_invalid_handle(NULL, "NULL");
}

static void set_event_on_mutex_is_invalid_handle(void **state) {
  (void)state;
  HANDLE m = CreateMutexA(NULL, FALSE, NULL);
  assert_non_null(m);
  expect_invalid_handle(m, "a mutex handle");
  /* The mutex is untouched: still free. */
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
  assert_true(ReleaseMutex(m));
  assert_true(CloseHandle(m));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(create_event_initial_state),
    cmocka_unit_test(create_event_w_unnamed),
    cmocka_unit_test(create_event_ex_flags),
    cmocka_unit_test(set_and_reset_event),
    cmocka_unit_test(auto_reset_releases_one_waiter_per_set),
    cmocka_unit_test(manual_reset_releases_all_waiters),
    cmocka_unit_test(pulse_manual_releases_all_waiting_and_resets),
    cmocka_unit_test(pulse_auto_releases_one_waiter),
    cmocka_unit_test(pulse_without_waiters_leaves_event_reset),
    cmocka_unit_test(set_event_on_closed_handle_is_invalid_handle),
    cmocka_unit_test(set_event_on_null_is_invalid_handle),
    cmocka_unit_test(set_event_on_mutex_is_invalid_handle),
};

CONF_MAIN(tests)
