/* File mappings: a named page-file-backed mapping shared by two processes under a named
 * mutex (the seeds' shared-memory pattern); an unnamed mapping inherited by a child; file-backed
 * mappings (write-through to the file, size 0 = the file's size, growing the file, empty and
 * read-only files, a read-only mapping larger than its file); copy-on-write views; the 64 KiB
 * allocation granularity of view offsets; access checks between handles, protections and
 * views; names (existing name, unknown name, a name held by a synchronisation object, reuse
 * after the last close, a view outliving its handle, the empty name); bad input; views at a
 * requested address; VirtualQuery on a view. Names and file names carry this process's id, so
 * parallel runs do not share them; every wait is bounded; every case's teardown terminates
 * children a failure left running and deletes the files the case created. Writes through a
 * read-only view fault on Windows and are not tried here. */
#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define WAIT_MS 10000u
#define NAME_CAP 128
#define GRAN 65536u
#define PAGE 4096u

/* ---- child roles: no CMocka here, the exit code is the verdict ---- */

/* The shared block of the counter case. */
struct shared_counter {
  DWORD magic;
  DWORD holder;        /* the process id inside the critical section, 0 outside */
  volatile LONG count; /* incremented non-atomically, under the mutex */
  LONG violations;     /* times someone found the section held by another process */
};
#define COUNTER_MAGIC 0x46494c45u

/* One increment under the mutex: 0, or an exit code. */
static int locked_increment(HANDLE m, struct shared_counter *c) {
  DWORD me = GetCurrentProcessId(), r;
  LONG v;
  r = WaitForSingleObject(m, WAIT_MS);
  if (r != WAIT_OBJECT_0)
    return 5;
  if (c->holder != 0)
    c->violations++;
  c->holder = me;
  v = c->count;
  c->count = v + 1;
  if (c->holder != me)
    c->violations++;
  c->holder = 0;
  return ReleaseMutex(m) ? 0 : 8;
}

/* argv: mapping name, mutex name, ready-event name, N. Opens the mapping and the mutex by
 * name, checks the parent's magic, signals ready and increments the shared counter N times
 * under the mutex: 0; 3 if an open failed, 4 if MapViewOfFile failed, 5 if the mutex was not
 * obtained within 10 s, 6 if the magic is missing, 8 if ReleaseMutex failed. */
static int role_count(int argc, char **argv) {
  HANDLE hm, m, ready;
  struct shared_counter *c;
  long i, n;
  int rc;
  if (argc < 4)
    return 2;
  n = strtol(argv[3], NULL, 10);
  hm = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, argv[0]);
  m = OpenMutexA(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, argv[1]);
  ready = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[2]);
  if (hm == NULL || m == NULL || ready == NULL) {
    fprintf(stderr, "count: OpenFileMappingA/OpenMutexA/OpenEventA failed with error %lu\n",
            (unsigned long)GetLastError());
    return 3;
  }
  c = (struct shared_counter *)MapViewOfFile(hm, FILE_MAP_WRITE, 0, 0, 0);
  if (c == NULL) {
    fprintf(stderr, "count: MapViewOfFile failed with error %lu\n",
            (unsigned long)GetLastError());
    return 4;
  }
  if (c->magic != COUNTER_MAGIC)
    return 6;
  if (!SetEvent(ready))
    return 7;
  for (i = 0; i < n; ++i)
    if ((rc = locked_increment(m, c)) != 0)
      return rc;
  UnmapViewOfFile(c);
  CloseHandle(hm);
  CloseHandle(m);
  CloseHandle(ready);
  return 0;
}

/* argv: an inherited mapping handle's value (decimal), its size. Maps it, checks the parent's
 * text at offset 0 and writes its own at offset 100 and at the last 16 bytes: 0; 3 on a bad
 * argument, 4 if MapViewOfFile failed, 6 if the parent's text is missing. */
static int role_write_inherited(int argc, char **argv) {
  HANDLE h;
  char *p, *end;
  unsigned long size;
  if (argc < 2)
    return 2;
  h = (HANDLE)(ULONG_PTR)strtoull(argv[0], &end, 10);
  if (*end != '\0')
    return 3;
  size = strtoul(argv[1], NULL, 10);
  p = (char *)MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
  if (p == NULL) {
    fprintf(stderr, "write_inherited: MapViewOfFile failed with error %lu\n",
            (unsigned long)GetLastError());
    return 4;
  }
  if (strcmp(p, "from the parent") != 0)
    return 6;
  strcpy(p + 100, "from the child");
  strcpy(p + size - 16, "child's tail");
  UnmapViewOfFile(p);
  CloseHandle(h);
  return 0;
}

static const struct conf_role roles[] = {
    {"count", role_count},
    {"write_inherited", role_write_inherited},
};

/* ---- helpers ---- */

static unsigned g_counter;

static void obj_name(char *buf, size_t cap, const char *tag) {
  snprintf(buf, cap, "conf-fm-%lu-%u-%s", (unsigned long)GetCurrentProcessId(), ++g_counter,
           tag);
}

/* Files a case created, deleted by the teardown. */
#define MAX_FILES 8
static char g_files[MAX_FILES][NAME_CAP];
static int g_nfiles;

static void file_name(char *buf, size_t cap) {
  snprintf(buf, cap, "conf-fm-%lu-%u.bin", (unsigned long)GetCurrentProcessId(), ++g_counter);
  if (g_nfiles < MAX_FILES)
    snprintf(g_files[g_nfiles++], NAME_CAP, "%s", buf);
}

static int teardown(void **state) {
  int i;
  conf_reap_children(state);
  for (i = 0; i < g_nfiles; ++i)
    DeleteFileA(g_files[i]);
  g_nfiles = 0;
  return 0;
}

/* Fails unless the view is NULL and GetLastError() is err. */
static void expect_no_view(void *p, DWORD err, const char *what) {
  DWORD e = GetLastError();
  if (p != NULL) {
    UnmapViewOfFile(p);
    fail_msg("%s: returned a view, want NULL with error %lu", what, (unsigned long)err);
  }
  if (e != err)
    fail_msg("%s: error %lu, want %lu", what, (unsigned long)e, (unsigned long)err);
}

static char *map_or_fail(HANDLE hm, DWORD access, DWORD off, SIZE_T len, const char *what) {
  char *p = (char *)MapViewOfFile(hm, access, 0, off, len);
  if (p == NULL)
    fail_msg("%s: MapViewOfFile failed with error %lu", what, (unsigned long)GetLastError());
  return p;
}

static HANDLE pagefile_mapping(DWORD protect, DWORD size, const char *name) {
  HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, protect, 0, size, name);
  if (h == NULL)
    fail_msg("CreateFileMappingA(INVALID_HANDLE_VALUE, 0x%lx, %lu, %s) failed with error %lu",
             (unsigned long)protect, (unsigned long)size, name ? name : "NULL",
             (unsigned long)GetLastError());
  return h;
}

