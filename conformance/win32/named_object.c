/* Named synchronisation objects: an event, a mutex and a semaphore created here and opened
 * by name from a child role; creating an existing name (same object, ERROR_ALREADY_EXISTS)
 * against a fresh name (GetLastError() == 0); opening a missing name
 * (ERROR_FILE_NOT_FOUND); a name held by another object type (ERROR_INVALID_HANDLE);
 * the Local\ and Global\ prefixes; case-sensitive names; a name disappearing with the last
 * handle to its object (also when that handle was a child's); the W functions; a backslash
 * inside a name. Names carry this process's id, so parallel runs do not share them; every
 * wait is bounded; every case's teardown terminates children a failure left running. */
#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <string.h>
#include <windows.h>

#define WAIT_MS 10000u
#define NAME_CAP 128

/* ---- child roles: no CMocka here, the exit code is the verdict ---- */

/* argv: event name [w]. OpenEvent + SetEvent: 0, 3 if the open failed, 4 if SetEvent
 * failed. With "w", OpenEventW. */
static int role_set_event(int argc, char **argv) {
  HANDLE h;
  if (argc < 1)
    return 2;
  if (argc >= 2 && strcmp(argv[1], "w") == 0) {
    WCHAR wname[NAME_CAP];
    conf_to_wide(argv[0], wname, NAME_CAP);
    h = OpenEventW(EVENT_MODIFY_STATE, FALSE, wname);
  } else {
    h = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[0]);
  }
  if (h == NULL) {
    fprintf(stderr, "set_event: OpenEvent(%s) failed with error %lu\n", argv[0],
            (unsigned long)GetLastError());
    return 3;
  }
  if (!SetEvent(h))
    return 4;
  CloseHandle(h);
  return 0;
}

/* argv: mutex name. Opens it and tries to take it without waiting: 0 if it got it (and
 * released it), 1 if it is owned elsewhere, 3 if the open failed. */
static int role_try_mutex(int argc, char **argv) {
  HANDLE h;
  DWORD r;
  if (argc < 1)
    return 2;
  h = OpenMutexA(SYNCHRONIZE, FALSE, argv[0]);
  if (h == NULL)
    return 3;
  r = WaitForSingleObject(h, 0);
  if (r == WAIT_OBJECT_0)
    return ReleaseMutex(h) ? 0 : 5;
  return r == WAIT_TIMEOUT ? 1 : 4;
}

/* argv: semaphore name. Opens it and releases one unit: 0, 3 if the open failed. */
static int role_release_sem(int argc, char **argv) {
  HANDLE h;
  if (argc < 1)
    return 2;
  h = OpenSemaphoreA(SEMAPHORE_MODIFY_STATE, FALSE, argv[0]);
  if (h == NULL)
    return 3;
  return ReleaseSemaphore(h, 1, NULL) ? 0 : 4;
}

/* argv: event name, ready-event name, go-event name. Creates the named event (it must be
 * new: 6 otherwise), signals ready, waits for go (at most 20 s) and exits: 0, 9 on a
 * timeout. */
static int role_own_event(int argc, char **argv) {
  HANDLE h, ready, go;
  if (argc < 3)
    return 2;
  SetLastError(0xdead);
  h = CreateEventA(NULL, TRUE, FALSE, argv[0]);
  if (h == NULL)
    return 3;
  if (GetLastError() != 0)
    return 6;
  ready = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[1]);
  go = OpenEventA(SYNCHRONIZE, FALSE, argv[2]);
  if (ready == NULL || go == NULL)
    return 4;
  if (!SetEvent(ready))
    return 5;
  return WaitForSingleObject(go, CONF_WAIT_MS) == WAIT_OBJECT_0 ? 0 : 9;
}

static const struct conf_role roles[] = {
    {"set_event", role_set_event},
    {"try_mutex", role_try_mutex},
    {"release_sem", role_release_sem},
    {"own_event", role_own_event},
};

/* ---- helpers ---- */

static void obj_name(char *buf, size_t cap, const char *tag) {
  static unsigned counter;
  snprintf(buf, cap, "conf-named-%lu-%u-%s", (unsigned long)GetCurrentProcessId(), ++counter,
           tag);
}

static DWORD run_child(const char *role, const char *args) {
  PROCESS_INFORMATION pi;
  DWORD code;
  conf_spawn_self_or_fail(role, args, NULL, FALSE, &pi);
  code = conf_wait_exit(pi.hProcess, WAIT_MS, role);
  conf_close_process(&pi);
  return code;
}

