/* Semaphores: CreateSemaphoreA/W initial and maximum counts, invalid counts
 * (ERROR_INVALID_PARAMETER), ReleaseSemaphore's previous count, ERROR_TOO_MANY_POSTS
 * leaving the count unchanged, release counts <= 0, waits decrementing the count (counted
 * with WaitForSingleObject(h, 0) loops) and OpenSemaphore by name from a child process.
 * Named objects carry this process's id; every wait is bounded. */
#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define WAIT_MS 10000u

/* ---- child roles: no CMocka here, the exit code is the verdict ---- */

/* argv: semaphore name, release count. Opens it by name and releases it; exits with the
 * previous count (0..99), or 100 + an error code class: 101 open failed, 102 release
 * failed, 103 bad arguments. */
static int role_release_named(int argc, char **argv) {
  HANDLE h;
  LONG prev = -1;
  if (argc < 2)
    return 103;
  h = OpenSemaphoreA(SEMAPHORE_MODIFY_STATE | SYNCHRONIZE, FALSE, argv[0]);
  if (h == NULL) {
    fprintf(stderr, "release_named: OpenSemaphoreA(%s) failed with error %lu\n", argv[0],
            (unsigned long)GetLastError());
    return 101;
  }
  if (!ReleaseSemaphore(h, atol(argv[1]), &prev)) {
    fprintf(stderr, "release_named: ReleaseSemaphore failed with error %lu\n",
            (unsigned long)GetLastError());
    return 102;
  }
  CloseHandle(h);
  return prev >= 0 && prev < 100 ? (int)prev : 103;
}

/* argv: semaphore name. Opens it and takes one unit without waiting: exits 0 if it got
 * one, 1 if the count was zero, 101 if the open failed. */
static int role_take_named(int argc, char **argv) {
  HANDLE h;
  DWORD r;
  if (argc < 1)
    return 103;
  h = OpenSemaphoreA(SYNCHRONIZE, FALSE, argv[0]);
  if (h == NULL)
    return 101;
  r = WaitForSingleObject(h, 0);
  CloseHandle(h);
  return r == WAIT_OBJECT_0 ? 0 : r == WAIT_TIMEOUT ? 1 : 102;
}

static const struct conf_role roles[] = {
    {"release_named", role_release_named},
    {"take_named", role_take_named},
};

/* ---- helpers ---- */

/* Takes every available unit without waiting and returns how many there were. */
static LONG drain(HANDLE h) {
  LONG n = 0;
  DWORD r;
  while ((r = WaitForSingleObject(h, 0)) == WAIT_OBJECT_0) {
    if (++n > 1000)
      fail_msg("more than 1000 units in a semaphore");
  }
  assert_int_equal(r, WAIT_TIMEOUT);
  return n;
}

static HANDLE new_sem(LONG initial, LONG max) {
  HANDLE h = CreateSemaphoreA(NULL, initial, max, NULL);
  if (h == NULL)
    fail_msg("CreateSemaphoreA(%ld, %ld) failed with error %lu", (long)initial, (long)max,
             (unsigned long)GetLastError());
  return h;
}

static void expect_create_invalid(LONG initial, LONG max) {
  HANDLE h;
  SetLastError(0);
  h = CreateSemaphoreA(NULL, initial, max, NULL);
  if (h != NULL) {
    CloseHandle(h);
    fail_msg("CreateSemaphoreA(initial %ld, max %ld) succeeded", (long)initial, (long)max);
  }
  if (GetLastError() != ERROR_INVALID_PARAMETER)
    fail_msg("CreateSemaphoreA(initial %ld, max %ld): error %lu, want ERROR_INVALID_PARAMETER",
             (long)initial, (long)max, (unsigned long)GetLastError());
}

static void obj_name(char *buf, size_t cap, const char *tag) {
  static unsigned counter;
  snprintf(buf, cap, "conf-semaphore-%lu-%u-%s", (unsigned long)GetCurrentProcessId(),
           ++counter, tag);
}