static void unmap(void *p) {
  if (!UnmapViewOfFile(p))
    fail_msg("UnmapViewOfFile(%p) failed with error %lu", p, (unsigned long)GetLastError());
}

/* Byte i of the test files' pattern. */
static char pattern(size_t i) { return (char)('a' + (i * 7 + i / 251) % 26); }

/* Creates the file with len pattern bytes and returns it open with `access`. */
static HANDLE new_file(const char *name, DWORD len, DWORD access) {
  HANDLE f;
  DWORD done = 0;
  char buf[4096];
  DWORD at = 0;
  f = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                  FILE_ATTRIBUTE_NORMAL, NULL);
  if (f == INVALID_HANDLE_VALUE)
    fail_msg("CreateFileA(%s) failed with error %lu", name, (unsigned long)GetLastError());
  while (at < len) {
    DWORD n = len - at < sizeof buf ? len - at : (DWORD)sizeof buf, i;
    for (i = 0; i < n; ++i)
      buf[i] = pattern(at + i);
    if (!WriteFile(f, buf, n, &done, NULL) || done != n)
      fail_msg("WriteFile(%s) failed with error %lu", name, (unsigned long)GetLastError());
    at += n;
  }
  if (access == (GENERIC_READ | GENERIC_WRITE))
    return f;
  assert_true(CloseHandle(f));
  f = CreateFileA(name, access, 0, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  if (f == INVALID_HANDLE_VALUE)
    fail_msg("CreateFileA(%s, OPEN_EXISTING) failed with error %lu", name,
             (unsigned long)GetLastError());
  return f;
}

/* Reads the whole (closed) file through a new handle; returns its size. */
static DWORD read_file(const char *name, char *buf, DWORD cap) {
  HANDLE f = CreateFileA(name, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, NULL);
  DWORD total = 0, n = 0;
  if (f == INVALID_HANDLE_VALUE)
    fail_msg("CreateFileA(%s) for reading failed with error %lu", name,
             (unsigned long)GetLastError());
  for (;;) {
    if (!ReadFile(f, buf + total, cap - total, &n, NULL))
      fail_msg("ReadFile(%s) failed with error %lu", name, (unsigned long)GetLastError());
    if (n == 0)
      break;
    total += n;
    if (total == cap) {
      char extra;
      if (ReadFile(f, &extra, 1, &n, NULL) && n != 0)
        fail_msg("%s is larger than %lu bytes", name, (unsigned long)cap);
      break;
    }
  }
  assert_true(CloseHandle(f));
  return total;
}

static DWORD file_size(HANDLE f) {
  DWORD hi = 0, lo = GetFileSize(f, &hi);
  if (lo == INVALID_FILE_SIZE && GetLastError() != NO_ERROR)
    fail_msg("GetFileSize failed with error %lu", (unsigned long)GetLastError());
  assert_int_equal(hi, 0);
  return lo;
}

/* ---- two processes, one named mapping ---- */

#define INCREMENTS 2000

static void named_mapping_shared_with_child_under_named_mutex(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  char mapname[NAME_CAP], mutexname[NAME_CAP], readyname[NAME_CAP], args[4 * NAME_CAP];
  HANDLE hm, m, ready, hs[2];
  struct shared_counter *c;
  DWORD r;
  int i, rc;
  obj_name(mapname, sizeof mapname, "counter");
  obj_name(mutexname, sizeof mutexname, "mutex");
  obj_name(readyname, sizeof readyname, "ready");
  SetLastError(0xdead);
  hm = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, mapname);
  conf_expect_handle(hm, 0, "CreateFileMappingA(fresh name)");
  m = CreateMutexA(NULL, FALSE, mutexname);
  ready = CreateEventA(NULL, TRUE, FALSE, readyname);
  assert_non_null(m);
  assert_non_null(ready);
  c = (struct shared_counter *)map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "parent's view");
  /* Page-file-backed memory starts zeroed. */
  assert_int_equal(c->count, 0);
  assert_int_equal(c->holder, 0);
  c->magic = COUNTER_MAGIC;

  snprintf(args, sizeof args, "%s %s %s %d", mapname, mutexname, readyname, INCREMENTS);
  conf_spawn_self_or_fail("count", args, NULL, FALSE, &pi);
  hs[0] = ready;
  hs[1] = pi.hProcess;
  r = WaitForMultipleObjects(2, hs, FALSE, WAIT_MS);
  if (r == WAIT_OBJECT_0 + 1)
    fail_msg("the child exited (code %lu) before opening the mapping and the mutex by name",
             (unsigned long)conf_wait_exit(pi.hProcess, 0, "count child"));
  if (r != WAIT_OBJECT_0)
    fail_msg("the child did not open the named mapping within %u ms (wait returned 0x%lx)",
             WAIT_MS, (unsigned long)r);
  for (i = 0; i < INCREMENTS; ++i) {
    rc = locked_increment(m, c);
    if (rc == 5)
      fail_msg("the parent did not get the named mutex within %u ms", WAIT_MS);
    assert_int_equal(rc, 0);
  }
  r = conf_wait_exit(pi.hProcess, WAIT_MS, "count child");
  if (r != 0)
    fail_msg("the count child exited with %lu (3: open by name failed, 4: MapViewOfFile failed, "
             "5: mutex not obtained in time, 6: the parent's data not visible)",
             (unsigned long)r);
  conf_close_process(&pi);
  if (c->count != 2 * INCREMENTS)
    fail_msg("the shared counter is %ld after 2 x %d increments under the mutex",
             (long)c->count, INCREMENTS);
  assert_int_equal(c->violations, 0);
  unmap(c);
  assert_true(CloseHandle(ready));
  assert_true(CloseHandle(m));
  assert_true(CloseHandle(hm));
}

static void unnamed_mapping_inherited_by_child(void **state) {
  (void)state;
  PROCESS_INFORMATION pi;
  SECURITY_ATTRIBUTES sa;
  char args[64];
  HANDLE hm;
  char *p;
  DWORD code;
  const DWORD size = 2 * GRAN;
  sa.nLength = sizeof sa;
  sa.lpSecurityDescriptor = NULL;
  sa.bInheritHandle = TRUE;
  SetLastError(0xdead);
  hm = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, size, NULL);
  conf_expect_handle(hm, 0, "CreateFileMappingA(inheritable, unnamed)");
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "parent's view");
  strcpy(p, "from the parent");
  snprintf(args, sizeof args, "%llu %lu", (unsigned long long)(ULONG_PTR)hm,
           (unsigned long)size);
  conf_spawn_self_or_fail("write_inherited", args, NULL, TRUE, &pi);
  code = conf_wait_exit(pi.hProcess, WAIT_MS, "write_inherited child");
  if (code != 0)
    fail_msg("the write_inherited child exited with %lu (4: MapViewOfFile on the inherited "
             "handle failed, 6: the parent's data not visible)",
             (unsigned long)code);
  conf_close_process(&pi);
  /* The child's writes are in our view, mapped before the child ran. */
  assert_string_equal(p + 100, "from the child");
  assert_string_equal(p + size - 16, "child's tail");
  unmap(p);
  assert_true(CloseHandle(hm));
}