/* ---- cases ---- */

static void event_set_by_child_through_its_name(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  char name[NAME_CAP];
  HANDLE h, hs[2];
  DWORD r;
  obj_name(name, sizeof name, "event");
  h = CreateEventA(NULL, FALSE, FALSE, name);
  assert_non_null(h);
  conf_spawn_self_or_fail("set_event", name, NULL, FALSE, &pi);
  hs[0] = h;
  hs[1] = pi.hProcess;
  /* The event, not the child's exit, must end the wait (the lowest index wins if both
   * are signalled by then). */
  r = WaitForMultipleObjects(2, hs, FALSE, WAIT_MS);
  if (r != WAIT_OBJECT_0)
    fail_msg("the child's SetEvent on the named event did not reach us within %u ms (wait "
             "returned 0x%lx)",
             WAIT_MS, (unsigned long)r);
  assert_int_equal(conf_wait_exit(pi.hProcess, WAIT_MS, "set_event child"), 0);
  conf_close_process(&pi);
  assert_true(CloseHandle(h));
}

static void mutex_shared_with_child_through_its_name(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE h;
  obj_name(name, sizeof name, "mutex");
  h = CreateMutexA(NULL, TRUE, name);
  assert_non_null(h);
  /* We own it: the child cannot take it. */
  assert_int_equal(run_child("try_mutex", name), 1);
  assert_true(ReleaseMutex(h));
  /* Free: the child takes and releases it. */
  assert_int_equal(run_child("try_mutex", name), 0);
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
  assert_true(ReleaseMutex(h));
  assert_true(CloseHandle(h));
}

static void semaphore_released_by_child_through_its_name(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE h;
  obj_name(name, sizeof name, "sem");
  h = CreateSemaphoreA(NULL, 0, 5, name);
  assert_non_null(h);
  assert_int_equal(run_child("release_sem", name), 0);
  if (WaitForSingleObject(h, WAIT_MS) != WAIT_OBJECT_0)
    fail_msg("the child's ReleaseSemaphore on the named semaphore did not reach us");
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
  assert_true(CloseHandle(h));
}

static void create_existing_name_opens_same_object(void **state) {
  (void)state;
  char en[NAME_CAP], mn[NAME_CAP], sn[NAME_CAP];
  HANDLE e1, e2, m1, m2, s1, s2;
  LONG prev = -1;
  obj_name(en, sizeof en, "event");
  obj_name(mn, sizeof mn, "mutex");
  obj_name(sn, sizeof sn, "sem");

  SetLastError(0xdead);
  e1 = CreateEventA(NULL, TRUE, FALSE, en);
  conf_expect_handle(e1, 0, "CreateEventA(fresh name)");
  SetLastError(0xdead);
  /* Different parameters: they are ignored for an existing event. */
  e2 = CreateEventA(NULL, FALSE, TRUE, en);
  conf_expect_handle(e2, ERROR_ALREADY_EXISTS, "CreateEventA(existing name)");
  assert_true(e1 != e2);
  assert_int_equal(WaitForSingleObject(e1, 0), WAIT_TIMEOUT);
  assert_true(SetEvent(e2));
  assert_int_equal(WaitForSingleObject(e1, 0), WAIT_OBJECT_0);
  assert_int_equal(WaitForSingleObject(e2, 0), WAIT_OBJECT_0); /* still manual reset */
  assert_true(ResetEvent(e1));
  assert_int_equal(WaitForSingleObject(e2, 0), WAIT_TIMEOUT);

  SetLastError(0xdead);
  m1 = CreateMutexA(NULL, FALSE, mn);
  conf_expect_handle(m1, 0, "CreateMutexA(fresh name)");
  SetLastError(0xdead);
  /* bInitialOwner only applies to the creator. */
  m2 = CreateMutexA(NULL, TRUE, mn);
  conf_expect_handle(m2, ERROR_ALREADY_EXISTS, "CreateMutexA(existing name)");
  SetLastError(0);
  assert_false(ReleaseMutex(m2));
  assert_int_equal(GetLastError(), ERROR_NOT_OWNER);
  assert_int_equal(WaitForSingleObject(m1, 0), WAIT_OBJECT_0);
  assert_true(ReleaseMutex(m2)); /* the same mutex, owned through either handle */

  SetLastError(0xdead);
  s1 = CreateSemaphoreA(NULL, 1, 3, sn);
  conf_expect_handle(s1, 0, "CreateSemaphoreA(fresh name)");
  SetLastError(0xdead);
  s2 = CreateSemaphoreA(NULL, 0, 10, sn);
  conf_expect_handle(s2, ERROR_ALREADY_EXISTS, "CreateSemaphoreA(existing name)");
  assert_true(ReleaseSemaphore(s2, 1, &prev));
  assert_int_equal(prev, 1); /* the count is the first creator's */
  SetLastError(0);
  assert_false(ReleaseSemaphore(s2, 2, &prev)); /* and so is the maximum (3) */
  assert_int_equal(GetLastError(), ERROR_TOO_MANY_POSTS);

  assert_true(CloseHandle(e1));
  assert_true(CloseHandle(e2));
  assert_true(CloseHandle(m1));
  assert_true(CloseHandle(m2));
  assert_true(CloseHandle(s1));
  assert_true(CloseHandle(s2));
}