/* ---- cases ---- */

static void initial_count_is_available(void **state) {
  (void)state;
  HANDLE a = new_sem(0, 5), b = new_sem(3, 5), c = new_sem(5, 5);
  assert_int_equal(drain(a), 0);
  assert_int_equal(drain(b), 3);
  assert_int_equal(drain(c), 5);
  assert_true(CloseHandle(a));
  assert_true(CloseHandle(b));
  assert_true(CloseHandle(c));
}

static void create_semaphore_w_unnamed(void **state) {
  (void)state;
  HANDLE h = CreateSemaphoreW(NULL, 2, 4, NULL);
  LONG prev = -1;
  assert_non_null(h);
  assert_int_equal(drain(h), 2);
  assert_true(ReleaseSemaphore(h, 4, &prev));
  assert_int_equal(prev, 0);
  assert_int_equal(drain(h), 4);
  assert_true(CloseHandle(h));
}

static void invalid_counts_are_invalid_parameter(void **state) {
  (void)state;
  expect_create_invalid(-1, 5);
  expect_create_invalid(0, 0);
  expect_create_invalid(0, -1);
  expect_create_invalid(6, 5);
  expect_create_invalid(2, 1);
}

static void release_reports_previous_count(void **state) {
  (void)state;
  HANDLE h = new_sem(1, 10);
  LONG prev = -1;
  assert_true(ReleaseSemaphore(h, 2, &prev));
  assert_int_equal(prev, 1);
  assert_true(ReleaseSemaphore(h, 1, &prev));
  assert_int_equal(prev, 3);
  /* The previous-count pointer is optional. */
  assert_true(ReleaseSemaphore(h, 1, NULL));
  assert_true(ReleaseSemaphore(h, 5, &prev));
  assert_int_equal(prev, 5);
  assert_int_equal(drain(h), 10);
  assert_true(ReleaseSemaphore(h, 1, &prev));
  assert_int_equal(prev, 0);
  assert_int_equal(drain(h), 1);
  assert_true(CloseHandle(h));
}

static void too_many_posts_leaves_count_unchanged(void **state) {
  (void)state;
  HANDLE h = new_sem(2, 3);
  LONG prev = 77;
  SetLastError(0);
  assert_false(ReleaseSemaphore(h, 2, &prev));
  assert_int_equal(GetLastError(), ERROR_TOO_MANY_POSTS);
  /* Still 2: a release of 1 reaches the maximum and reports 2. */
  assert_true(ReleaseSemaphore(h, 1, &prev));
  assert_int_equal(prev, 2);
  SetLastError(0);
  assert_false(ReleaseSemaphore(h, 1, &prev));
  assert_int_equal(GetLastError(), ERROR_TOO_MANY_POSTS);
  assert_int_equal(drain(h), 3);
  assert_true(CloseHandle(h));
}

static void expect_release_invalid(HANDLE h, LONG count) {
  LONG prev = 77;
  SetLastError(0);
  if (ReleaseSemaphore(h, count, &prev))
    fail_msg("ReleaseSemaphore(count %ld) succeeded (previous count %ld)", (long)count,
             (long)prev);
  if (GetLastError() != ERROR_INVALID_PARAMETER)
    fail_msg("ReleaseSemaphore(count %ld): error %lu, want ERROR_INVALID_PARAMETER",
             (long)count, (unsigned long)GetLastError());
}

static void release_count_zero_is_invalid_parameter(void **state) {
  (void)state;
  HANDLE h = new_sem(1, 3);
  expect_release_invalid(h, 0);
  assert_int_equal(drain(h), 1);
  assert_true(CloseHandle(h));
}

static void release_count_negative_is_invalid_parameter(void **state) {
  (void)state;
  HANDLE h = new_sem(1, 3);
  expect_release_invalid(h, -1);
  expect_release_invalid(h, -5);
  assert_int_equal(drain(h), 1);
  assert_true(CloseHandle(h));
}