/* ---- file-backed mappings ---- */

static void file_view_writes_reach_the_file(void **state) {
  (void)state;
  char name[NAME_CAP], buf[3 * PAGE];
  const DWORD len = 2 * PAGE;
  HANDLE f, hm;
  char *p;
  DWORD i, n;
  file_name(name, sizeof name);
  f = new_file(name, len, GENERIC_READ | GENERIC_WRITE);
  hm = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
  if (hm == NULL)
    fail_msg("CreateFileMappingA(file) failed with error %lu", (unsigned long)GetLastError());
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "file view");
  /* The view shows the file. */
  for (i = 0; i < len; ++i)
    if (p[i] != pattern(i))
      fail_msg("byte %lu of the view is 0x%02x, the file has 0x%02x", (unsigned long)i,
               (unsigned char)p[i], (unsigned char)pattern(i));
  memcpy(p + 100, "written through the view", 24);
  memcpy(p + len - 8, "the end.", 8);
  assert_true(FlushViewOfFile(p, 0));
  unmap(p);
  assert_true(CloseHandle(hm));
  assert_int_equal(file_size(f), len);
  assert_true(CloseHandle(f));
  n = read_file(name, buf, sizeof buf);
  assert_int_equal(n, len);
  assert_memory_equal(buf + 100, "written through the view", 24);
  assert_memory_equal(buf + len - 8, "the end.", 8);
  for (i = 0; i < 100; ++i)
    assert_int_equal(buf[i], pattern(i));
  for (i = 124; i < len - 8; ++i)
    assert_int_equal(buf[i], pattern(i));
}

/* Size 0 maps the whole file: a view of the file's length fits, one byte more does not
 * (STATUS_INVALID_VIEW_SIZE -> ERROR_ACCESS_DENIED; the limit is the section's exact size,
 * not rounded to pages: Wine's dlls/kernel32/tests/virtual.c, test_MapViewOfFile, which
 * passes on Windows, maps a 0x3452-byte file section with 0x3452 and fails with 0x3453). */
static void file_mapping_size_zero_is_the_file_size(void **state) {
  (void)state;
  char name[NAME_CAP];
  const DWORD len = 10000;
  HANDLE f, hm;
  char *p;
  file_name(name, sizeof name);
  f = new_file(name, len, GENERIC_READ | GENERIC_WRITE);
  hm = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
  if (hm == NULL)
    fail_msg("CreateFileMappingA(file, size 0) failed with error %lu",
             (unsigned long)GetLastError());
  p = map_or_fail(hm, FILE_MAP_READ, 0, len, "view of the file's length");
  assert_int_equal(p[len - 1], pattern(len - 1));
  unmap(p);
  SetLastError(0);
  expect_no_view(MapViewOfFile(hm, FILE_MAP_READ, 0, 0, len + 1), ERROR_ACCESS_DENIED,
                 "MapViewOfFile(one byte more than the file)");
  assert_true(CloseHandle(hm));
  assert_int_equal(file_size(f), len);
  assert_true(CloseHandle(f));
}

static void file_mapping_larger_than_file_grows_it(void **state) {
  (void)state;
  char name[NAME_CAP], buf[3 * PAGE];
  const DWORD len = 100, size = 2 * PAGE;
  HANDLE f, hm;
  char *p;
  DWORD i, n;
  file_name(name, sizeof name);
  f = new_file(name, len, GENERIC_READ | GENERIC_WRITE);
  hm = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, size, NULL);
  if (hm == NULL)
    fail_msg("CreateFileMappingA(file of %lu bytes, size %lu) failed with error %lu",
             (unsigned long)len, (unsigned long)size, (unsigned long)GetLastError());
  /* learn.microsoft.com, CreateFileMappingA, Remarks: "If an application specifies a size
   * for the file mapping object that is larger than the size of the actual named file on disk
   * and if the page protection allows write access [...], then the file on disk is increased
   * to match the specified size of the file mapping object." */
  assert_int_equal(file_size(f), size);
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "view of the grown file");
  for (i = 0; i < len; ++i)
    assert_int_equal(p[i], pattern(i));
  for (i = len; i < size; ++i)
    if (p[i] != 0)
      fail_msg("byte %lu of the grown part is 0x%02x, want 0", (unsigned long)i,
               (unsigned char)p[i]);
  memcpy(p + size - 4, "tail", 4);
  unmap(p);
  assert_true(CloseHandle(hm));
  assert_true(CloseHandle(f));
  n = read_file(name, buf, sizeof buf);
  assert_int_equal(n, size);
  assert_memory_equal(buf + size - 4, "tail", 4);
  assert_int_equal(buf[len], 0);
}

/* learn.microsoft.com, CreateFileMappingA, dwMaximumSizeLow: "If this parameter and
 * dwMaximumSizeHigh are 0 (zero), the maximum size of the file mapping object is equal to the
 * current size of the file that hFile identifies. An attempt to map a file with a length of 0
 * (zero) fails with an error code of ERROR_FILE_INVALID." */
static void empty_file_with_size_zero_is_file_invalid(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE f;
  file_name(name, sizeof name);
  f = new_file(name, 0, GENERIC_READ | GENERIC_WRITE);
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL), ERROR_FILE_INVALID,
              "CreateFileMappingA(empty file, PAGE_READWRITE, size 0)");
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL), ERROR_FILE_INVALID,
              "CreateFileMappingA(empty file, PAGE_READONLY, size 0)");
  assert_int_equal(file_size(f), 0);
  assert_true(CloseHandle(f));
}

/* learn.microsoft.com, CreateFileMappingA, hFile: "The file must be opened with access
 * rights that are compatible with the protection flags that the flProtect parameter
 * specifies"; NtCreateSection fails with STATUS_ACCESS_DENIED. PAGE_READONLY and
 * PAGE_WRITECOPY only need read access. */
