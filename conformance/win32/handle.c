/* Handles: CloseHandle on a closed, NULL or garbage handle (ERROR_INVALID_HANDLE, no
 * crash), handle values being multiples of 4, DuplicateHandle (same access, reduced
 * access, DUPLICATE_CLOSE_SOURCE, inheritable duplicates), Get/SetHandleInformation with
 * HANDLE_FLAG_INHERIT and HANDLE_FLAG_PROTECT_FROM_CLOSE, and inheritance by a child that
 * gets the handle value on its command line (an inheritable event works there, a
 * non-inheritable one does not), and DuplicateHandle into and out of a child process.
 * Every wait is bounded; every case's teardown terminates
 * children a failure left running. */
#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define WAIT_MS 10000u
#define GARBAGE_HANDLE ((HANDLE)(ULONG_PTR)0x7fff0000u)

/* ---- child roles ---- */

/* argv: a handle value (decimal). SetEvent on it: 0 on success, 6 if it fails with
 * ERROR_INVALID_HANDLE, 7 on another error, 2 on bad arguments. */
static int role_set_event_handle(int argc, char **argv) {
  char *end = NULL;
  HANDLE h;
  if (argc < 1)
    return 2;
  h = (HANDLE)(ULONG_PTR)strtoull(argv[0], &end, 10);
  if (end == argv[0] || *end != '\0')
    return 2;
  SetLastError(0);
  if (SetEvent(h))
    return 0;
  if (GetLastError() == ERROR_INVALID_HANDLE)
    return 6;
  fprintf(stderr, "set_event_handle: SetEvent failed with error %lu\n",
          (unsigned long)GetLastError());
  return 7;
}

/* Three handle values as a parent and child exchange them over a pipe: fixed width. */
#define VALUES_LEN 51
static void format_values(char out[VALUES_LEN + 1], HANDLE a, HANDLE b, HANDLE c) {
  snprintf(out, VALUES_LEN + 1, "%016llx %016llx %016llx\n", (unsigned long long)(ULONG_PTR)a,
           (unsigned long long)(ULONG_PTR)b, (unsigned long long)(ULONG_PTR)c);
}
static int parse_values(const char *in, HANDLE v[3]) {
  int i;
  for (i = 0; i < 3; ++i) {
    char *end = NULL;
    v[i] = (HANDLE)(ULONG_PTR)strtoull(in + i * 17, &end, 16);
    if (end != in + i * 17 + 16)
      return 0;
  }
  return 1;
}

/* Reads "<mapping> <event> <pipe write end>" (handles its parent duplicated into it) from
 * stdin, finds "from parent" in the mapping and writes "from child" there, writes
 * "pushed pipe" to the pipe and closes it, then sets the event. Exit codes: 0 success,
 * 2 bad input, 3 mapping, 4 pipe, 5 event. */
static int role_use_pushed(int argc, char **argv) {
  char line[VALUES_LEN + 1];
  HANDLE v[3];
  DWORD got = 0, n;
  char *view;
  (void)argc;
  (void)argv;
  while (got < VALUES_LEN) {
    if (!ReadFile(GetStdHandle(STD_INPUT_HANDLE), line + got, VALUES_LEN - got, &n, NULL))
      return 2;
    got += n;
  }
  line[VALUES_LEN] = '\0';
  if (!parse_values(line, v))
    return 2;
  view = (char *)MapViewOfFile(v[0], FILE_MAP_ALL_ACCESS, 0, 0, 0);
  if (!view || strcmp(view, "from parent") != 0)
    return 3;
  strcpy(view, "from child");
  UnmapViewOfFile(view);
  if (!WriteFile(v[2], "pushed pipe", 11, &n, NULL) || n != 11 || !CloseHandle(v[2]))
    return 4;
  if (!SetEvent(v[1]))
    return 5;
  return 0;
}

/* Makes a mapping holding "from child" and two events, writes "<mapping> <event 1>
 * <event 2>" to stdout, then waits (bounded) for its parent to set event 1 through a
 * handle it took from us. By then the parent has taken the mapping with
 * DUPLICATE_CLOSE_SOURCE and closed event 2 with a NULL target process: both handles
 * must be gone here. Exit codes: 0 success, 3 setup, 4 no wake-up, 5 mapping handle still
 * open, 6 event 2 still open. */