static void open_missing_name_is_file_not_found(void **state) {
  (void)state;
  char name[NAME_CAP];
  WCHAR wname[NAME_CAP];
  obj_name(name, sizeof name, "missing");
  conf_to_wide(name, wname, NAME_CAP);
  SetLastError(0);
  conf_expect_null(OpenEventA(SYNCHRONIZE, FALSE, name), ERROR_FILE_NOT_FOUND, "OpenEventA");
  SetLastError(0);
  conf_expect_null(OpenMutexA(SYNCHRONIZE, FALSE, name), ERROR_FILE_NOT_FOUND, "OpenMutexA");
  SetLastError(0);
  conf_expect_null(OpenSemaphoreA(SYNCHRONIZE, FALSE, name), ERROR_FILE_NOT_FOUND,
              "OpenSemaphoreA");
  SetLastError(0);
  conf_expect_null(OpenEventW(SYNCHRONIZE, FALSE, wname), ERROR_FILE_NOT_FOUND, "OpenEventW");
  SetLastError(0);
  conf_expect_null(OpenMutexW(SYNCHRONIZE, FALSE, wname), ERROR_FILE_NOT_FOUND, "OpenMutexW");
  SetLastError(0);
  conf_expect_null(OpenSemaphoreW(SYNCHRONIZE, FALSE, wname), ERROR_FILE_NOT_FOUND,
              "OpenSemaphoreW");
}