static void read_only_file_with_page_readwrite_is_access_denied(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE f, hm;
  char *p;
  file_name(name, sizeof name);
  f = new_file(name, PAGE, GENERIC_READ);
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL), ERROR_ACCESS_DENIED,
              "CreateFileMappingA(GENERIC_READ file, PAGE_READWRITE)");
  hm = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
  if (hm == NULL)
    fail_msg("CreateFileMappingA(GENERIC_READ file, PAGE_READONLY) failed with error %lu",
             (unsigned long)GetLastError());
  p = map_or_fail(hm, FILE_MAP_READ, 0, 0, "read view of a read-only file");
  assert_int_equal(p[10], pattern(10));
  unmap(p);
  assert_true(CloseHandle(hm));
  hm = CreateFileMappingA(f, NULL, PAGE_WRITECOPY, 0, 0, NULL);
  if (hm == NULL)
    fail_msg("CreateFileMappingA(GENERIC_READ file, PAGE_WRITECOPY) failed with error %lu",
             (unsigned long)GetLastError());
  assert_true(CloseHandle(hm));
  assert_true(CloseHandle(f));
}

/* A mapping larger than its file cannot grow it without write access: NtCreateSection
 * returns STATUS_SECTION_TOO_BIG (Wine's dlls/kernel32/tests/virtual.c, test_MapViewOfFile:
 * NtCreateSection(size 0x3457, PAGE_READONLY) on a 0x3456-byte file, a check that passes on
 * Windows), which RtlNtStatusToDosError maps to ERROR_NOT_ENOUGH_MEMORY. The file is not
 * changed. */
static void read_only_mapping_larger_than_file_fails(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE f;
  file_name(name, sizeof name);
  f = new_file(name, PAGE, GENERIC_READ | GENERIC_WRITE);
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 2 * PAGE, NULL),
              ERROR_NOT_ENOUGH_MEMORY, "CreateFileMappingA(PAGE_READONLY, larger than the file)");
  assert_int_equal(file_size(f), PAGE);
  assert_true(CloseHandle(f));
}

/* ---- copy-on-write views ---- */

static void copy_view_writes_are_private(void **state) {
  (void)state;
  HANDLE hm = pagefile_mapping(PAGE_READWRITE, GRAN, NULL);
  char *w, *c, *r;
  w = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "write view");
  strcpy(w, "shared");
  strcpy(w + 2 * PAGE, "page two");
  c = map_or_fail(hm, FILE_MAP_COPY, 0, 0, "copy view");
  assert_string_equal(c, "shared");
  strcpy(c, "private");
  assert_string_equal(c, "private");
  assert_string_equal(w, "shared");
  r = map_or_fail(hm, FILE_MAP_READ, 0, 0, "read view");
  assert_string_equal(r, "shared");
  /* A page the copy view has not written still shows the mapping ("When a process writes to
   * a copy-on-write page, the system copies the original page to a new page that is private
   * to the process", learn.microsoft.com, Memory Protection). */
  strcpy(w + 2 * PAGE, "page two, again");
  assert_string_equal(c + 2 * PAGE, "page two, again");
  /* ...and the written one is private for good. */
  strcpy(w, "shared, again");
  assert_string_equal(c, "private");
  unmap(c);
  unmap(r);
  unmap(w);
  assert_true(CloseHandle(hm));
}

static void copy_view_of_file_leaves_file_unchanged(void **state) {
  (void)state;
  char name[NAME_CAP], buf[2 * PAGE];
  const DWORD len = PAGE;
  HANDLE f, hm;
  char *c, *r;
  DWORD i, n;
  file_name(name, sizeof name);
  f = new_file(name, len, GENERIC_READ | GENERIC_WRITE);
  hm = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
  if (hm == NULL)
    fail_msg("CreateFileMappingA(file) failed with error %lu", (unsigned long)GetLastError());
  c = map_or_fail(hm, FILE_MAP_COPY, 0, 0, "copy view of a file");
  assert_int_equal(c[0], pattern(0));
  memcpy(c, "PRIVATE", 7);
  r = map_or_fail(hm, FILE_MAP_READ, 0, 0, "read view of a file");
  assert_int_equal(r[0], pattern(0));
  assert_true(FlushViewOfFile(c, 0));
  unmap(c);
  unmap(r);
  assert_true(CloseHandle(hm));
  assert_true(CloseHandle(f));
  n = read_file(name, buf, sizeof buf);
  assert_int_equal(n, len);
  for (i = 0; i < len; ++i)
    if (buf[i] != pattern(i))
      fail_msg("byte %lu of the file changed to 0x%02x after writes to a copy view",
               (unsigned long)i, (unsigned char)buf[i]);
}

/* ---- alignment ---- */

static void system_info_page_size_and_granularity(void **state) {
  (void)state;
  SYSTEM_INFO si;
  memset(&si, 0, sizeof si);
  GetSystemInfo(&si);
  assert_int_equal(si.dwAllocationGranularity, GRAN);
  assert_int_equal(si.dwPageSize, PAGE);
}

static void view_offset_must_be_granularity_aligned(void **state) {
  (void)state;
  HANDLE hm = pagefile_mapping(PAGE_READWRITE, 3 * GRAN, NULL);
  char *p, *q;
  DWORD bad[] = {PAGE, GRAN / 2, GRAN + PAGE, 1};
  size_t i;
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "whole view");
  strcpy(p + GRAN, "at 64K");
  strcpy(p + GRAN + PAGE, "at 68K");
  strcpy(p + 2 * GRAN, "at 128K");
  for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    char what[64];
    snprintf(what, sizeof what, "MapViewOfFile(offset %lu)", (unsigned long)bad[i]);
    SetLastError(0);
    expect_no_view(MapViewOfFile(hm, FILE_MAP_READ, 0, bad[i], PAGE), ERROR_MAPPED_ALIGNMENT,
                   what);
  }
  q = map_or_fail(hm, FILE_MAP_WRITE, GRAN, 0, "view at offset 64K");
  assert_string_equal(q, "at 64K");
  assert_string_equal(q + PAGE, "at 68K");
  assert_string_equal(q + GRAN, "at 128K");
  strcpy(q + 10, "via the offset view");
  assert_string_equal(p + GRAN + 10, "via the offset view");
  unmap(q);
  q = map_or_fail(hm, FILE_MAP_READ, 2 * GRAN, PAGE, "one page at offset 128K");
  assert_string_equal(q, "at 128K");
  unmap(q);
  unmap(p);
  assert_true(CloseHandle(hm));
}

/* ---- access ---- */

/* Wine's dlls/kernel32/tests/virtual.c, test_MapViewOfFile (passes on Windows):
 * OpenFileMappingA(FILE_MAP_READ) then MapViewOfFile(FILE_MAP_WRITE) fails with
 * ERROR_ACCESS_DENIED. */