static int role_offer_handles(int argc, char **argv) {
  char line[VALUES_LEN + 1];
  HANDLE map, e1, e2;
  DWORD n, flags;
  char *view;
  (void)argc;
  (void)argv;
  map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
  e1 = CreateEventA(NULL, TRUE, FALSE, NULL);
  e2 = CreateEventA(NULL, TRUE, FALSE, NULL);
  if (!map || !e1 || !e2)
    return 3;
  view = (char *)MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, 0);
  if (!view)
    return 3;
  strcpy(view, "from child");
  UnmapViewOfFile(view);
  format_values(line, map, e1, e2);
  if (!WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, VALUES_LEN, &n, NULL) || n != VALUES_LEN)
    return 3;
  if (WaitForSingleObject(e1, CONF_WAIT_MS) != WAIT_OBJECT_0)
    return 4;
  if (GetHandleInformation(map, &flags) || GetLastError() != ERROR_INVALID_HANDLE)
    return 5;
  if (GetHandleInformation(e2, &flags) || GetLastError() != ERROR_INVALID_HANDLE)
    return 6;
  return 0;
}

static const struct conf_role roles[] = {
    {"set_event_handle", role_set_event_handle},
    {"use_pushed", role_use_pushed},
    {"offer_handles", role_offer_handles},
};

/* ---- helpers ---- */

static HANDLE new_event(BOOL manual, BOOL initial) {
  HANDLE h = CreateEventA(NULL, manual, initial, NULL);
  if (h == NULL)
    fail_msg("CreateEventA failed with error %lu", (unsigned long)GetLastError());
  return h;
}

static void expect_close_invalid(HANDLE h, const char *what) {
  SetLastError(0);
  if (CloseHandle(h))
    fail_msg("CloseHandle(%s) succeeded", what);
  if (GetLastError() != ERROR_INVALID_HANDLE)
    fail_msg("CloseHandle(%s): error %lu, want ERROR_INVALID_HANDLE", what,
             (unsigned long)GetLastError());
}

static HANDLE dup_of(HANDLE h, DWORD access, BOOL inherit, DWORD options) {
  HANDLE out = NULL;
  if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &out, access, inherit,
                       options))
    fail_msg("DuplicateHandle(access 0x%lx, options 0x%lx) failed with error %lu",
             (unsigned long)access, (unsigned long)options, (unsigned long)GetLastError());
  assert_non_null(out);
  return out;
}

static DWORD flags_of(HANDLE h) {
  DWORD flags = 0xdeadbeef;
  if (!GetHandleInformation(h, &flags))
    fail_msg("GetHandleInformation failed with error %lu", (unsigned long)GetLastError());
  return flags;
}

/* ---- cases ---- */

static void close_twice_is_invalid_handle(void **state) {
  (void)state;
  HANDLE h = new_event(TRUE, FALSE);
  assert_true(CloseHandle(h));
  expect_close_invalid(h, "an already closed handle");
}

static void close_null_and_garbage_is_invalid_handle(void **state) {
  (void)state;
  expect_close_invalid(NULL, "NULL");
  expect_close_invalid(GARBAGE_HANDLE, "0x7fff0000");
  expect_close_invalid((HANDLE)(ULONG_PTR)0x00fffff0u, "0x00fffff0");
}

static void handle_values_are_multiples_of_4(void **state) {
  (void)state;
  HANDLE hs[48];
  int i, j;
  for (i = 0; i < 48; ++i) {
    switch (i % 3) {
    case 0:
      hs[i] = CreateEventA(NULL, TRUE, FALSE, NULL);
      break;
    case 1:
      hs[i] = CreateMutexA(NULL, FALSE, NULL);
      break;
    default:
      hs[i] = CreateSemaphoreA(NULL, 0, 1, NULL);
      break;
    }
    assert_non_null(hs[i]);
    assert_true(hs[i] != INVALID_HANDLE_VALUE);
    if (((ULONG_PTR)hs[i] & 3u) != 0)
      fail_msg("handle value 0x%llx is not a multiple of 4",
               (unsigned long long)(ULONG_PTR)hs[i]);
    for (j = 0; j < i; ++j)
      assert_true(hs[i] != hs[j]);
  }
  {
    HANDLE d = dup_of(hs[0], 0, FALSE, DUPLICATE_SAME_ACCESS);
    assert_int_equal((ULONG_PTR)d & 3u, 0);
    assert_true(CloseHandle(d));
  }
  for (i = 0; i < 48; ++i)
    assert_true(CloseHandle(hs[i]));
}

