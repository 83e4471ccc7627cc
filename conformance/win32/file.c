/* Regular files and standard handles: CreateFile's five dispositions with their error
 * codes, ReadFile/WriteFile (0 bytes at end of file), GetFileType, GetFileSize(Ex),
 * SetFilePointer(Ex) with its error conventions, per-handle access, per-open file pointers,
 * DeleteFile, GetStdHandle/SetStdHandle. Files live in the current directory, named
 * conf-file-<pid>-<tag>.tmp, and are deleted by each case (and its teardown). */
#include "conformance.h"

#include <stdio.h>
#include <string.h>
#include <windows.h>

#define RW (GENERIC_READ | GENERIC_WRITE)
#define SHARE_RW (FILE_SHARE_READ | FILE_SHARE_WRITE)

static const char *tmp_name(char tag) {
  static char names[26][64];
  char *s = names[(tag - 'a') % 26];
  snprintf(s, sizeof names[0], "conf-file-%lu-%c.tmp", (unsigned long)GetCurrentProcessId(),
           tag);
  return s;
}

/* Teardown: whatever a failed case left behind. */
static int remove_files(void **state) {
  char tag;
  (void)state;
  for (tag = 'a'; tag <= 'e'; ++tag)
    DeleteFileA(tmp_name(tag));
  return 0;
}

static HANDLE open_file(const char *name, DWORD access, DWORD disposition) {
  HANDLE h;
  SetLastError(0xdead);
  h = CreateFileA(name, access, SHARE_RW, NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE)
    fail_msg("CreateFileA(%s, disposition %lu) failed with error %lu", name,
             (unsigned long)disposition, (unsigned long)GetLastError());
  return h;
}

static void expect_open_error(const char *name, DWORD access, DWORD disposition, DWORD err) {
  HANDLE h;
  SetLastError(0);
  h = CreateFileA(name, access, SHARE_RW, NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h != INVALID_HANDLE_VALUE) {
    CloseHandle(h);
    fail_msg("CreateFileA(%s, disposition %lu) succeeded, want error %lu", name,
             (unsigned long)disposition, (unsigned long)err);
  }
  assert_int_equal(GetLastError(), err);
}

static void put(HANDLE h, const char *s) {
  DWORD n = 0xdead, len = (DWORD)strlen(s);
  assert_true(WriteFile(h, s, len, &n, NULL));
  assert_int_equal(n, len);
}

/* Creates name holding exactly s. */
static void make_file(const char *name, const char *s) {
  HANDLE h = open_file(name, GENERIC_WRITE, CREATE_ALWAYS);
  put(h, s);
  assert_true(CloseHandle(h));
}

static DWORD size_of(HANDLE h) {
  DWORD high = 0xdead;
  DWORD low = GetFileSize(h, &high);
  assert_int_equal(high, 0);
  return low;
}