static void read_handle_cannot_map_write_view(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE hm, ro;
  char *p, *q;
  obj_name(name, sizeof name, "ro");
  hm = pagefile_mapping(PAGE_READWRITE, PAGE, name);
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "write view");
  strcpy(p, "readable");
  ro = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
  if (ro == NULL)
    fail_msg("OpenFileMappingA(FILE_MAP_READ) failed with error %lu",
             (unsigned long)GetLastError());
  SetLastError(0);
  expect_no_view(MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, 0), ERROR_ACCESS_DENIED,
                 "MapViewOfFile(FILE_MAP_READ handle, FILE_MAP_WRITE)");
  SetLastError(0);
  expect_no_view(MapViewOfFile(ro, FILE_MAP_ALL_ACCESS, 0, 0, 0), ERROR_ACCESS_DENIED,
                 "MapViewOfFile(FILE_MAP_READ handle, FILE_MAP_ALL_ACCESS)");
  q = map_or_fail(ro, FILE_MAP_READ, 0, 0, "read view through a FILE_MAP_READ handle");
  assert_string_equal(q, "readable");
  unmap(q);
  /* A copy-on-write view needs only read access. */
  q = map_or_fail(ro, FILE_MAP_COPY, 0, 0, "copy view through a FILE_MAP_READ handle");
  strcpy(q, "mine");
  assert_string_equal(p, "readable");
  unmap(q);
  assert_true(CloseHandle(ro));
  unmap(p);
  assert_true(CloseHandle(hm));
}

/* Wine's dlls/kernel32/tests/virtual.c, test_MapViewOfFile (passes on Windows): a handle from
 * OpenFileMappingA(FILE_MAP_WRITE) maps FILE_MAP_WRITE views (SECTION_MAP_WRITE is enough for
 * them) and not FILE_MAP_READ ones (ERROR_ACCESS_DENIED). */
static void write_handle_maps_write_views_only(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE hm, wo;
  char *p, *q;
  obj_name(name, sizeof name, "wo");
  hm = pagefile_mapping(PAGE_READWRITE, PAGE, name);
  p = map_or_fail(hm, FILE_MAP_READ, 0, 0, "read view");
  wo = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name);
  if (wo == NULL)
    fail_msg("OpenFileMappingA(FILE_MAP_WRITE) failed with error %lu",
             (unsigned long)GetLastError());
  SetLastError(0);
  expect_no_view(MapViewOfFile(wo, FILE_MAP_READ, 0, 0, 0), ERROR_ACCESS_DENIED,
                 "MapViewOfFile(FILE_MAP_WRITE handle, FILE_MAP_READ)");
  q = map_or_fail(wo, FILE_MAP_WRITE, 0, 0, "write view through a FILE_MAP_WRITE handle");
  strcpy(q, "written");
  assert_string_equal(p, "written");
  unmap(q);
  assert_true(CloseHandle(wo));
  unmap(p);
  assert_true(CloseHandle(hm));
}

static void readonly_mapping_refuses_write_view(void **state) {
  (void)state;
  HANDLE hm = pagefile_mapping(PAGE_READONLY, PAGE, NULL);
  char *p;
  SetLastError(0);
  expect_no_view(MapViewOfFile(hm, FILE_MAP_WRITE, 0, 0, 0), ERROR_ACCESS_DENIED,
                 "MapViewOfFile(PAGE_READONLY mapping, FILE_MAP_WRITE)");
  p = map_or_fail(hm, FILE_MAP_READ, 0, 0, "read view of a PAGE_READONLY mapping");
  assert_int_equal(p[0], 0);
  unmap(p);
  assert_true(CloseHandle(hm));
}

/* NtMapViewOfSection fails a view larger than the section with STATUS_INVALID_VIEW_SIZE
 * (Wine's dlls/kernel32/tests/virtual.c, test_MapViewOfFile, passing on Windows), which
 * RtlNtStatusToDosError maps to ERROR_ACCESS_DENIED. A page-file section's size is rounded up
 * to whole pages. */
static void view_beyond_mapping_size_is_access_denied(void **state) {
  (void)state;
  HANDLE hm = pagefile_mapping(PAGE_READWRITE, 2 * GRAN, NULL);
  char *p;
  SetLastError(0);
  expect_no_view(MapViewOfFile(hm, FILE_MAP_READ, 0, 0, 2 * GRAN + 1), ERROR_ACCESS_DENIED,
                 "MapViewOfFile(size + 1 bytes)");
  SetLastError(0);
  expect_no_view(MapViewOfFile(hm, FILE_MAP_READ, 0, GRAN, GRAN + PAGE), ERROR_ACCESS_DENIED,
                 "MapViewOfFile(offset 64K, past the end)");
  p = (char *)MapViewOfFile(hm, FILE_MAP_READ, 0, GRAN, GRAN);
  if (p == NULL)
    fail_msg("MapViewOfFile(the last 64K) failed with error %lu", (unsigned long)GetLastError());
  unmap(p);
  assert_true(CloseHandle(hm));
}

/* ---- names ---- */

static void create_existing_name_returns_same_memory(void **state) {
  (void)state;
  char name[NAME_CAP];
  WCHAR wname[NAME_CAP];
  HANDLE a, b, w;
  char *pa, *pb, *pw;
  obj_name(name, sizeof name, "same");
  conf_to_wide(name, wname, NAME_CAP);
  SetLastError(0xdead);
  a = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, name);
  conf_expect_handle(a, 0, "CreateFileMappingA(fresh name)");
  SetLastError(0xdead);
  b = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, name);
  conf_expect_handle(b, ERROR_ALREADY_EXISTS, "CreateFileMappingA(existing name)");
  assert_true(a != b);
  SetLastError(0xdead);
  w = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, wname);
  conf_expect_handle(w, ERROR_ALREADY_EXISTS, "CreateFileMappingW(existing name)");
  pa = map_or_fail(a, FILE_MAP_WRITE, 0, 0, "view of the first handle");
  pb = map_or_fail(b, FILE_MAP_WRITE, 0, 0, "view of the second handle");
  pw = map_or_fail(w, FILE_MAP_READ, 0, 0, "view of the W handle");
  assert_true(pa != pb);
  strcpy(pa, "one mapping");
  assert_string_equal(pb, "one mapping");
  assert_string_equal(pw, "one mapping");
  strcpy(pb + 50, "both ways");
  assert_string_equal(pa + 50, "both ways");
  unmap(pw);
  assert_true(CloseHandle(w));
  w = OpenFileMappingW(FILE_MAP_READ, FALSE, wname);
  if (w == NULL)
    fail_msg("OpenFileMappingW failed with error %lu", (unsigned long)GetLastError());
  pw = map_or_fail(w, FILE_MAP_READ, 0, 0, "view of OpenFileMappingW's handle");
  assert_string_equal(pw, "one mapping");
  unmap(pw);
  unmap(pb);
  unmap(pa);
  assert_true(CloseHandle(w));
  assert_true(CloseHandle(b));
  assert_true(CloseHandle(a));
}