static void waits_decrement_count(void **state) {
  (void)state;
  HANDLE h = new_sem(4, 4), hs[1];
  LONG prev = -1;
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
  assert_int_equal(WaitForSingleObject(h, WAIT_MS), WAIT_OBJECT_0);
  hs[0] = h;
  assert_int_equal(WaitForMultipleObjects(1, hs, FALSE, 0), WAIT_OBJECT_0);
  /* 4 - 3 = 1 left. */
  assert_true(ReleaseSemaphore(h, 1, &prev));
  assert_int_equal(prev, 1);
  assert_int_equal(drain(h), 2);
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObject(h, 20), WAIT_TIMEOUT);
  assert_true(ReleaseSemaphore(h, 1, &prev));
  assert_int_equal(prev, 0);
  assert_true(CloseHandle(h));
}

static void child_opens_semaphore_by_name(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  char name[96], args[160];
  HANDLE h;
  LONG prev = -1;
  obj_name(name, sizeof name, "sem");
  SetLastError(0xdead);
  h = CreateSemaphoreA(NULL, 1, 10, name);
  assert_non_null(h);
  assert_int_equal(GetLastError(), 0);
  snprintf(args, sizeof args, "%s 3", name);
  conf_spawn_self_or_fail("release_named", args, NULL, FALSE, &pi);
  /* The child saw our count (1) and added 3. */
  assert_int_equal(conf_wait_exit(pi.hProcess, WAIT_MS, "release_named child"), 1);
  conf_close_process(&pi);
  assert_true(ReleaseSemaphore(h, 1, &prev));
  assert_int_equal(prev, 4);
  /* A unit taken by a child is gone for us. */
  conf_spawn_self_or_fail("take_named", name, NULL, FALSE, &pi);
  assert_int_equal(conf_wait_exit(pi.hProcess, WAIT_MS, "take_named child"), 0);
  conf_close_process(&pi);
  assert_int_equal(drain(h), 4);
  conf_spawn_self_or_fail("take_named", name, NULL, FALSE, &pi);
  assert_int_equal(conf_wait_exit(pi.hProcess, WAIT_MS, "take_named child"), 1);
  conf_close_process(&pi);
  assert_true(CloseHandle(h));
}

static void child_release_wakes_waiting_parent(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  char name[96], args[160];
  HANDLE h;
  DWORD r;
  obj_name(name, sizeof name, "sem");
  h = CreateSemaphoreA(NULL, 0, 1, name);
  assert_non_null(h);
  snprintf(args, sizeof args, "%s 1", name);
  conf_spawn_self_or_fail("release_named", args, NULL, FALSE, &pi);
  r = WaitForSingleObject(h, WAIT_MS);
  if (r != WAIT_OBJECT_0)
    fail_msg("the child's ReleaseSemaphore did not wake us within %u ms (wait returned %lu)",
             WAIT_MS, (unsigned long)r);
  assert_int_equal(conf_wait_exit(pi.hProcess, WAIT_MS, "release_named child"), 0);
  conf_close_process(&pi);
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
  assert_true(CloseHandle(h));
}

#define T(f) cmocka_unit_test_teardown(f, conf_reap_children)
static const struct CMUnitTest tests[] = {
    T(initial_count_is_available),
    T(create_semaphore_w_unnamed),
    T(invalid_counts_are_invalid_parameter),
    T(release_reports_previous_count),
    T(too_many_posts_leaves_count_unchanged),
    T(release_count_zero_is_invalid_parameter),
    T(release_count_negative_is_invalid_parameter),
    T(waits_decrement_count),
    T(child_opens_semaphore_by_name),
    T(child_release_wakes_waiting_parent),
};

CONF_MAIN_WITH_ROLES(tests, roles)