static void name_of_other_type_is_invalid_handle(void **state) {
  (void)state;
  char en[NAME_CAP], mn[NAME_CAP], sn[NAME_CAP];
  HANDLE e, m, s;
  obj_name(en, sizeof en, "event");
  obj_name(mn, sizeof mn, "mutex");
  obj_name(sn, sizeof sn, "sem");
  e = CreateEventA(NULL, TRUE, FALSE, en);
  m = CreateMutexA(NULL, FALSE, mn);
  s = CreateSemaphoreA(NULL, 0, 1, sn);
  assert_non_null(e);
  assert_non_null(m);
  assert_non_null(s);

  SetLastError(0);
  conf_expect_null(CreateMutexA(NULL, FALSE, en), ERROR_INVALID_HANDLE, "CreateMutexA(event's name)");
  SetLastError(0);
  conf_expect_null(CreateSemaphoreA(NULL, 0, 1, en), ERROR_INVALID_HANDLE,
              "CreateSemaphoreA(event's name)");
  SetLastError(0);
  conf_expect_null(OpenMutexA(SYNCHRONIZE, FALSE, en), ERROR_INVALID_HANDLE,
              "OpenMutexA(event's name)");
  SetLastError(0);
  conf_expect_null(OpenSemaphoreA(SYNCHRONIZE, FALSE, en), ERROR_INVALID_HANDLE,
              "OpenSemaphoreA(event's name)");

  SetLastError(0);
  conf_expect_null(CreateEventA(NULL, TRUE, FALSE, mn), ERROR_INVALID_HANDLE,
              "CreateEventA(mutex's name)");
  SetLastError(0);
  conf_expect_null(OpenSemaphoreA(SYNCHRONIZE, FALSE, mn), ERROR_INVALID_HANDLE,
              "OpenSemaphoreA(mutex's name)");
  SetLastError(0);
  conf_expect_null(OpenEventA(SYNCHRONIZE, FALSE, mn), ERROR_INVALID_HANDLE,
              "OpenEventA(mutex's name)");

  SetLastError(0);
  conf_expect_null(CreateEventA(NULL, TRUE, FALSE, sn), ERROR_INVALID_HANDLE,
              "CreateEventA(semaphore's name)");
  SetLastError(0);
  conf_expect_null(CreateMutexA(NULL, FALSE, sn), ERROR_INVALID_HANDLE,
              "CreateMutexA(semaphore's name)");
  SetLastError(0);
  conf_expect_null(OpenEventA(SYNCHRONIZE, FALSE, sn), ERROR_INVALID_HANDLE,
              "OpenEventA(semaphore's name)");
  SetLastError(0);
  conf_expect_null(OpenMutexA(SYNCHRONIZE, FALSE, sn), ERROR_INVALID_HANDLE,
              "OpenMutexA(semaphore's name)");

  /* The objects are untouched. */
  assert_int_equal(WaitForSingleObject(e, 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
  assert_true(ReleaseMutex(m));
  assert_int_equal(WaitForSingleObject(s, 0), WAIT_TIMEOUT);
  assert_true(CloseHandle(e));
  assert_true(CloseHandle(m));
  assert_true(CloseHandle(s));
}

static void local_prefix_names_the_same_object(void **state) {
  (void)state;
  char name[NAME_CAP], local[NAME_CAP + 8];
  HANDLE a, b;
  obj_name(name, sizeof name, "local");
  snprintf(local, sizeof local, "Local\\%s", name);
  SetLastError(0xdead);
  a = CreateEventA(NULL, TRUE, FALSE, local);
  conf_expect_handle(a, 0, "CreateEventA(Local\\x)");
  SetLastError(0xdead);
  b = CreateEventA(NULL, TRUE, FALSE, name);
  conf_expect_handle(b, ERROR_ALREADY_EXISTS, "CreateEventA(x) after Local\\x");
  assert_true(SetEvent(b));
  assert_int_equal(WaitForSingleObject(a, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(b));
  b = OpenEventA(SYNCHRONIZE, FALSE, name);
  assert_non_null(b);
  assert_true(CloseHandle(b));
  assert_true(CloseHandle(a));

  /* And the other way round. */
  obj_name(name, sizeof name, "local2");
  snprintf(local, sizeof local, "Local\\%s", name);
  a = CreateMutexA(NULL, FALSE, name);
  assert_non_null(a);
  b = OpenMutexA(SYNCHRONIZE, FALSE, local);
  if (b == NULL)
    fail_msg("OpenMutexA(%s) failed with error %lu", local, (unsigned long)GetLastError());
  assert_true(CloseHandle(b));
  assert_true(CloseHandle(a));
}

static void global_prefix_can_be_created_and_opened(void **state) {
  (void)state;
  char name[NAME_CAP], global[NAME_CAP + 8];
  HANDLE a, b;
  obj_name(name, sizeof name, "global");
  snprintf(global, sizeof global, "Global\\%s", name);
  SetLastError(0xdead);
  a = CreateEventA(NULL, TRUE, FALSE, global);
  conf_expect_handle(a, 0, "CreateEventA(Global\\x)");
  b = OpenEventA(EVENT_MODIFY_STATE | SYNCHRONIZE, FALSE, global);
  if (b == NULL)
    fail_msg("OpenEventA(%s) failed with error %lu", global, (unsigned long)GetLastError());
  assert_true(SetEvent(b));
  assert_int_equal(WaitForSingleObject(a, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(b));
  SetLastError(0xdead);
  b = CreateEventA(NULL, TRUE, FALSE, global);
  conf_expect_handle(b, ERROR_ALREADY_EXISTS, "CreateEventA(Global\\x) again");
  assert_true(CloseHandle(b));
  /* A child opens it too. */
  assert_true(ResetEvent(a));
  assert_int_equal(run_child("set_event", global), 0);
  assert_int_equal(WaitForSingleObject(a, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(a));
}

static void names_are_case_sensitive(void **state) {
  (void)state;
  char name[NAME_CAP], lower[NAME_CAP];
  HANDLE a, b;
  size_t i;
  obj_name(name, sizeof name, "CaseName");
  for (i = 0; name[i]; ++i)
    lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] - 'A' + 'a' : name[i]);
  lower[i] = '\0';
  a = CreateEventA(NULL, TRUE, FALSE, name);
  assert_non_null(a);
  SetLastError(0);
  conf_expect_null(OpenEventA(SYNCHRONIZE, FALSE, lower), ERROR_FILE_NOT_FOUND,
              "OpenEventA(name in lower case)");
  SetLastError(0xdead);
  b = CreateEventA(NULL, TRUE, FALSE, lower);
  conf_expect_handle(b, 0, "CreateEventA(name in lower case)");
  assert_true(SetEvent(b));
  assert_int_equal(WaitForSingleObject(a, 0), WAIT_TIMEOUT); /* a different object */
  assert_true(CloseHandle(b));
  assert_true(CloseHandle(a));
}

static void name_disappears_with_last_handle(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE a, b;
  obj_name(name, sizeof name, "lifetime");
  a = CreateEventA(NULL, TRUE, TRUE, name);
  assert_non_null(a);
  b = OpenEventA(SYNCHRONIZE, FALSE, name);
  assert_non_null(b);
  assert_true(CloseHandle(a));
  /* b keeps the object and its name. */
  a = OpenEventA(SYNCHRONIZE, FALSE, name);
  assert_non_null(a);
  assert_true(CloseHandle(a));
  assert_int_equal(WaitForSingleObject(b, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(b));
  SetLastError(0);
  conf_expect_null(OpenEventA(SYNCHRONIZE, FALSE, name), ERROR_FILE_NOT_FOUND,
              "OpenEventA after the last handle was closed");
  /* A new object of another type may take the name; it is fresh. */
  SetLastError(0xdead);
  a = CreateSemaphoreA(NULL, 0, 1, name);
  conf_expect_handle(a, 0, "CreateSemaphoreA(name of a deleted event)");
  assert_int_equal(WaitForSingleObject(a, 0), WAIT_TIMEOUT);
  assert_true(CloseHandle(a));
}

static void name_disappears_when_owning_child_exits(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  char name[NAME_CAP], rname[NAME_CAP], gname[NAME_CAP], args[3 * NAME_CAP + 8];
  HANDLE ready, go, h, hs[2];
  DWORD r;
  obj_name(name, sizeof name, "childs");
  obj_name(rname, sizeof rname, "ready");
  obj_name(gname, sizeof gname, "go");
  ready = CreateEventA(NULL, TRUE, FALSE, rname);
  go = CreateEventA(NULL, TRUE, FALSE, gname);
  assert_non_null(ready);
  assert_non_null(go);
  snprintf(args, sizeof args, "%s %s %s", name, rname, gname);
  conf_spawn_self_or_fail("own_event", args, NULL, FALSE, &pi);
  hs[0] = ready;
  hs[1] = pi.hProcess;
  r = WaitForMultipleObjects(2, hs, FALSE, WAIT_MS);
  if (r != WAIT_OBJECT_0)
    fail_msg("the child did not create its named event within %u ms (wait returned 0x%lx)",
             WAIT_MS, (unsigned long)r);
  /* The child's object is visible by name while the child lives. */
  h = OpenEventA(SYNCHRONIZE, FALSE, name);
  if (h == NULL)
    fail_msg("OpenEventA(the child's event) failed with error %lu",
             (unsigned long)GetLastError());
  assert_true(CloseHandle(h));
  assert_true(SetEvent(go));
  assert_int_equal(conf_wait_exit(pi.hProcess, WAIT_MS, "own_event child"), 0);
  conf_close_process(&pi);
  /* Its only handle went with it, and the name with the object. */
  SetLastError(0);
  conf_expect_null(OpenEventA(SYNCHRONIZE, FALSE, name), ERROR_FILE_NOT_FOUND,
              "OpenEventA after the child holding the only handle exited");
  assert_true(CloseHandle(ready));
  assert_true(CloseHandle(go));
}

static void wide_names(void **state) {
  (void)state;
  char en[NAME_CAP], mn[NAME_CAP], sn[NAME_CAP];
  WCHAR wen[NAME_CAP], wmn[NAME_CAP], wsn[NAME_CAP];
  HANDLE e, e2, m, m2, s, s2;
  LONG prev = -1;
  obj_name(en, sizeof en, "wevent");
  obj_name(mn, sizeof mn, "wmutex");
  obj_name(sn, sizeof sn, "wsem");
  conf_to_wide(en, wen, NAME_CAP);
  conf_to_wide(mn, wmn, NAME_CAP);
  conf_to_wide(sn, wsn, NAME_CAP);

  SetLastError(0xdead);
  e = CreateEventW(NULL, FALSE, FALSE, wen);
  conf_expect_handle(e, 0, "CreateEventW(fresh)");
  SetLastError(0xdead);
  e2 = CreateEventW(NULL, FALSE, FALSE, wen);
  conf_expect_handle(e2, ERROR_ALREADY_EXISTS, "CreateEventW(existing)");
  assert_true(CloseHandle(e2));
  e2 = OpenEventW(EVENT_MODIFY_STATE, FALSE, wen);
  assert_non_null(e2);
  assert_true(SetEvent(e2));
  assert_int_equal(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(e2));
  /* The A functions see the same name. */
  e2 = OpenEventA(EVENT_MODIFY_STATE, FALSE, en);
  assert_non_null(e2);
  assert_true(CloseHandle(e2));
  /* A child opens it with OpenEventW. */
  {
    char args[NAME_CAP + 4];
    snprintf(args, sizeof args, "%s w", en);
    assert_int_equal(run_child("set_event", args), 0);
    assert_int_equal(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
  }

  SetLastError(0xdead);
  m = CreateMutexW(NULL, TRUE, wmn);
  conf_expect_handle(m, 0, "CreateMutexW(fresh)");
  m2 = OpenMutexW(SYNCHRONIZE, FALSE, wmn);
  assert_non_null(m2);
  assert_true(ReleaseMutex(m2)); /* owned through either handle */
  SetLastError(0);
  assert_false(ReleaseMutex(m));
  assert_int_equal(GetLastError(), ERROR_NOT_OWNER);
  assert_true(CloseHandle(m2));

  SetLastError(0xdead);
  s = CreateSemaphoreW(NULL, 2, 4, wsn);
  conf_expect_handle(s, 0, "CreateSemaphoreW(fresh)");
  s2 = OpenSemaphoreW(SEMAPHORE_MODIFY_STATE, FALSE, wsn);
  assert_non_null(s2);
  assert_true(ReleaseSemaphore(s2, 1, &prev));
  assert_int_equal(prev, 2);
  assert_true(CloseHandle(s2));
  SetLastError(0);
  conf_expect_null(OpenSemaphoreW(SYNCHRONIZE, FALSE, wen), ERROR_INVALID_HANDLE,
              "OpenSemaphoreW(event's name)");

  assert_true(CloseHandle(e));
  assert_true(CloseHandle(m));
  assert_true(CloseHandle(s));
}

/* learn.microsoft.com, CreateEventA, lpName: "The remainder of the name can contain any
 * character except the backslash character (\)". Wine (like the NT object manager, for
 * which the part before the backslash is a directory that does not exist) fails with
 * ERROR_PATH_NOT_FOUND. */
static void backslash_inside_name_is_path_not_found(void **state) {
  (void)state;
  char name[NAME_CAP], bad[2 * NAME_CAP];
  obj_name(name, sizeof name, "dir");
  snprintf(bad, sizeof bad, "%s\\x", name);
  SetLastError(0);
  conf_expect_null(CreateEventA(NULL, TRUE, FALSE, bad), ERROR_PATH_NOT_FOUND,
              "CreateEventA(name with a backslash)");
  SetLastError(0);
  conf_expect_null(CreateMutexA(NULL, FALSE, bad), ERROR_PATH_NOT_FOUND,
              "CreateMutexA(name with a backslash)");
  snprintf(bad, sizeof bad, "Local\\%s\\x", name);
  SetLastError(0);
  conf_expect_null(CreateSemaphoreA(NULL, 0, 1, bad), ERROR_PATH_NOT_FOUND,
              "CreateSemaphoreA(Local\\ name with a backslash)");
}

#define T(f) cmocka_unit_test_teardown(f, conf_reap_children)
static const struct CMUnitTest tests[] = {
    T(event_set_by_child_through_its_name),
    T(mutex_shared_with_child_through_its_name),
    T(semaphore_released_by_child_through_its_name),
    T(create_existing_name_opens_same_object),
    T(open_missing_name_is_file_not_found),
    T(name_of_other_type_is_invalid_handle),
    T(local_prefix_names_the_same_object),
    T(global_prefix_can_be_created_and_opened),
    T(names_are_case_sensitive),
    T(name_disappears_with_last_handle),
    T(name_disappears_when_owning_child_exits),
    T(wide_names),
    T(backslash_inside_name_is_path_not_found),
};

CONF_MAIN_WITH_ROLES(tests, roles)