static void open_unknown_name_is_file_not_found(void **state) {
  (void)state;
  char name[NAME_CAP];
  WCHAR wname[NAME_CAP];
  obj_name(name, sizeof name, "missing");
  conf_to_wide(name, wname, NAME_CAP);
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name), ERROR_FILE_NOT_FOUND,
              "OpenFileMappingA(unknown name)");
  SetLastError(0);
  conf_expect_null(OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, wname), ERROR_FILE_NOT_FOUND,
              "OpenFileMappingW(unknown name)");
}

static void name_of_sync_object_is_invalid_handle(void **state) {
  (void)state;
  char en[NAME_CAP], mn[NAME_CAP], sn[NAME_CAP], fm[NAME_CAP];
  HANDLE e, m, s, hm;
  obj_name(en, sizeof en, "event");
  obj_name(mn, sizeof mn, "mutex");
  obj_name(sn, sizeof sn, "sem");
  obj_name(fm, sizeof fm, "mapping");
  e = CreateEventA(NULL, TRUE, FALSE, en);
  m = CreateMutexA(NULL, FALSE, mn);
  s = CreateSemaphoreA(NULL, 0, 1, sn);
  assert_non_null(e);
  assert_non_null(m);
  assert_non_null(s);
  hm = pagefile_mapping(PAGE_READWRITE, PAGE, fm);

  /* A mapping over a synchronisation object's name... */
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, en),
              ERROR_INVALID_HANDLE, "CreateFileMappingA(event's name)");
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, mn),
              ERROR_INVALID_HANDLE, "CreateFileMappingA(mutex's name)");
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, sn),
              ERROR_INVALID_HANDLE, "CreateFileMappingA(semaphore's name)");
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, en), ERROR_INVALID_HANDLE,
              "OpenFileMappingA(event's name)");
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, mn), ERROR_INVALID_HANDLE,
              "OpenFileMappingA(mutex's name)");
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, sn), ERROR_INVALID_HANDLE,
              "OpenFileMappingA(semaphore's name)");

  /* ...and the other way round. */
  SetLastError(0);
  conf_expect_null(CreateEventA(NULL, TRUE, FALSE, fm), ERROR_INVALID_HANDLE,
              "CreateEventA(mapping's name)");
  SetLastError(0);
  conf_expect_null(CreateMutexA(NULL, FALSE, fm), ERROR_INVALID_HANDLE,
              "CreateMutexA(mapping's name)");
  SetLastError(0);
  conf_expect_null(CreateSemaphoreA(NULL, 0, 1, fm), ERROR_INVALID_HANDLE,
              "CreateSemaphoreA(mapping's name)");
  SetLastError(0);
  conf_expect_null(OpenEventA(SYNCHRONIZE, FALSE, fm), ERROR_INVALID_HANDLE,
              "OpenEventA(mapping's name)");
  SetLastError(0);
  conf_expect_null(OpenMutexA(SYNCHRONIZE, FALSE, fm), ERROR_INVALID_HANDLE,
              "OpenMutexA(mapping's name)");
  SetLastError(0);
  conf_expect_null(OpenSemaphoreA(SYNCHRONIZE, FALSE, fm), ERROR_INVALID_HANDLE,
              "OpenSemaphoreA(mapping's name)");

  /* Everything is untouched. */
  assert_int_equal(WaitForSingleObject(e, 0), WAIT_TIMEOUT);
  assert_int_equal(WaitForSingleObject(s, 0), WAIT_TIMEOUT);
  {
    HANDLE again = OpenFileMappingA(FILE_MAP_READ, FALSE, fm);
    if (again == NULL)
      fail_msg("OpenFileMappingA(mapping's name) failed with error %lu",
               (unsigned long)GetLastError());
    assert_true(CloseHandle(again));
  }
  assert_true(CloseHandle(hm));
  assert_true(CloseHandle(e));
  assert_true(CloseHandle(m));
  assert_true(CloseHandle(s));
}

static void name_reused_after_last_close_is_new_memory(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE hm, h2;
  char *p;
  DWORD i;
  obj_name(name, sizeof name, "reuse");
  hm = pagefile_mapping(PAGE_READWRITE, 2 * PAGE, name);
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "first mapping's view");
  memset(p, 0x5a, 2 * PAGE);
  h2 = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
  assert_non_null(h2);
  assert_true(CloseHandle(hm));
  /* h2 keeps the name. */
  SetLastError(0xdead);
  hm = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 2 * PAGE, name);
  conf_expect_handle(hm, ERROR_ALREADY_EXISTS, "CreateFileMappingA(name still held by a handle)");
  assert_true(CloseHandle(hm));
  assert_true(CloseHandle(h2));
  unmap(p);
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name), ERROR_FILE_NOT_FOUND,
              "OpenFileMappingA after the last handle and view are gone");
  SetLastError(0xdead);
  hm = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 2 * PAGE, name);
  conf_expect_handle(hm, 0, "CreateFileMappingA(name reused after the last close)");
  p = map_or_fail(hm, FILE_MAP_READ, 0, 0, "new mapping's view");
  for (i = 0; i < 2 * PAGE; ++i)
    if (p[i] != 0)
      fail_msg("byte %lu of a new mapping reusing a name is 0x%02x, want 0", (unsigned long)i,
               (unsigned char)p[i]);
  unmap(p);
  assert_true(CloseHandle(hm));
}

static void view_outlives_mapping_handle(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE hm;
  char *p, *q;
  MEMORY_BASIC_INFORMATION mbi;
  obj_name(name, sizeof name, "outlive");
  hm = pagefile_mapping(PAGE_READWRITE, 3 * PAGE, name);
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "first view");
  q = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "second view");
  strcpy(p, "before close");
  assert_true(CloseHandle(hm));
  /* The memory lives on in the views... */
  assert_string_equal(p, "before close");
  assert_string_equal(q, "before close");
  strcpy(q + PAGE, "after close");
  assert_string_equal(p + PAGE, "after close");
  strcpy(p + 2 * PAGE + 100, "still shared");
  assert_string_equal(q + 2 * PAGE + 100, "still shared");
  memset(&mbi, 0, sizeof mbi);
  assert_int_equal(VirtualQuery(p, &mbi, sizeof mbi), sizeof mbi);
  assert_int_equal(mbi.State, MEM_COMMIT);
  assert_int_equal(mbi.Type, MEM_MAPPED);
  /* ...but the name went with the last handle. */
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name), ERROR_FILE_NOT_FOUND,
              "OpenFileMappingA after the only handle was closed (views remain)");
  unmap(q);
  assert_string_equal(p + PAGE, "after close");
  unmap(p);
}

/* ---- bad input ---- */

/* learn.microsoft.com, CreateFileMappingA, hFile: "If hFile is INVALID_HANDLE_VALUE, the
 * calling process must also specify a size for the file mapping object in the
 * dwMaximumSizeHigh and dwMaximumSizeLow parameters." */