static void duplicate_same_access_is_same_object(void **state) {
  (void)state;
  HANDLE h = new_event(TRUE, FALSE), d;
  d = dup_of(h, 0, FALSE, DUPLICATE_SAME_ACCESS);
  assert_true(d != h);
  assert_true(SetEvent(d));
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
  assert_true(ResetEvent(h));
  assert_int_equal(WaitForSingleObject(d, 0), WAIT_TIMEOUT);
  /* The duplicate keeps the object alive on its own. */
  assert_true(CloseHandle(h));
  assert_true(SetEvent(d));
  assert_int_equal(WaitForSingleObject(d, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(d));
  expect_close_invalid(d, "a closed duplicate");
}

static void duplicate_with_synchronize_only_cannot_set(void **state) {
  (void)state;
  HANDLE h = new_event(TRUE, FALSE), d;
  d = dup_of(h, SYNCHRONIZE, FALSE, 0);
  assert_int_equal(WaitForSingleObject(d, 0), WAIT_TIMEOUT);
  SetLastError(0);
  assert_false(SetEvent(d));
  assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
  SetLastError(0);
  assert_false(ResetEvent(d));
  assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
  /* Waiting works through it. */
  assert_true(SetEvent(h));
  assert_int_equal(WaitForSingleObject(d, WAIT_MS), WAIT_OBJECT_0);
  /* A duplicate of the reduced handle with the same access is reduced too. */
  {
    HANDLE d2 = dup_of(d, 0, FALSE, DUPLICATE_SAME_ACCESS);
    SetLastError(0);
    assert_false(SetEvent(d2));
    assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
    assert_true(CloseHandle(d2));
  }
  assert_true(CloseHandle(d));
  assert_true(CloseHandle(h));
}

static void duplicate_with_modify_state_only_can_set(void **state) {
  (void)state;
  HANDLE h = new_event(TRUE, FALSE), d;
  d = dup_of(h, EVENT_MODIFY_STATE, FALSE, 0);
  assert_true(SetEvent(d));
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
  assert_true(ResetEvent(d));
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
  /* "The handle must have the SYNCHRONIZE access right" (WaitForSingleObject). */
  SetLastError(0);
  assert_int_equal(WaitForSingleObject(d, 0), WAIT_FAILED);
  assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
  assert_true(CloseHandle(d));
  assert_true(CloseHandle(h));
}

/* The duplicate may reuse the source's value (Wine does; nothing documents either way),
 * so the source's closing is proved through the object's lifetime: the source was the
 * only handle to a named event, whose name must go once the duplicate is closed. */
static void duplicate_close_source_closes_source(void **state) {
  (void)state;
  char name[96];
  HANDLE h, d, o;
  snprintf(name, sizeof name, "conf-handle-%lu-close-source",
           (unsigned long)GetCurrentProcessId());
  h = CreateEventA(NULL, TRUE, FALSE, name);
  assert_non_null(h);
  d = dup_of(h, 0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE);
  if (d != h)
    expect_close_invalid(h, "the source of DUPLICATE_CLOSE_SOURCE");
  assert_true(SetEvent(d));
  assert_int_equal(WaitForSingleObject(d, 0), WAIT_OBJECT_0);
  /* d is the only handle left. */
  o = OpenEventA(SYNCHRONIZE, FALSE, name);
  assert_non_null(o);
  assert_true(CloseHandle(o));
  assert_true(CloseHandle(d));
  SetLastError(0);
  o = OpenEventA(SYNCHRONIZE, FALSE, name);
  if (o != NULL) {
    CloseHandle(o);
    fail_msg("the event outlived its duplicate: DUPLICATE_CLOSE_SOURCE left the source open");
  }
  assert_int_equal(GetLastError(), ERROR_FILE_NOT_FOUND);

  /* With a changed access as well. */
  h = new_event(TRUE, FALSE);
  d = dup_of(h, SYNCHRONIZE, FALSE, DUPLICATE_CLOSE_SOURCE);
  if (d != h)
    expect_close_invalid(h, "the source of DUPLICATE_CLOSE_SOURCE (SYNCHRONIZE)");
  SetLastError(0);
  assert_false(SetEvent(d));
  assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
  assert_true(CloseHandle(d));
}

static void duplicate_invalid_source_is_invalid_handle(void **state) {
  (void)state;
  HANDLE out = (HANDLE)(ULONG_PTR)0x1234;
  SetLastError(0);
  assert_false(DuplicateHandle(GetCurrentProcess(), GARBAGE_HANDLE, GetCurrentProcess(), &out,
                               0, FALSE, DUPLICATE_SAME_ACCESS));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_false(DuplicateHandle(GetCurrentProcess(), NULL, GetCurrentProcess(), &out, 0, FALSE,
                               DUPLICATE_SAME_ACCESS));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
}

static void inherit_flag_get_and_set(void **state) {
  (void)state;
  SECURITY_ATTRIBUTES sa;
  HANDLE a = new_event(TRUE, FALSE), b, d;
  sa.nLength = sizeof sa;
  sa.lpSecurityDescriptor = NULL;
  sa.bInheritHandle = TRUE;
  b = CreateEventA(&sa, TRUE, FALSE, NULL);
  assert_non_null(b);
  assert_int_equal(flags_of(a), 0);
  assert_int_equal(flags_of(b), HANDLE_FLAG_INHERIT);
  assert_true(SetHandleInformation(a, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
  assert_int_equal(flags_of(a), HANDLE_FLAG_INHERIT);
  assert_true(SetHandleInformation(b, HANDLE_FLAG_INHERIT, 0));
  assert_int_equal(flags_of(b), 0);
  /* The mask selects the flags that change. */
  assert_true(SetHandleInformation(a, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
  assert_int_equal(flags_of(a), HANDLE_FLAG_INHERIT);
  assert_true(SetHandleInformation(a, 0, 0));
  assert_int_equal(flags_of(a), HANDLE_FLAG_INHERIT);
  /* DuplicateHandle's bInheritHandle sets the duplicate's flag. */
  d = dup_of(b, 0, TRUE, DUPLICATE_SAME_ACCESS);
  assert_int_equal(flags_of(d), HANDLE_FLAG_INHERIT);
  assert_true(CloseHandle(d));
  d = dup_of(a, 0, FALSE, DUPLICATE_SAME_ACCESS);
  assert_int_equal(flags_of(d), 0);
  assert_true(CloseHandle(d));
  assert_true(CloseHandle(a));
  assert_true(CloseHandle(b));
}

static void protect_from_close_keeps_handle_open(void **state) {
  (void)state;
  HANDLE h = new_event(TRUE, FALSE);
  assert_true(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE,
                                   HANDLE_FLAG_PROTECT_FROM_CLOSE));
  assert_int_equal(flags_of(h), HANDLE_FLAG_PROTECT_FROM_CLOSE);
  assert_true(SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
  assert_int_equal(flags_of(h), HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE);
  assert_true(SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0));
  /* "calling the CloseHandle function will not close the object handle" */
  (void)CloseHandle(h);
  assert_int_equal(flags_of(h), HANDLE_FLAG_PROTECT_FROM_CLOSE);
  assert_true(SetEvent(h));
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
  assert_true(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
  assert_int_equal(flags_of(h), 0);
  assert_true(CloseHandle(h));
  expect_close_invalid(h, "a closed, formerly protected handle");
}

static void handle_information_on_invalid_handle(void **state) {
  (void)state;
  DWORD flags = 0;
  HANDLE h = new_event(TRUE, FALSE);
  assert_true(CloseHandle(h));
  SetLastError(0);
  assert_false(GetHandleInformation(h, &flags));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_false(SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_false(GetHandleInformation(GARBAGE_HANDLE, &flags));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
}

/* Starts set_event_handle with h's value, inheriting handles; returns its exit code. */
static DWORD run_set_event_handle(HANDLE h) {
  PROCESS_INFORMATION pi;
  char args[32];
  DWORD code;
  snprintf(args, sizeof args, "%llu", (unsigned long long)(ULONG_PTR)h);
  if (!conf_spawn_self("set_event_handle", args, NULL, TRUE, &pi))
    fail_msg("CreateProcessA failed with error %lu", (unsigned long)GetLastError());
  code = conf_wait_exit(pi.hProcess, WAIT_MS, "set_event_handle child");
  conf_close_process(&pi);
  return code;
}

static void inheritable_event_is_usable_in_child(void **state) {
  (void)state;
  SECURITY_ATTRIBUTES sa;
  HANDLE h;
  sa.nLength = sizeof sa;
  sa.lpSecurityDescriptor = NULL;
  sa.bInheritHandle = TRUE;
  h = CreateEventA(&sa, TRUE, FALSE, NULL);
  assert_non_null(h);
  assert_int_equal(run_set_event_handle(h), 0);
  if (WaitForSingleObject(h, 0) != WAIT_OBJECT_0)
    fail_msg("the child's SetEvent through the inherited handle value did not reach us");
  /* Made inheritable after creation: works the same. */
  assert_true(CloseHandle(h));
  h = new_event(TRUE, FALSE);
  assert_true(SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
  assert_int_equal(run_set_event_handle(h), 0);
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(h));
}

static void non_inheritable_event_is_not_in_child(void **state) {
  (void)state;
  HANDLE pad[64], h;
  int i;
  /* Handles created first push h's value above what a fresh child holds of its own, so
   * the value cannot name some other object of the child's. */
  for (i = 0; i < 64; ++i)
    pad[i] = new_event(TRUE, FALSE);
  h = new_event(TRUE, FALSE);
  assert_int_equal(flags_of(h), 0);
  assert_int_equal(run_set_event_handle(h), 6);
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
  /* And an inheritable one made non-inheritable again. */
  assert_true(SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
  assert_true(SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0));
  assert_int_equal(run_set_event_handle(h), 6);
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
  assert_true(CloseHandle(h));
  for (i = 0; i < 64; ++i)
    assert_true(CloseHandle(pad[i]));
}

static void expect_duplicate_fails(HANDLE sp, HANDLE h, HANDLE tp, DWORD err, const char *what) {
  HANDLE out = NULL;
  SetLastError(0);
  if (DuplicateHandle(sp, h, tp, &out, 0, FALSE, DUPLICATE_SAME_ACCESS))
    fail_msg("DuplicateHandle(%s) succeeded", what);
  if (GetLastError() != err)
    fail_msg("DuplicateHandle(%s): error %lu, want %lu", what, (unsigned long)GetLastError(),
             (unsigned long)err);
}

/* DuplicateHandle from this process into a child (no inheritance of these handles): a
 * mapping, an event and a pipe's write end moved with DUPLICATE_CLOSE_SOURCE, used there
 * through the values the child is told. */
static void duplicate_into_child_process(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  HANDLE to_child, child_in, map, ev, pr, pw, cm, ce, cw, waits[2];
  char line[VALUES_LEN + 1], buf[32];
  char *view;
  DWORD n;
  conf_child_pipe(&to_child, &child_in, TRUE, 0);
  conf_stdio_startup(&si, child_in, NULL, NULL);
  conf_spawn_self_or_fail("use_pushed", NULL, &si, TRUE, &pi);
  assert_true(CloseHandle(child_in));
  map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
  assert_non_null(map);
  view = (char *)MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, 0);
  assert_non_null(view);
  strcpy(view, "from parent");
  ev = new_event(TRUE, FALSE);
  assert_true(CreatePipe(&pr, &pw, NULL, 0));
  if (!DuplicateHandle(GetCurrentProcess(), map, pi.hProcess, &cm, 0, FALSE,
                       DUPLICATE_SAME_ACCESS) ||
      !DuplicateHandle(GetCurrentProcess(), ev, pi.hProcess, &ce, 0, FALSE,
                       DUPLICATE_SAME_ACCESS) ||
      !DuplicateHandle(GetCurrentProcess(), pw, pi.hProcess, &cw, 0, FALSE,
                       DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE))
    fail_msg("DuplicateHandle into the child failed with error %lu",
             (unsigned long)GetLastError());
  expect_close_invalid(pw, "a pipe end moved out with DUPLICATE_CLOSE_SOURCE");
  if (((ULONG_PTR)cm & 3) || ((ULONG_PTR)ce & 3) || ((ULONG_PTR)cw & 3))
    fail_msg("handle values in the child are not multiples of 4");
  format_values(line, cm, ce, cw);
  assert_true(WriteFile(to_child, line, VALUES_LEN, &n, NULL));
  waits[0] = ev;
  waits[1] = pi.hProcess;
  if (WaitForMultipleObjects(2, waits, FALSE, CONF_WAIT_MS) != WAIT_OBJECT_0)
    fail_msg("the child did not set the event it was given (exit code %lu)",
             (unsigned long)conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "use_pushed child"));
  n = conf_read_to_eof(pr, pi.hProcess, buf, sizeof buf, CONF_WAIT_MS);
  assert_int_equal(n, 11);
  assert_memory_equal(buf, "pushed pipe", 11);
  assert_string_equal(view, "from child");
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "use_pushed child"), 0);
  assert_true(UnmapViewOfFile(view));
  assert_true(CloseHandle(map));
  assert_true(CloseHandle(ev));
  assert_true(CloseHandle(pr));
  assert_true(CloseHandle(to_child));
  conf_close_process(&pi);
}

/* Starts offer_handles with its stdout on a pipe and reads the three values it offers. */
static void start_offer_handles(PROCESS_INFORMATION *pi, HANDLE *from_child, HANDLE v[3]) {
  STARTUPINFOA si;
  HANDLE child_out;
  char line[VALUES_LEN + 1];
  conf_child_pipe(from_child, &child_out, FALSE, 0);
  conf_stdio_startup(&si, NULL, child_out, NULL);
  conf_spawn_self_or_fail("offer_handles", NULL, &si, TRUE, pi);
  assert_true(CloseHandle(child_out));
  conf_read_exact(*from_child, line, VALUES_LEN);
  line[VALUES_LEN] = '\0';
  if (!parse_values(line, v))
    fail_msg("the child wrote '%s', not three handle values", line);
}

/* Takes the child's mapping with DUPLICATE_CLOSE_SOURCE; returns a view of it. */
static char *take_child_mapping(HANDLE process, HANDLE remote, HANDLE *m) {
  char *view;
  if (!DuplicateHandle(process, remote, GetCurrentProcess(), m, 0, FALSE,
                       DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE))
    fail_msg("DuplicateHandle of the child's mapping failed with error %lu",
             (unsigned long)GetLastError());
  view = (char *)MapViewOfFile(*m, FILE_MAP_READ, 0, 0, 0);
  assert_non_null(view);
  assert_string_equal(view, "from child");
  return view;
}

/* Takes the child's event 1, sets it (the child then checks its handles and exits) and
 * checks the exit code; what was taken from the child outlives it. */
static void release_offer_handles(PROCESS_INFORMATION *pi, HANDLE remote_e1, char *view) {
  HANDLE e1;
  if (!DuplicateHandle(pi->hProcess, remote_e1, GetCurrentProcess(), &e1, 0, FALSE,
                       DUPLICATE_SAME_ACCESS))
    fail_msg("DuplicateHandle of the child's event failed with error %lu",
             (unsigned long)GetLastError());
  assert_true(SetEvent(e1));
  assert_int_equal(conf_wait_exit(pi->hProcess, CONF_WAIT_MS, "offer_handles child"), 0);
  assert_string_equal(view, "from child");
  assert_int_equal(WaitForSingleObject(e1, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(e1));
}

/* DuplicateHandle out of a child: a mapping and an event taken with
 * DUPLICATE_CLOSE_SOURCE (gone in the child), an event taken and set; a garbage source
 * value in the child, a garbage or non-process source or target process are
 * ERROR_INVALID_HANDLE. */
static void duplicate_from_child_process(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  HANDLE from_child, v[3], m, e2, ev;
  char *view;
  start_offer_handles(&pi, &from_child, v);
  expect_duplicate_fails(pi.hProcess, GARBAGE_HANDLE, GetCurrentProcess(), ERROR_INVALID_HANDLE,
                         "garbage source in the child");
  ev = new_event(TRUE, FALSE);
  expect_duplicate_fails(GetCurrentProcess(), ev, GARBAGE_HANDLE, ERROR_INVALID_HANDLE,
                         "garbage target process");
  expect_duplicate_fails(GetCurrentProcess(), ev, ev, ERROR_INVALID_HANDLE,
                         "an event as the target process");
  expect_duplicate_fails(ev, v[1], GetCurrentProcess(), ERROR_INVALID_HANDLE,
                         "an event as the source process");
  view = take_child_mapping(pi.hProcess, v[0], &m);
  if (!DuplicateHandle(pi.hProcess, v[2], GetCurrentProcess(), &e2, 0, FALSE,
                       DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE))
    fail_msg("DuplicateHandle of the child's event 2 failed with error %lu",
             (unsigned long)GetLastError());
  assert_true(CloseHandle(e2));
  release_offer_handles(&pi, v[1], view);
  assert_true(UnmapViewOfFile(view));
  assert_true(CloseHandle(m));
  assert_true(CloseHandle(ev));
  assert_true(CloseHandle(from_child));
  conf_close_process(&pi);
}

/* DUPLICATE_CLOSE_SOURCE with a NULL target process closes the handle in the source
 * process and succeeds (ZwDuplicateObject: the target process "can be specified as NULL
 * if the DUPLICATE_CLOSE_SOURCE flag is set"); the child sees the handle gone. */
static void close_in_child_with_null_target(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  HANDLE from_child, v[3], m;
  BOOL ok;
  char *view;
  start_offer_handles(&pi, &from_child, v);
  view = take_child_mapping(pi.hProcess, v[0], &m);
  SetLastError(0);
  ok = DuplicateHandle(pi.hProcess, v[2], NULL, NULL, 0, FALSE, DUPLICATE_CLOSE_SOURCE);
  release_offer_handles(&pi, v[1], view); /* the child checks the handle is gone */
  if (!ok)
    fail_msg("closing the child's handle (NULL target) returned FALSE, error %lu",
             (unsigned long)GetLastError());
  assert_true(UnmapViewOfFile(view));
  assert_true(CloseHandle(m));
  assert_true(CloseHandle(from_child));
  conf_close_process(&pi);
}

/* DuplicateHandle of the GetCurrentProcess() pseudo-handle gives a real process handle:
 * its id is ours, it is not signalled, the exit code is STILL_ACTIVE, and it closes. */
static void duplicate_current_process_pseudo_handle(void **state) {
  (void)state;
  HANDLE h = NULL;
  DWORD code = 0;
  if (!DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), &h, 0,
                       FALSE, DUPLICATE_SAME_ACCESS))
    fail_msg("DuplicateHandle(GetCurrentProcess()) failed with error %lu",
             (unsigned long)GetLastError());
  assert_true(h != GetCurrentProcess());
  assert_int_equal((ULONG_PTR)h & 3, 0);
  assert_int_equal(GetProcessId(h), GetCurrentProcessId());
  assert_int_equal(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
  assert_true(GetExitCodeProcess(h, &code));
  assert_int_equal(code, STILL_ACTIVE);
  assert_true(CloseHandle(h));
  expect_close_invalid(h, "a closed duplicate of GetCurrentProcess()");
}

#define T(f) cmocka_unit_test_teardown(f, conf_reap_children)
static const struct CMUnitTest tests[] = {
    T(close_twice_is_invalid_handle),
    T(close_null_and_garbage_is_invalid_handle),
    T(handle_values_are_multiples_of_4),
    T(duplicate_same_access_is_same_object),
    T(duplicate_with_synchronize_only_cannot_set),
    T(duplicate_with_modify_state_only_can_set),
    T(duplicate_close_source_closes_source),
    T(duplicate_invalid_source_is_invalid_handle),
    T(inherit_flag_get_and_set),
    T(protect_from_close_keeps_handle_open),
    T(handle_information_on_invalid_handle),
    T(inheritable_event_is_usable_in_child),
    T(non_inheritable_event_is_not_in_child),
    T(duplicate_into_child_process),
    T(duplicate_from_child_process),
    T(close_in_child_with_null_target),
    T(duplicate_current_process_pseudo_handle),
};

CONF_MAIN_WITH_ROLES(tests, roles)
