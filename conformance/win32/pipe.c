/* CreatePipe: anonymous pipes as Win32 programs use them — ReadFile/WriteFile, partial
 * reads, ERROR_BROKEN_PIPE at EOF, ERROR_NO_DATA with no reader, access checks per end,
 * PeekNamedPipe, inheritable handles, closed handles. */
#include "conformance.h"

#include <string.h>
#include <windows.h>

static void make_pipe(HANDLE *r, HANDLE *w) {
  *r = *w = NULL;
  assert_true(CreatePipe(r, w, NULL, 0));
  assert_non_null(*r);
  assert_non_null(*w);
  assert_true(*r != INVALID_HANDLE_VALUE);
  assert_true(*w != INVALID_HANDLE_VALUE);
  assert_true(*r != *w);
}

static void put(HANDLE w, const char *s) {
  DWORD n = 0xdead;
  DWORD len = (DWORD)strlen(s);
  assert_true(WriteFile(w, s, len, &n, NULL));
  assert_int_equal(n, len);
}

static void createpipe_write_then_read(void **state) {
  (void)state;
  HANDLE r, w;
  char buf[32] = {0};
  DWORD n = 0;
  make_pipe(&r, &w);
  put(w, "hello, pipe");
  assert_true(ReadFile(r, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 11);
  assert_memory_equal(buf, "hello, pipe", 11);
  assert_true(CloseHandle(r));
  assert_true(CloseHandle(w));
}

static void createpipe_read_returns_what_is_there(void **state) {
  (void)state;
  HANDLE r, w;
  char buf[64];
  DWORD n = 0;
  make_pipe(&r, &w);
  put(w, "0123456789");
  assert_true(ReadFile(r, buf, 4, &n, NULL));
  assert_int_equal(n, 4);
  assert_memory_equal(buf, "0123", 4);
  assert_true(ReadFile(r, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 6);
  assert_memory_equal(buf, "456789", 6);
  CloseHandle(r);
  CloseHandle(w);
}

static void createpipe_eof_is_error_broken_pipe(void **state) {
  (void)state;
  HANDLE r, w;
  char buf[16];
  DWORD n = 0;
  make_pipe(&r, &w);
  put(w, "end");
  assert_true(CloseHandle(w));
  assert_true(ReadFile(r, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 3);
  n = 77;
  SetLastError(0);
  assert_false(ReadFile(r, buf, sizeof buf, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_BROKEN_PIPE);
  assert_int_equal(n, 0);
  /* And again: EOF is sticky. */
  SetLastError(0);
  assert_false(ReadFile(r, buf, sizeof buf, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_BROKEN_PIPE);
  CloseHandle(r);
}

static void createpipe_write_without_reader_is_error_no_data(void **state) {
  (void)state;
  HANDLE r, w;
  DWORD n = 77;
  make_pipe(&r, &w);
  assert_true(CloseHandle(r));
  /* The writer gets an error code, and the process is not killed (no SIGPIPE). */
  SetLastError(0);
  assert_false(WriteFile(w, "x", 1, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_NO_DATA);
  assert_int_equal(n, 0);
  CloseHandle(w);
}

static void createpipe_wrong_end_is_access_denied(void **state) {
  (void)state;
  HANDLE r, w;
  char c = 'x';
  DWORD n = 0;
  make_pipe(&r, &w);
  SetLastError(0);
  assert_false(ReadFile(w, &c, 1, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
  SetLastError(0);
  assert_false(WriteFile(r, &c, 1, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
  CloseHandle(r);
  CloseHandle(w);
}

static void createpipe_peek_does_not_consume(void **state) {
  (void)state;
  HANDLE r, w;
  char buf[16] = {0};
  DWORD got = 99, avail = 99, left = 99, n = 0;
  make_pipe(&r, &w);
  assert_true(PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL));
  assert_int_equal(avail, 0);
  put(w, "peekaboo");
  assert_true(PeekNamedPipe(r, buf, 4, &got, &avail, &left));
  assert_int_equal(got, 4);
  assert_int_equal(avail, 8);
  assert_memory_equal(buf, "peek", 4);
  assert_true(ReadFile(r, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 8);
  assert_memory_equal(buf, "peekaboo", 8);
  CloseHandle(r);
  CloseHandle(w);
}

static void createpipe_inheritable_per_security_attributes(void **state) {
  (void)state;
  HANDLE r, w;
  DWORD flags = 0xff;
  SECURITY_ATTRIBUTES sa;
  sa.nLength = sizeof sa;
  sa.lpSecurityDescriptor = NULL;
  sa.bInheritHandle = TRUE;
  assert_true(CreatePipe(&r, &w, &sa, 4096));
  assert_true(GetHandleInformation(r, &flags));
  assert_int_equal(flags & HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  assert_true(GetHandleInformation(w, &flags));
  assert_int_equal(flags & HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  CloseHandle(r);
  CloseHandle(w);
  make_pipe(&r, &w);
  assert_true(GetHandleInformation(r, &flags));
  assert_int_equal(flags & HANDLE_FLAG_INHERIT, 0);
  CloseHandle(r);
  CloseHandle(w);
}

static void closed_handle_is_error_invalid_handle(void **state) {
  (void)state;
  HANDLE r, w;
  char c = 'x';
  DWORD n = 0;
  make_pipe(&r, &w);
  assert_true(CloseHandle(r));
  assert_true(CloseHandle(w));
  SetLastError(0);
  assert_false(CloseHandle(r));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_false(ReadFile(r, &c, 1, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_false(WriteFile(w, &c, 1, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(createpipe_write_then_read),
    cmocka_unit_test(createpipe_read_returns_what_is_there),
    cmocka_unit_test(createpipe_eof_is_error_broken_pipe),
    cmocka_unit_test(createpipe_write_without_reader_is_error_no_data),
    cmocka_unit_test(createpipe_wrong_end_is_access_denied),
    cmocka_unit_test(createpipe_peek_does_not_consume),
    cmocka_unit_test(createpipe_inheritable_per_security_attributes),
    cmocka_unit_test(closed_handle_is_error_invalid_handle),
};

CONF_MAIN(tests)