/* Reads the whole file through a fresh handle. */
static void assert_contents(const char *name, const char *want) {
  HANDLE h = open_file(name, GENERIC_READ, OPEN_EXISTING);
  char buf[256];
  DWORD n = 0;
  assert_true(ReadFile(h, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, strlen(want));
  assert_memory_equal(buf, want, n);
  assert_true(CloseHandle(h));
}

static void delete_file(const char *name) {
  if (!DeleteFileA(name))
    fail_msg("DeleteFileA(%s) failed with error %lu", name, (unsigned long)GetLastError());
}

static void create_new_fails_if_file_exists(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h = open_file(a, RW, CREATE_NEW);
  assert_non_null(h);
  assert_true(CloseHandle(h));
  expect_open_error(a, RW, CREATE_NEW, ERROR_FILE_EXISTS);
  delete_file(a);
}

static void create_always_truncates_and_reports_already_exists(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h;
  /* On a new file: created, last error set to zero. */
  h = open_file(a, RW, CREATE_ALWAYS);
  assert_int_equal(GetLastError(), 0);
  put(h, "0123456789");
  assert_true(CloseHandle(h));
  /* On an existing file: success, ERROR_ALREADY_EXISTS, and the file is emptied. */
  h = open_file(a, RW, CREATE_ALWAYS);
  assert_int_equal(GetLastError(), ERROR_ALREADY_EXISTS);
  assert_int_equal(size_of(h), 0);
  assert_true(CloseHandle(h));
  delete_file(a);
}

static void open_existing_on_missing_file_is_file_not_found(void **state) {
  (void)state;
  expect_open_error(tmp_name('b'), GENERIC_READ, OPEN_EXISTING, ERROR_FILE_NOT_FOUND);
  expect_open_error(tmp_name('b'), RW, OPEN_EXISTING, ERROR_FILE_NOT_FOUND);
}

static void open_always_creates_or_opens(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h;
  h = open_file(a, RW, OPEN_ALWAYS);
  assert_int_equal(GetLastError(), 0);
  put(h, "kept");
  assert_true(CloseHandle(h));
  h = open_file(a, RW, OPEN_ALWAYS);
  assert_int_equal(GetLastError(), ERROR_ALREADY_EXISTS);
  assert_int_equal(size_of(h), 4);
  assert_true(CloseHandle(h));
  assert_contents(a, "kept");
  delete_file(a);
}

static void truncate_existing_empties_file(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h;
  expect_open_error(a, GENERIC_WRITE, TRUNCATE_EXISTING, ERROR_FILE_NOT_FOUND);
  make_file(a, "some content");
  h = open_file(a, GENERIC_WRITE, TRUNCATE_EXISTING);
  assert_int_equal(size_of(h), 0);
  put(h, "new");
  assert_true(CloseHandle(h));
  assert_contents(a, "new");
  delete_file(a);
}

static void write_then_read_back_and_zero_bytes_at_eof(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h = open_file(a, RW, CREATE_NEW);
  char buf[32];
  DWORD n = 0;
  put(h, "hello, ");
  put(h, "file");
  /* The file pointer is at the end: reading there is success with 0 bytes, not an error. */
  n = 77;
  SetLastError(0);
  assert_true(ReadFile(h, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 0);
  assert_int_equal(SetFilePointer(h, 0, NULL, FILE_BEGIN), 0);
  assert_true(ReadFile(h, buf, 5, &n, NULL));
  assert_int_equal(n, 5);
  assert_memory_equal(buf, "hello", 5);
  assert_true(ReadFile(h, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 6);
  assert_memory_equal(buf, ", file", 6);
  n = 77;
  assert_true(ReadFile(h, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 0);
  assert_true(CloseHandle(h));
  assert_contents(a, "hello, file");
  delete_file(a);
}

static void get_file_type_disk_and_pipe(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h = open_file(a, RW, CREATE_NEW), r, w;
  assert_int_equal(GetFileType(h), FILE_TYPE_DISK);
  assert_true(CloseHandle(h));
  assert_true(CreatePipe(&r, &w, NULL, 0));
  assert_int_equal(GetFileType(r), FILE_TYPE_PIPE);
  assert_int_equal(GetFileType(w), FILE_TYPE_PIPE);
  assert_true(CloseHandle(r));
  assert_true(CloseHandle(w));
  delete_file(a);
}

static void get_file_size_and_size_ex(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h = open_file(a, RW, CREATE_NEW);
  LARGE_INTEGER size;
  DWORD high = 0xdead;
  assert_int_equal(GetFileSize(h, &high), 0);
  assert_int_equal(high, 0);
  put(h, "twelve bytes");
  high = 0xdead;
  assert_int_equal(GetFileSize(h, &high), 12);
  assert_int_equal(high, 0);
  assert_int_equal(GetFileSize(h, NULL), 12);
  size.QuadPart = -1;
  assert_true(GetFileSizeEx(h, &size));
  assert_int_equal(size.QuadPart, 12);
  assert_true(CloseHandle(h));
  delete_file(a);
}

static void set_file_pointer_begin_current_end(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h = open_file(a, RW, CREATE_NEW);
  char c = 0;
  DWORD n = 0;
  put(h, "0123456789");
  assert_int_equal(SetFilePointer(h, 3, NULL, FILE_BEGIN), 3);
  assert_true(ReadFile(h, &c, 1, &n, NULL));
  assert_int_equal(c, '3');
  assert_int_equal(SetFilePointer(h, 2, NULL, FILE_CURRENT), 6);
  assert_int_equal(SetFilePointer(h, -2, NULL, FILE_CURRENT), 4);
  assert_int_equal(SetFilePointer(h, 0, NULL, FILE_CURRENT), 4);
  assert_int_equal(SetFilePointer(h, -1, NULL, FILE_END), 9);
  assert_true(ReadFile(h, &c, 1, &n, NULL));
  assert_int_equal(n, 1);
  assert_int_equal(c, '9');
  assert_int_equal(SetFilePointer(h, 0, NULL, FILE_END), 10);
  /* Past the end is allowed; the size changes only when something is written there. */
  assert_int_equal(SetFilePointer(h, 5, NULL, FILE_END), 15);
  assert_int_equal(size_of(h), 10);
  put(h, "x");
  assert_int_equal(size_of(h), 16);
  assert_true(CloseHandle(h));
  delete_file(a);
}

static void set_file_pointer_high_word(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h = open_file(a, RW, CREATE_NEW);
  LONG high = 1;
  put(h, "abc");
  /* 2^32 + 5: the low word is returned, the high word written back. */
  SetLastError(0xdead);
  assert_int_equal(SetFilePointer(h, 5, &high, FILE_BEGIN), 5);
  assert_int_equal(high, 1);
  high = 0;
  assert_int_equal(SetFilePointer(h, 0, &high, FILE_CURRENT), 5);
  assert_int_equal(high, 1);
  assert_int_equal(size_of(h), 3);
  high = 0;
  assert_int_equal(SetFilePointer(h, 1, &high, FILE_BEGIN), 1);
  assert_int_equal(high, 0);
  assert_true(CloseHandle(h));
  delete_file(a);
}

static void set_file_pointer_negative_is_error_negative_seek(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h = open_file(a, RW, CREATE_NEW);
  LARGE_INTEGER move, pos;
  put(h, "0123456789");
  assert_int_equal(SetFilePointer(h, 4, NULL, FILE_BEGIN), 4);
  SetLastError(0);
  assert_int_equal(SetFilePointer(h, -1, NULL, FILE_BEGIN), INVALID_SET_FILE_POINTER);
  assert_int_equal(GetLastError(), ERROR_NEGATIVE_SEEK);
  SetLastError(0);
  assert_int_equal(SetFilePointer(h, -5, NULL, FILE_CURRENT), INVALID_SET_FILE_POINTER);
  assert_int_equal(GetLastError(), ERROR_NEGATIVE_SEEK);
  SetLastError(0);
  assert_int_equal(SetFilePointer(h, -11, NULL, FILE_END), INVALID_SET_FILE_POINTER);
  assert_int_equal(GetLastError(), ERROR_NEGATIVE_SEEK);
  move.QuadPart = -20;
  pos.QuadPart = 77;
  SetLastError(0);
  assert_false(SetFilePointerEx(h, move, &pos, FILE_CURRENT));
  assert_int_equal(GetLastError(), ERROR_NEGATIVE_SEEK);
  assert_true(CloseHandle(h));
  delete_file(a);
}

static void set_file_pointer_ex_moves_and_reports(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h = open_file(a, RW, CREATE_NEW);
  LARGE_INTEGER move, pos;
  char c = 0;
  DWORD n = 0;
  put(h, "abcdefgh");
  move.QuadPart = 2;
  pos.QuadPart = -1;
  assert_true(SetFilePointerEx(h, move, &pos, FILE_BEGIN));
  assert_int_equal(pos.QuadPart, 2);
  move.QuadPart = 3;
  assert_true(SetFilePointerEx(h, move, &pos, FILE_CURRENT));
  assert_int_equal(pos.QuadPart, 5);
  assert_true(ReadFile(h, &c, 1, &n, NULL));
  assert_int_equal(c, 'f');
  move.QuadPart = -8;
  assert_true(SetFilePointerEx(h, move, &pos, FILE_END));
  assert_int_equal(pos.QuadPart, 0);
  move.QuadPart = 0x100000004LL;
  assert_true(SetFilePointerEx(h, move, NULL, FILE_BEGIN));
  move.QuadPart = 0;
  assert_true(SetFilePointerEx(h, move, &pos, FILE_CURRENT));
  assert_int_equal(pos.QuadPart, 0x100000004LL);
  assert_true(CloseHandle(h));
  delete_file(a);
}

static void access_is_checked_per_handle(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE w, r;
  char buf[8];
  DWORD n = 77;
  w = open_file(a, GENERIC_WRITE, CREATE_NEW);
  put(w, "data");
  SetLastError(0);
  assert_false(ReadFile(w, buf, sizeof buf, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
  assert_int_equal(n, 0);
  r = open_file(a, GENERIC_READ, OPEN_EXISTING);
  SetLastError(0);
  assert_false(WriteFile(r, "x", 1, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
  assert_true(ReadFile(r, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 4);
  assert_memory_equal(buf, "data", 4);
  assert_true(CloseHandle(w));
  assert_true(CloseHandle(r));
  delete_file(a);
}

static void separate_opens_have_separate_file_pointers(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h1, h2, dup = NULL;
  char c = 0;
  DWORD n = 0;
  make_file(a, "0123456789");
  h1 = open_file(a, GENERIC_READ, OPEN_EXISTING);
  h2 = open_file(a, GENERIC_READ, OPEN_EXISTING);
  assert_int_equal(SetFilePointer(h1, 7, NULL, FILE_BEGIN), 7);
  assert_true(ReadFile(h2, &c, 1, &n, NULL));
  assert_int_equal(c, '0');
  /* A duplicate is the same open file: it shares the pointer. */
  assert_true(DuplicateHandle(GetCurrentProcess(), h1, GetCurrentProcess(), &dup, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
  assert_true(ReadFile(dup, &c, 1, &n, NULL));
  assert_int_equal(c, '7');
  assert_int_equal(SetFilePointer(h1, 0, NULL, FILE_CURRENT), 8);
  assert_true(CloseHandle(dup));
  assert_true(CloseHandle(h1));
  assert_true(CloseHandle(h2));
  delete_file(a);
}

static void delete_file_removes_it(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  make_file(a, "x");
  assert_true(DeleteFileA(a));
  expect_open_error(a, GENERIC_READ, OPEN_EXISTING, ERROR_FILE_NOT_FOUND);
  SetLastError(0);
  assert_false(DeleteFileA(a));
  assert_int_equal(GetLastError(), ERROR_FILE_NOT_FOUND);
}

static void create_file_w_and_create_file_a_name_the_same_file(void **state) {
  (void)state;
  const char *a = tmp_name('c');
  WCHAR wname[64];
  HANDLE h;
  size_t i;
  for (i = 0; a[i]; ++i)
    wname[i] = (WCHAR)a[i];
  wname[i] = 0;
  SetLastError(0xdead);
  h = CreateFileW(wname, RW, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE)
    fail_msg("CreateFileW(%s) failed with error %lu", a, (unsigned long)GetLastError());
  put(h, "wide");
  assert_true(CloseHandle(h));
  assert_contents(a, "wide");
  SetLastError(0);
  h = CreateFileW(wname, GENERIC_READ, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
  assert_true(h == INVALID_HANDLE_VALUE);
  assert_int_equal(GetLastError(), ERROR_FILE_EXISTS);
  delete_file(a);
}

static void closed_file_handle_is_invalid_handle(void **state) {
  (void)state;
  const char *a = tmp_name('a');
  HANDLE h = open_file(a, RW, CREATE_NEW);
  LARGE_INTEGER size;
  DWORD n = 0;
  char c;
  assert_true(CloseHandle(h));
  SetLastError(0);
  assert_int_equal(GetFileSize(h, NULL), INVALID_FILE_SIZE);
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_false(GetFileSizeEx(h, &size));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_int_equal(SetFilePointer(h, 0, NULL, FILE_BEGIN), INVALID_SET_FILE_POINTER);
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_int_equal(GetFileType(h), FILE_TYPE_UNKNOWN);
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  SetLastError(0);
  assert_false(ReadFile(h, &c, 1, &n, NULL));
  assert_int_equal(GetLastError(), ERROR_INVALID_HANDLE);
  delete_file(a);
}

static void std_handles_get_and_set(void **state) {
  (void)state;
  const char *a = tmp_name('d');
  HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
  HANDLE f, cur;
  DWORD n = 0;
  assert_true(out != INVALID_HANDLE_VALUE);
  assert_true(GetStdHandle(STD_INPUT_HANDLE) != INVALID_HANDLE_VALUE);
  assert_true(GetStdHandle(STD_ERROR_HANDLE) != INVALID_HANDLE_VALUE);
  f = open_file(a, RW, CREATE_NEW);
  assert_true(SetStdHandle(STD_OUTPUT_HANDLE, f));
  cur = GetStdHandle(STD_OUTPUT_HANDLE);
  /* Restore before asserting, so a failure does not leave stdout pointing at the file. */
  if (cur == f) {
    if (!WriteFile(cur, "via std", 7, &n, NULL))
      n = 0;
  }
  assert_true(SetStdHandle(STD_OUTPUT_HANDLE, out));
  assert_true(cur == f);
  assert_int_equal(n, 7);
  assert_true(GetStdHandle(STD_OUTPUT_HANDLE) == out);
  assert_true(CloseHandle(f));
  assert_contents(a, "via std");
  delete_file(a);
}

#define T(f) cmocka_unit_test_teardown(f, remove_files)
static const struct CMUnitTest tests[] = {
    T(create_new_fails_if_file_exists),
    T(create_always_truncates_and_reports_already_exists),
    T(open_existing_on_missing_file_is_file_not_found),
    T(open_always_creates_or_opens),
    T(truncate_existing_empties_file),
    T(write_then_read_back_and_zero_bytes_at_eof),
    T(get_file_type_disk_and_pipe),
    T(get_file_size_and_size_ex),
    T(set_file_pointer_begin_current_end),
    T(set_file_pointer_high_word),
    T(set_file_pointer_negative_is_error_negative_seek),
    T(set_file_pointer_ex_moves_and_reports),
    T(access_is_checked_per_handle),
    T(separate_opens_have_separate_file_pointers),
    T(delete_file_removes_it),
    T(create_file_w_and_create_file_a_name_the_same_file),
    T(closed_file_handle_is_invalid_handle),
    T(std_handles_get_and_set),
};

CONF_MAIN(tests)