static void pagefile_mapping_size_zero_is_invalid_parameter(void **state) {
  (void)state;
  char name[NAME_CAP];
  obj_name(name, sizeof name, "zero");
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, NULL),
              ERROR_INVALID_PARAMETER, "CreateFileMappingA(INVALID_HANDLE_VALUE, size 0)");
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, name),
              ERROR_INVALID_PARAMETER,
              "CreateFileMappingA(INVALID_HANDLE_VALUE, size 0, named)");
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name), ERROR_FILE_NOT_FOUND,
              "OpenFileMappingA(name of a failed creation)");
}

/* An empty name is no name for CreateFileMapping: each CreateFileMapping(..., "") makes a new
 * unnamed mapping (GetLastError() 0, never ERROR_ALREADY_EXISTS). OpenFileMapping needs a
 * name: NULL is ERROR_INVALID_PARAMETER; "" names, relative to the session's named-object
 * directory, that directory itself, not a section, so NtOpenSection fails with
 * STATUS_OBJECT_TYPE_MISMATCH -> ERROR_INVALID_HANDLE (observed on Wine 8, for OpenEventA("")
 * too), not ERROR_FILE_NOT_FOUND. */
static void empty_name_creates_unnamed_mapping(void **state) {
  (void)state;
  HANDLE a, b;
  char *pa, *pb;
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, NULL), ERROR_INVALID_PARAMETER,
              "OpenFileMappingA(NULL name)");
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, ""), ERROR_INVALID_HANDLE,
              "OpenFileMappingA(\"\")");
  SetLastError(0xdead);
  a = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, "");
  conf_expect_handle(a, 0, "CreateFileMappingA(name \"\")");
  SetLastError(0xdead);
  b = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, "");
  conf_expect_handle(b, 0, "CreateFileMappingA(name \"\") again");
  pa = map_or_fail(a, FILE_MAP_WRITE, 0, 0, "first \"\" mapping");
  pb = map_or_fail(b, FILE_MAP_WRITE, 0, 0, "second \"\" mapping");
  strcpy(pa, "first");
  assert_int_equal(pb[0], 0);
  /* Neither is reachable through "". */
  SetLastError(0);
  conf_expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, ""), ERROR_INVALID_HANDLE,
              "OpenFileMappingA(\"\") with \"\" mappings open");
  unmap(pb);
  unmap(pa);
  assert_true(CloseHandle(b));
  assert_true(CloseHandle(a));
}

static void invalid_protection_is_invalid_parameter(void **state) {
  (void)state;
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, 0, 0, PAGE, NULL),
              ERROR_INVALID_PARAMETER, "CreateFileMappingA(protection 0)");
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_NOACCESS, 0, PAGE, NULL),
              ERROR_INVALID_PARAMETER, "CreateFileMappingA(PAGE_NOACCESS)");
  SetLastError(0);
  conf_expect_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY | PAGE_READWRITE, 0,
                                 PAGE, NULL),
              ERROR_INVALID_PARAMETER, "CreateFileMappingA(PAGE_READONLY | PAGE_READWRITE)");
}

static void sec_commit_is_accepted(void **state) {
  (void)state;
  HANDLE hm = pagefile_mapping(PAGE_READWRITE | SEC_COMMIT, PAGE, NULL);
  char *p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "SEC_COMMIT view");
  strcpy(p, "committed");
  assert_string_equal(p, "committed");
  unmap(p);
  assert_true(CloseHandle(hm));
}

static void unmap_wrong_address_is_invalid_address(void **state) {
  (void)state;
  HANDLE hm = pagefile_mapping(PAGE_READWRITE, PAGE, NULL);
  char local[16];
  char *heap = (char *)malloc(64), *p;
  assert_non_null(heap);
  SetLastError(0);
  assert_false(UnmapViewOfFile(local));
  assert_int_equal(GetLastError(), ERROR_INVALID_ADDRESS);
  SetLastError(0);
  assert_false(UnmapViewOfFile(heap));
  assert_int_equal(GetLastError(), ERROR_INVALID_ADDRESS);
  free(heap);
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "view");
  unmap(p);
  /* Already unmapped. */
  SetLastError(0);
  assert_false(UnmapViewOfFile(p));
  assert_int_equal(GetLastError(), ERROR_INVALID_ADDRESS);
  assert_true(CloseHandle(hm));
}

static void map_view_of_closed_or_wrong_handle_is_invalid_handle(void **state) {
  (void)state;
  char name[NAME_CAP];
  HANDLE hm = pagefile_mapping(PAGE_READWRITE, PAGE, NULL), e, f;
  assert_true(CloseHandle(hm));
  SetLastError(0);
  expect_no_view(MapViewOfFile(hm, FILE_MAP_READ, 0, 0, 0), ERROR_INVALID_HANDLE,
                 "MapViewOfFile(closed handle)");
  e = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(e);
  SetLastError(0);
  expect_no_view(MapViewOfFile(e, FILE_MAP_READ, 0, 0, 0), ERROR_INVALID_HANDLE,
                 "MapViewOfFile(event handle)");
  assert_true(CloseHandle(e));
  file_name(name, sizeof name);
  f = new_file(name, PAGE, GENERIC_READ | GENERIC_WRITE);
  SetLastError(0);
  expect_no_view(MapViewOfFile(f, FILE_MAP_READ, 0, 0, 0), ERROR_INVALID_HANDLE,
                 "MapViewOfFile(file handle)");
  assert_true(CloseHandle(f));
}

/* learn.microsoft.com, MapViewOfFileEx, lpBaseAddress: "If the lpBaseAddress parameter
 * specifies a base address, the function succeeds if the specified memory region is not
 * already in use by the calling process"; an occupied range is STATUS_CONFLICTING_ADDRESSES
 * from NtMapViewOfSection, ERROR_INVALID_ADDRESS; the address "must specify an address that is
 * a multiple of the system's memory allocation granularity" (ERROR_MAPPED_ALIGNMENT, "The base
 * address or the file offset specified does not have the proper alignment"). */
static void map_view_ex_at_requested_address(void **state) {
  (void)state;
  HANDLE hm = pagefile_mapping(PAGE_READWRITE, GRAN, NULL);
  char *p, *at, *q;
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, 0, "view");
  strcpy(p, "same memory");
  at = p;
  assert_int_equal((ULONG_PTR)at % GRAN, 0);
  unmap(p);
  /* Free now: the view goes exactly there. */
  q = (char *)MapViewOfFileEx(hm, FILE_MAP_WRITE, 0, 0, 0, at);
  if (q == NULL)
    fail_msg("MapViewOfFileEx(free address %p) failed with error %lu", (void *)at,
             (unsigned long)GetLastError());
  assert_ptr_equal(q, at);
  assert_string_equal(q, "same memory");
  /* Occupied by that view. */
  SetLastError(0);
  expect_no_view(MapViewOfFileEx(hm, FILE_MAP_READ, 0, 0, 0, at), ERROR_INVALID_ADDRESS,
                 "MapViewOfFileEx(address of an existing view)");
  SetLastError(0);
  expect_no_view(MapViewOfFileEx(hm, FILE_MAP_READ, 0, 0, PAGE, at + PAGE),
                 ERROR_MAPPED_ALIGNMENT, "MapViewOfFileEx(address not a multiple of 64K)");
  unmap(q);
  assert_true(CloseHandle(hm));
}

/* ---- VirtualQuery ---- */

static void virtual_query_describes_view(void **state) {
  (void)state;
  HANDLE hm = pagefile_mapping(PAGE_READWRITE, GRAN, NULL);
  MEMORY_BASIC_INFORMATION mbi;
  const SIZE_T len = 10000, rounded = 3 * PAGE;
  char *p, *r;
  p = map_or_fail(hm, FILE_MAP_WRITE, 0, len, "write view");
  memset(&mbi, 0, sizeof mbi);
  assert_int_equal(VirtualQuery(p, &mbi, sizeof mbi), sizeof mbi);
  assert_ptr_equal(mbi.BaseAddress, p);
  assert_ptr_equal(mbi.AllocationBase, p);
  assert_int_equal(mbi.AllocationProtect, PAGE_READWRITE);
  assert_int_equal(mbi.State, MEM_COMMIT);
  assert_int_equal(mbi.Type, MEM_MAPPED);
  assert_int_equal(mbi.Protect, PAGE_READWRITE);
  if (mbi.RegionSize < rounded)
    fail_msg("RegionSize of a %lu-byte view is %lu, want at least %lu", (unsigned long)len,
             (unsigned long)mbi.RegionSize, (unsigned long)rounded);
  /* From inside the view: the page, and the view as allocation. */
  memset(&mbi, 0, sizeof mbi);
  assert_int_equal(VirtualQuery(p + PAGE + 5, &mbi, sizeof mbi), sizeof mbi);
  assert_ptr_equal(mbi.BaseAddress, p + PAGE);
  assert_ptr_equal(mbi.AllocationBase, p);
  assert_int_equal(mbi.Type, MEM_MAPPED);
  if (mbi.RegionSize < rounded - PAGE)
    fail_msg("RegionSize from the second page is %lu, want at least %lu",
             (unsigned long)mbi.RegionSize, (unsigned long)(rounded - PAGE));
  /* A read view is PAGE_READONLY. */
  r = map_or_fail(hm, FILE_MAP_READ, 0, 0, "read view");
  memset(&mbi, 0, sizeof mbi);
  assert_int_equal(VirtualQuery(r, &mbi, sizeof mbi), sizeof mbi);
  assert_ptr_equal(mbi.BaseAddress, r);
  assert_ptr_equal(mbi.AllocationBase, r);
  assert_int_equal(mbi.State, MEM_COMMIT);
  assert_int_equal(mbi.Type, MEM_MAPPED);
  assert_int_equal(mbi.Protect, PAGE_READONLY);
  assert_int_equal(mbi.AllocationProtect, PAGE_READONLY);
  if (mbi.RegionSize < GRAN)
    fail_msg("RegionSize of a whole 64K view is %lu", (unsigned long)mbi.RegionSize);
  unmap(r);
  unmap(p);
  assert_true(CloseHandle(hm));
}

#define T(f) cmocka_unit_test_teardown(f, teardown)
/* docs/examples/win32/shared_memory.c: 4 worker processes add 2,000 each to a counter in a
 * named mapping under a named mutex; the example prints the exact total and exits 0. */
static void example_shared_memory_counter_is_exact(void **state) {
  char exe[MAX_PATH], cmd[2 * MAX_PATH], out[128];
  PROCESS_INFORMATION pi;
  STARTUPINFOA si;
  HANDLE out_r, out_w;
  DWORD n;
  (void)state;
  conf_sibling_exe("example-win32-shared-memory", exe, sizeof exe);
  conf_child_pipe(&out_r, &out_w, FALSE, 0);
  conf_stdio_startup(&si, NULL, out_w, NULL);
  cmd[0] = 0;
  conf_append_arg(cmd, sizeof cmd, exe);
  conf_append_arg(cmd, sizeof cmd, "4");
  conf_append_arg(cmd, sizeof cmd, "2000");
  if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    fail_msg("starting %s failed with error %lu", exe, (unsigned long)GetLastError());
  conf_track_process(&pi);
  assert_true(CloseHandle(out_w));
  n = conf_read_to_eof(out_r, pi.hProcess, out, sizeof out - 1, CONF_WAIT_MS);
  out[n] = '\0';
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "shared_memory example"), 0);
  if (strncmp(out, "total 8000", 10) != 0)
    fail_msg("the example printed '%s', want 'total 8000'", out);
  assert_true(CloseHandle(out_r));
  conf_close_process(&pi);
}

static const struct CMUnitTest tests[] = {
    T(named_mapping_shared_with_child_under_named_mutex),
    T(unnamed_mapping_inherited_by_child),
    T(file_view_writes_reach_the_file),
    T(file_mapping_size_zero_is_the_file_size),
    T(file_mapping_larger_than_file_grows_it),
    T(empty_file_with_size_zero_is_file_invalid),
    T(read_only_file_with_page_readwrite_is_access_denied),
    T(read_only_mapping_larger_than_file_fails),
    T(copy_view_writes_are_private),
    T(copy_view_of_file_leaves_file_unchanged),
    T(system_info_page_size_and_granularity),
    T(view_offset_must_be_granularity_aligned),
    T(read_handle_cannot_map_write_view),
    T(write_handle_maps_write_views_only),
    T(readonly_mapping_refuses_write_view),
    T(view_beyond_mapping_size_is_access_denied),
    T(create_existing_name_returns_same_memory),
    T(open_unknown_name_is_file_not_found),
    T(name_of_sync_object_is_invalid_handle),
    T(name_reused_after_last_close_is_new_memory),
    T(view_outlives_mapping_handle),
    T(pagefile_mapping_size_zero_is_invalid_parameter),
    T(empty_name_creates_unnamed_mapping),
    T(invalid_protection_is_invalid_parameter),
    T(sec_commit_is_accepted),
    T(unmap_wrong_address_is_invalid_address),
    T(map_view_of_closed_or_wrong_handle_is_invalid_handle),
    T(map_view_ex_at_requested_address),
    T(virtual_query_describes_view),
    T(example_shared_memory_counter_is_exact),
};

CONF_MAIN_WITH_ROLES(tests, roles)
