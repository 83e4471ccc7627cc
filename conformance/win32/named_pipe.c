/* Named pipes: CreateNamedPipe and its name rules (invalid and too-long names, other
 * hosts, case-insensitive names, the W function); instance limits (ERROR_PIPE_BUSY),
 * instances that must agree (ERROR_ACCESS_DENIED), FILE_FLAG_FIRST_PIPE_INSTANCE; clients
 * opened with CreateFile (ERROR_FILE_NOT_FOUND, ERROR_PIPE_BUSY, access per pipe direction);
 * ConnectNamedPipe (ERROR_PIPE_CONNECTED when the client came first, blocking, PIPE_NOWAIT),
 * DisconnectNamedPipe (ERROR_PIPE_NOT_CONNECTED, unread data discarded, instance reusable),
 * WaitNamedPipe (timeouts, missing pipes, an instance freed by a disconnect); byte and
 * message pipes (boundaries, ERROR_MORE_DATA with the rest readable, zero-length messages,
 * byte read mode across messages); PeekNamedPipe, GetNamedPipeInfo, Get/SetNamedPipeHandleState,
 * TransactNamedPipe, CallNamedPipe, FlushFileBuffers, GetNamedPipeClient/ServerProcessId;
 * ERROR_BROKEN_PIPE / ERROR_NO_DATA when a side closes or dies, the name going with the last
 * server (also by death); overlapped ConnectNamedPipe/ReadFile/WriteFile with events,
 * GetOverlappedResult(Ex), HasOverlappedIoCompleted, CancelIo/CancelIoEx; ReadFileEx/
 * WriteFileEx routines and QueueUserAPC in alertable waits (WAIT_IO_COMPLETION); 32 client
 * processes each exchanging 1,000 checksummed messages with a thread-per-client server; the
 * named pipe server/client example programs; ends inherited by a child (a client end, a
 * listening server instance whose creator then closes it, a client end as a child's stdout)
 * and a connected end moved into a child with DuplicateHandle; \\<computer name>\pipe\.
 * Bad input: closed handles, zero-size buffers,
 * operations on listening and disconnected instances.
 * Pipe names carry this process's id, so parallel runs do not share them; every wait is
 * bounded; every case's teardown terminates children a failure left running. */
#include "conformance.h"
#include "win32_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define NAME_CAP 320
#define MANY_CLIENTS 32
#define MANY_EACH 1000

/* ---- helpers usable in roles (no CMocka) ---- */

static HANDLE open_pipe(const char *name, DWORD access, DWORD flags) {
  return CreateFileA(name, access, 0, NULL, OPEN_EXISTING, flags, NULL);
}

/* A client that waits for a free instance (bounded). */
static HANDLE open_pipe_waiting(const char *name, DWORD access) {
  DWORD t0 = GetTickCount();
  for (;;) {
    HANDLE h = open_pipe(name, access, 0);
    if (h != INVALID_HANDLE_VALUE || GetTickCount() - t0 > CONF_WAIT_MS)
      return h;
    if (GetLastError() != ERROR_PIPE_BUSY && GetLastError() != ERROR_FILE_NOT_FOUND)
      return h;
    if (GetLastError() == ERROR_PIPE_BUSY)
      WaitNamedPipeA(name, 1000);
    else
      Sleep(1); /* the server has not created the pipe yet: no Win32 call waits for that */
  }
}

static uint32_t checksum(const unsigned char *p, size_t n) {
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < n; ++i)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

/* A message of the many-clients test: client id, sequence number, filler, checksum. */
struct msg {
  uint32_t client, seq, len;
  unsigned char body[100];
  uint32_t sum;
};

static void fill_msg(struct msg *m, uint32_t client, uint32_t seq) {
  uint32_t i;
  m->client = client;
  m->seq = seq;
  m->len = 1 + (seq * 7 + client) % (uint32_t)sizeof m->body;
  memset(m->body, 0, sizeof m->body);
  for (i = 0; i < m->len; ++i)
    m->body[i] = (unsigned char)(client * 31 + seq * 17 + i);
  m->sum = checksum(m->body, m->len) ^ client ^ (seq << 8);
}

static int msg_ok(const struct msg *m) {
  return m->len >= 1 && m->len <= sizeof m->body &&
         m->sum == (checksum(m->body, m->len) ^ m->client ^ (m->seq << 8));
}

/* ---- child roles: no CMocka here, the exit code is the verdict ---- */

/* argv: pipe name, client id. Sends MANY_EACH messages, each answered by an echo with the
 * same sequence number: 0, 3 if the open failed, 4/5 if an exchange failed, 6 on a wrong echo. */
static int role_many_client(int argc, char **argv) {
  HANDLE h;
  uint32_t id, k;
  DWORD mode = PIPE_READMODE_MESSAGE;
  if (argc < 2)
    return 2;
  id = (uint32_t)strtoul(argv[1], NULL, 10);
  h = open_pipe_waiting(argv[0], GENERIC_READ | GENERIC_WRITE);
  if (h == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "many_client %lu: CreateFile failed with %lu\n", (unsigned long)id,
            (unsigned long)GetLastError());
    return 3;
  }
  if (!SetNamedPipeHandleState(h, &mode, NULL, NULL))
    return 3;
  for (k = 0; k < MANY_EACH; ++k) {
    struct msg m, echo;
    DWORD n = 0;
    fill_msg(&m, id, k);
    if (!WriteFile(h, &m, sizeof m, &n, NULL) || n != sizeof m) {
      fprintf(stderr, "many_client %lu: WriteFile #%lu failed with %lu\n", (unsigned long)id,
              (unsigned long)k, (unsigned long)GetLastError());
      return 4;
    }
    if (!ReadFile(h, &echo, sizeof echo, &n, NULL) || n != sizeof echo) {
      fprintf(stderr, "many_client %lu: ReadFile #%lu failed with %lu\n", (unsigned long)id,
              (unsigned long)k, (unsigned long)GetLastError());
      return 5;
    }
    if (!msg_ok(&echo) || echo.client != id || echo.seq != k)
      return 6;
  }
  CloseHandle(h);
  return 0;
}

/* argv: pipe name, ready-event name. Creates the pipe, signals ready and waits to be
 * terminated (exits 9 after CONF_WAIT_MS). */
static int role_hold_server(int argc, char **argv) {
  HANDLE p, ready;
  if (argc < 2)
    return 2;
  p = CreateNamedPipeA(argv[0], PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE, PIPE_UNLIMITED_INSTANCES,
                       0, 0, 0, NULL);
  if (p == INVALID_HANDLE_VALUE)
    return 3;
  ready = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[1]);
  if (ready == NULL || !SetEvent(ready))
    return 4;
  WaitForSingleObject(CreateEventA(NULL, TRUE, FALSE, NULL), CONF_WAIT_MS);
  return 9;
}

/* argv: pipe name, ready-event name. Connects, writes "partial", signals ready and waits to
 * be terminated. */
static int role_hold_client(int argc, char **argv) {
  HANDLE h, ready;
  DWORD n;
  if (argc < 2)
    return 2;
  h = open_pipe(argv[0], GENERIC_READ | GENERIC_WRITE, 0);
  if (h == INVALID_HANDLE_VALUE)
    return 3;
  if (!WriteFile(h, "partial", 7, &n, NULL))
    return 4;
  ready = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[1]);
  if (ready == NULL || !SetEvent(ready))
    return 5;
  WaitForSingleObject(CreateEventA(NULL, TRUE, FALSE, NULL), CONF_WAIT_MS);
  return 9;
}

static HANDLE handle_arg(const char *s) { return (HANDLE)(uintptr_t)strtoull(s, NULL, 10); }

#define VALUE_LEN 20 /* a handle value sent through a pipe: %020llu */

/* argv: an inherited client end's value, or "-": read it from stdin (a parent duplicates
 * the end into us). Sends "from child", expects the message "to child" back, and checks
 * PeekNamedPipe sees the connection. */
static int role_inherited_client(int argc, char **argv) {
  HANDLE h;
  char buf[32];
  DWORD n = 0, got, avail = 0xdead;
  if (argc < 1)
    return 2;
  if (strcmp(argv[0], "-") == 0) {
    for (got = 0; got < VALUE_LEN; got += n)
      if (!ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf + got, VALUE_LEN - got, &n, NULL) || !n)
        return 2;
    buf[VALUE_LEN] = '\0';
    h = handle_arg(buf);
  } else {
    h = handle_arg(argv[0]);
  }
  if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
    return 3;
  if (!WriteFile(h, "from child", 10, &n, NULL) || n != 10)
    return 4;
  if (!ReadFile(h, buf, sizeof buf, &n, NULL) || n != 8 || memcmp(buf, "to child", 8) != 0)
    return 5;
  return CloseHandle(h) ? 0 : 6;
}

/* argv: an inherited server end's value (listening). Connects a client, answers "ping" with
 * "pong", waits for "bye", disconnects. */
static int role_inherited_server(int argc, char **argv) {
  HANDLE h;
  char buf[32];
  DWORD n = 0;
  if (argc < 1)
    return 2;
  h = handle_arg(argv[0]);
  if (!ConnectNamedPipe(h, NULL) && GetLastError() != ERROR_PIPE_CONNECTED)
    return 3;
  if (!ReadFile(h, buf, sizeof buf, &n, NULL) || n != 4 || memcmp(buf, "ping", 4) != 0)
    return 4;
  if (!WriteFile(h, "pong", 4, &n, NULL) || n != 4)
    return 5;
  if (!ReadFile(h, buf, sizeof buf, &n, NULL) || n != 3 || memcmp(buf, "bye", 3) != 0)
    return 6;
  if (!DisconnectNamedPipe(h))
    return 7;
  return CloseHandle(h) ? 0 : 8;
}

/* Writes "child output" to its standard output (a named pipe's client end) and exits. */
static int role_stdout_writer(int argc, char **argv) {
  DWORD n = 0;
  (void)argc;
  (void)argv;
  return WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "child output", 12, &n, NULL) && n == 12
             ? 0
             : 3;
}

static const struct conf_role roles[] = {
    {"many_client", role_many_client},
    {"hold_server", role_hold_server},
    {"hold_client", role_hold_client},
    {"inherited_client", role_inherited_client},
    {"inherited_server", role_inherited_server},
    {"stdout_writer", role_stdout_writer},
};

/* ---- helpers for cases ---- */

static void pipe_name(char *buf, size_t cap, const char *tag) {
  static unsigned counter;
  snprintf(buf, cap, "\\\\.\\pipe\\conf-np-%lu-%u-%s", (unsigned long)GetCurrentProcessId(),
           ++counter, tag);
}

static HANDLE server(const char *name, DWORD open_mode, DWORD pipe_mode, DWORD max) {
  HANDLE h = CreateNamedPipeA(name, open_mode, pipe_mode, max, 4096, 4096, 0, NULL);
  if (h == INVALID_HANDLE_VALUE)
    fail_msg("CreateNamedPipe(%s) failed with error %lu", name, (unsigned long)GetLastError());
  return h;
}

static HANDLE client(const char *name, DWORD access) {
  HANDLE h = open_pipe(name, access, 0);
  if (h == INVALID_HANDLE_VALUE)
    fail_msg("CreateFile(%s) failed with error %lu", name, (unsigned long)GetLastError());
  return h;
}

/* A connected message pipe pair (duplex, message read mode on both ends). */
static void msg_pair(const char *tag, HANDLE *s, HANDLE *c) {
  char name[NAME_CAP];
  DWORD mode = PIPE_READMODE_MESSAGE;
  pipe_name(name, sizeof name, tag);
  *s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 1);
  *c = client(name, GENERIC_READ | GENERIC_WRITE);
  assert_true(SetNamedPipeHandleState(*c, &mode, NULL, NULL));
  SetLastError(0xdead);
  assert_false(ConnectNamedPipe(*s, NULL));
  assert_int_equal(GetLastError(), ERROR_PIPE_CONNECTED);
}

static void put(HANDLE w, const void *msg, DWORD len) {
  DWORD done = 0xdead;
  if (!WriteFile(w, msg, len, &done, NULL))
    fail_msg("WriteFile(%lu bytes) failed with error %lu", (unsigned long)len,
             (unsigned long)GetLastError());
  assert_int_equal(done, len);
}

static DWORD take(HANDLE r, void *buf, DWORD cap) {
  DWORD got = 0xdead;
  if (!ReadFile(r, buf, cap, &got, NULL))
    fail_msg("ReadFile failed with error %lu", (unsigned long)GetLastError());
  return got;
}

static void expect_error(BOOL ok, DWORD err, const char *what) {
  DWORD e = GetLastError();
  if (ok)
    fail_msg("%s succeeded; want error %lu", what, (unsigned long)err);
  if (e != err)
    fail_msg("%s failed with error %lu; want %lu", what, (unsigned long)e, (unsigned long)err);
}

/* ReadFile on h fails with err. */
static void expect_read_error(HANDLE h, DWORD err, const char *what) {
  char buf[16];
  DWORD n = 0xdead;
  SetLastError(0xdead);
  expect_error(ReadFile(h, buf, sizeof buf, &n, NULL), err, what);
}

static void expect_create_error(const char *name, DWORD open_mode, DWORD pipe_mode, DWORD max,
                                DWORD err) {
  HANDLE h;
  SetLastError(0xdead);
  h = CreateNamedPipeA(name, open_mode, pipe_mode, max, 0, 0, 0, NULL);
  if (h != INVALID_HANDLE_VALUE) {
    CloseHandle(h);
    fail_msg("CreateNamedPipe(%.60s) succeeded; want error %lu", name, (unsigned long)err);
  }
  if (GetLastError() != err)
    fail_msg("CreateNamedPipe(%.60s) failed with %lu; want %lu", name,
             (unsigned long)GetLastError(), (unsigned long)err);
}

static void expect_open_error(const char *name, DWORD access, DWORD err) {
  HANDLE h;
  SetLastError(0xdead);
  h = open_pipe(name, access, 0);
  if (h != INVALID_HANDLE_VALUE) {
    CloseHandle(h);
    fail_msg("CreateFile(%.60s) succeeded; want error %lu", name, (unsigned long)err);
  }
  if (GetLastError() != err)
    fail_msg("CreateFile(%.60s) failed with %lu; want %lu", name, (unsigned long)GetLastError(),
             (unsigned long)err);
}

/* ---- cases: names and instances ---- */

static void byte_pipe_carries_data_both_ways(void **state) {
  char name[NAME_CAP], buf[32];
  HANDLE s, c;
  (void)state;
  pipe_name(name, sizeof name, "byte");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  assert_int_equal(GetFileType(s), FILE_TYPE_PIPE);
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  assert_int_equal(GetFileType(c), FILE_TYPE_PIPE);
  SetLastError(0xdead);
  expect_error(ConnectNamedPipe(s, NULL), ERROR_PIPE_CONNECTED, "ConnectNamedPipe");
  put(c, "hello", 5);
  put(c, " world", 6);
  assert_int_equal(take(s, buf, sizeof buf), 11); /* a byte pipe keeps no boundaries */
  assert_memory_equal(buf, "hello world", 11);
  put(s, "back", 4);
  assert_int_equal(take(c, buf, 2), 2);
  assert_memory_equal(buf, "ba", 2);
  assert_int_equal(take(c, buf, sizeof buf), 2);
  assert_memory_equal(buf, "ck", 2);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static void long_name_is_filename_exced_range(void **state) {
  char longname[400];
  (void)state;
  memset(longname, 'a', sizeof longname);
  memcpy(longname, "\\\\.\\pipe\\", 9);
  longname[300] = 0; /* longer than 256 characters */
  expect_create_error(longname, PIPE_ACCESS_DUPLEX, 0, 1, ERROR_FILENAME_EXCED_RANGE);
  expect_open_error(longname, GENERIC_READ, ERROR_FILENAME_EXCED_RANGE);
  SetLastError(0xdead);
  expect_error(WaitNamedPipeA(longname, 0), ERROR_FILENAME_EXCED_RANGE, "WaitNamedPipe(long name)");
}

/* Outside \\.\pipe\ the name is an NT path that does not exist. */
static void name_outside_pipe_directory_is_path_not_found(void **state) {
  (void)state;
  expect_create_error("\\\\.\\notpipe\\x", PIPE_ACCESS_DUPLEX, 0, 1, ERROR_PATH_NOT_FOUND);
}

static void relative_name_is_invalid_name(void **state) {
  (void)state;
  expect_create_error("plainname", PIPE_ACCESS_DUPLEX, 0, 1, ERROR_INVALID_NAME);
}

static void zero_instances_is_invalid_parameter(void **state) {
  char name[NAME_CAP];
  (void)state;
  pipe_name(name, sizeof name, "zero");
  expect_create_error(name, PIPE_ACCESS_DUPLEX, 0, 0, ERROR_INVALID_PARAMETER);
}

static void too_many_instances_is_invalid_parameter(void **state) {
  char name[NAME_CAP];
  (void)state;
  pipe_name(name, sizeof name, "256");
  expect_create_error(name, PIPE_ACCESS_DUPLEX, 0, 256, ERROR_INVALID_PARAMETER);
}

static void message_read_mode_on_byte_pipe_is_invalid_parameter(void **state) {
  char name[NAME_CAP];
  (void)state;
  pipe_name(name, sizeof name, "rdmode");
  expect_create_error(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_READMODE_MESSAGE, 1,
                      ERROR_INVALID_PARAMETER);
}

static void missing_pipe_is_file_not_found(void **state) {
  char name[NAME_CAP];
  (void)state;
  pipe_name(name, sizeof name, "missing");
  expect_open_error(name, GENERIC_READ | GENERIC_WRITE, ERROR_FILE_NOT_FOUND);
  SetLastError(0xdead);
  expect_error(WaitNamedPipeA(name, 10), ERROR_FILE_NOT_FOUND, "WaitNamedPipe(missing)");
}

static void names_are_case_insensitive_and_w_works(void **state) {
  char name[NAME_CAP], upper[NAME_CAP];
  WCHAR wname[NAME_CAP];
  size_t i;
  HANDLE s, c;
  (void)state;
  pipe_name(name, sizeof name, "case");
  conf_to_wide(name, wname, NAME_CAP);
  s = CreateNamedPipeW(wname, PIPE_ACCESS_DUPLEX, 0, 2, 0, 0, 0, NULL);
  assert_ptr_not_equal(s, INVALID_HANDLE_VALUE);
  for (i = 0; name[i]; ++i)
    upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
  upper[i] = 0;
  c = client(upper, GENERIC_READ | GENERIC_WRITE);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static void instances_are_limited_and_must_agree(void **state) {
  char name[NAME_CAP];
  HANDLE a, b;
  DWORD st = 0, cur = 0;
  (void)state;
  pipe_name(name, sizeof name, "inst");
  a = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE, 2);
  b = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE, 2);
  assert_true(GetNamedPipeHandleStateA(b, &st, &cur, NULL, NULL, NULL, 0));
  assert_int_equal(cur, 2);
  expect_create_error(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE, 2, ERROR_PIPE_BUSY);
  assert_true(CloseHandle(b));
  assert_true(GetNamedPipeHandleStateA(a, &st, &cur, NULL, NULL, NULL, 0));
  assert_int_equal(cur, 1);
  b = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE, 2);
  assert_true(CloseHandle(b));
  assert_true(CloseHandle(a));
  /* The last instance took the name with it: a first instance is allowed again. */
  a = server(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE, PIPE_TYPE_BYTE, 1);
  assert_true(CloseHandle(a));
}

static void first_pipe_instance_refused_when_name_exists(void **state) {
  char name[NAME_CAP];
  HANDLE a;
  (void)state;
  pipe_name(name, sizeof name, "first");
  a = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE, 2);
  expect_create_error(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE, PIPE_TYPE_MESSAGE,
                      2, ERROR_ACCESS_DENIED);
  assert_true(CloseHandle(a));
}

static void instances_must_agree_on_access(void **state) {
  char name[NAME_CAP];
  HANDLE a;
  (void)state;
  pipe_name(name, sizeof name, "agree");
  a = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE, 2);
  expect_create_error(name, PIPE_ACCESS_INBOUND, PIPE_TYPE_MESSAGE, 2, ERROR_ACCESS_DENIED);
  assert_true(CloseHandle(a));
}

static void busy_instances_and_wait_named_pipe(void **state) {
  char name[NAME_CAP];
  HANDLE s, c1, c2;
  (void)state;
  pipe_name(name, sizeof name, "busy");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  assert_true(WaitNamedPipeA(name, 1000)); /* an instance is listening */
  c1 = client(name, GENERIC_READ | GENERIC_WRITE);
  expect_open_error(name, GENERIC_READ | GENERIC_WRITE, ERROR_PIPE_BUSY);
  SetLastError(0xdead);
  expect_error(WaitNamedPipeA(name, 50), ERROR_SEM_TIMEOUT, "WaitNamedPipe(busy)");
  expect_error(ConnectNamedPipe(s, NULL), ERROR_PIPE_CONNECTED, "ConnectNamedPipe");
  assert_true(DisconnectNamedPipe(s));
  /* Disconnected but not listening again until ConnectNamedPipe. */
  expect_open_error(name, GENERIC_READ | GENERIC_WRITE, ERROR_PIPE_BUSY);
  assert_true(CloseHandle(c1));
  assert_true(CloseHandle(s));
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  assert_true(WaitNamedPipeA(name, NMPWAIT_USE_DEFAULT_WAIT));
  c2 = client(name, GENERIC_READ | GENERIC_WRITE);
  assert_true(CloseHandle(c2));
  assert_true(CloseHandle(s));
}

static DWORD WINAPI connect_later(LPVOID arg) {
  const char *name = (const char *)arg;
  HANDLE c;
  if (!WaitNamedPipeA(name, CONF_WAIT_MS))
    return 1;
  c = open_pipe(name, GENERIC_READ | GENERIC_WRITE, 0);
  if (c == INVALID_HANDLE_VALUE)
    return 2;
  CloseHandle(c);
  return 0;
}

static void blocking_connect_waits_for_a_client(void **state) {
  char name[NAME_CAP];
  HANDLE s, t;
  (void)state;
  pipe_name(name, sizeof name, "block");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  t = conf_start_thread(connect_later, name, NULL);
  assert_true(ConnectNamedPipe(s, NULL));
  assert_int_equal(conf_join_thread(t, CONF_WAIT_MS, "connect_later"), 0);
  assert_true(DisconnectNamedPipe(s));
  t = conf_start_thread(connect_later, name, NULL);
  assert_true(ConnectNamedPipe(s, NULL)); /* the instance is reusable */
  assert_int_equal(conf_join_thread(t, CONF_WAIT_MS, "connect_later"), 0);
  assert_true(CloseHandle(s));
}

static void access_follows_the_pipe_direction(void **state) {
  char name[NAME_CAP], buf[8];
  HANDLE s, c;
  DWORD n;
  (void)state;
  pipe_name(name, sizeof name, "inbound");
  s = server(name, PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE, 1);
  expect_open_error(name, GENERIC_READ | GENERIC_WRITE, ERROR_ACCESS_DENIED);
  c = client(name, GENERIC_WRITE);
  put(c, "in", 2);
  assert_int_equal(take(s, buf, sizeof buf), 2);
  SetLastError(0xdead);
  expect_error(WriteFile(s, "x", 1, &n, NULL), ERROR_ACCESS_DENIED, "WriteFile(inbound server)");
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

/* ---- cases: messages ---- */

static void messages_keep_boundaries_and_zero_length(void **state) {
  HANDLE s, c;
  char buf[32];
  (void)state;
  msg_pair("msg", &s, &c);
  put(c, "one", 3);
  put(c, "", 0);
  put(c, "three", 5);
  assert_int_equal(take(s, buf, sizeof buf), 3);
  assert_memory_equal(buf, "one", 3);
  assert_int_equal(take(s, buf, sizeof buf), 0);
  assert_int_equal(take(s, buf, sizeof buf), 5);
  assert_memory_equal(buf, "three", 5);
  put(s, "reply", 5);
  assert_int_equal(take(c, buf, sizeof buf), 5);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static void small_buffer_is_more_data_and_rest_stays(void **state) {
  HANDLE s, c;
  char buf[32];
  DWORD n = 0xdead;
  (void)state;
  msg_pair("more", &s, &c);
  put(c, "abcdefghij", 10);
  put(c, "next", 4);
  SetLastError(0xdead);
  expect_error(ReadFile(s, buf, 4, &n, NULL), ERROR_MORE_DATA, "ReadFile(4 of 10)");
  assert_int_equal(n, 4);
  assert_memory_equal(buf, "abcd", 4);
  expect_error(ReadFile(s, buf, 4, &n, NULL), ERROR_MORE_DATA, "ReadFile(4 more)");
  assert_memory_equal(buf, "efgh", 4);
  assert_int_equal(take(s, buf, sizeof buf), 2);
  assert_memory_equal(buf, "ij", 2);
  assert_int_equal(take(s, buf, sizeof buf), 4);
  assert_memory_equal(buf, "next", 4);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

struct big_write {
  HANDLE h;
  const char *data;
  DWORD len;
};

static DWORD WINAPI write_big(LPVOID arg) {
  struct big_write *b = (struct big_write *)arg;
  DWORD n = 0;
  return WriteFile(b->h, b->data, b->len, &n, NULL) && n == b->len ? 0 : 1;
}

static void large_message_is_whole(void **state) {
  HANDLE s, c, t;
  static char big[300000], got[300001];
  struct big_write bw;
  DWORD n = 0, i;
  (void)state;
  msg_pair("large", &s, &c);
  for (i = 0; i < sizeof big; ++i)
    big[i] = (char)(i * 13 + i / 251);
  /* The writer may wait for the reader (the buffers are 4 KiB): it writes from a thread. */
  bw.h = c;
  bw.data = big;
  bw.len = sizeof big;
  t = conf_start_thread(write_big, &bw, NULL);
  SetLastError(0xdead);
  expect_error(ReadFile(s, got, 1000, &n, NULL), ERROR_MORE_DATA, "ReadFile(1000 of 300000)");
  assert_int_equal(n, 1000);
  assert_int_equal(take(s, got + 1000, sizeof got - 1000), sizeof big - 1000);
  assert_memory_equal(got, big, sizeof big);
  assert_int_equal(conf_join_thread(t, CONF_WAIT_MS, "write_big"), 0);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static void byte_read_mode_reads_across_messages(void **state) {
  char name[NAME_CAP], buf[32];
  HANDLE s, c;
  DWORD n = 0;
  (void)state;
  pipe_name(name, sizeof name, "bytemode");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_BYTE, 1);
  c = client(name, GENERIC_READ | GENERIC_WRITE); /* clients start in byte read mode */
  put(s, "ab", 2);
  put(s, "cd", 2);
  assert_true(ReadFile(c, buf, 3, &n, NULL)); /* no ERROR_MORE_DATA in byte read mode */
  assert_int_equal(n, 3);
  assert_memory_equal(buf, "abc", 3);
  assert_int_equal(take(c, buf, sizeof buf), 1);
  assert_memory_equal(buf, "d", 1);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static void peek_reports_totals_and_message_rest(void **state) {
  HANDLE s, c;
  char buf[32];
  DWORD rd = 0xdead, avail = 0xdead, left = 0xdead, n;
  (void)state;
  msg_pair("peek", &s, &c);
  assert_true(PeekNamedPipe(s, NULL, 0, NULL, &avail, &left));
  assert_int_equal(avail, 0);
  put(c, "hello", 5);
  put(c, "xy", 2);
  assert_true(PeekNamedPipe(s, buf, 3, &rd, &avail, &left));
  assert_int_equal(rd, 3);
  assert_memory_equal(buf, "hel", 3);
  assert_int_equal(avail, 7);
  assert_int_equal(left, 2);
  expect_error(ReadFile(s, buf, 2, &n, NULL), ERROR_MORE_DATA, "ReadFile(2 of 5)");
  assert_true(PeekNamedPipe(s, buf, sizeof buf, &rd, &avail, &left));
  assert_int_equal(rd, 3);
  assert_memory_equal(buf, "llo", 3);
  assert_int_equal(avail, 5);
  assert_int_equal(left, 0);
  assert_int_equal(take(s, buf, sizeof buf), 3);
  assert_int_equal(take(s, buf, sizeof buf), 2); /* peeking consumed nothing */
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static void pipe_info_and_handle_state(void **state) {
  char name[NAME_CAP];
  HANDLE s, c;
  DWORD flags = 0, out = 0, in = 0, max = 0, st = 0xdead, cur = 0, mode;
  (void)state;
  pipe_name(name, sizeof name, "info");
  s = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 3,
                       1024, 2048, 0, NULL);
  assert_ptr_not_equal(s, INVALID_HANDLE_VALUE);
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  assert_true(GetNamedPipeInfo(s, &flags, &out, &in, &max));
  assert_int_equal(flags, PIPE_SERVER_END | PIPE_TYPE_MESSAGE);
  assert_int_equal(out, 1024);
  assert_int_equal(in, 2048);
  assert_int_equal(max, 3);
  assert_true(GetNamedPipeInfo(c, &flags, NULL, NULL, &max));
  assert_int_equal(flags, PIPE_CLIENT_END | PIPE_TYPE_MESSAGE);
  assert_int_equal(max, 3);
  assert_true(GetNamedPipeHandleStateA(s, &st, &cur, NULL, NULL, NULL, 0));
  assert_int_equal(st, PIPE_READMODE_MESSAGE);
  assert_int_equal(cur, 1);
  assert_true(GetNamedPipeHandleStateA(c, &st, NULL, NULL, NULL, NULL, 0));
  assert_int_equal(st, PIPE_READMODE_BYTE);
  mode = PIPE_READMODE_MESSAGE | PIPE_NOWAIT;
  assert_true(SetNamedPipeHandleState(c, &mode, NULL, NULL));
  assert_true(GetNamedPipeHandleStateA(c, &st, NULL, NULL, NULL, NULL, 0));
  assert_int_equal(st, PIPE_READMODE_MESSAGE | PIPE_NOWAIT);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
  pipe_name(name, sizeof name, "info-byte");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  mode = PIPE_READMODE_MESSAGE;
  SetLastError(0xdead);
  expect_error(SetNamedPipeHandleState(s, &mode, NULL, NULL), ERROR_INVALID_PARAMETER,
               "SetNamedPipeHandleState(message mode on a byte pipe)");
  assert_true(CloseHandle(s));
}

static void nowait_mode_does_not_block(void **state) {
  char name[NAME_CAP], buf[8];
  HANDLE s, c;
  DWORD n = 0xdead;
  (void)state;
  pipe_name(name, sizeof name, "nowait");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_NOWAIT, 1);
  SetLastError(0xdead);
  expect_error(ConnectNamedPipe(s, NULL), ERROR_PIPE_LISTENING, "ConnectNamedPipe(nowait)");
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  expect_error(ConnectNamedPipe(s, NULL), ERROR_PIPE_CONNECTED, "ConnectNamedPipe(nowait)");
  SetLastError(0xdead);
  expect_error(ReadFile(s, buf, sizeof buf, &n, NULL), ERROR_NO_DATA, "ReadFile(nowait, empty)");
  put(c, "x", 1);
  assert_int_equal(take(s, buf, sizeof buf), 1);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static DWORD WINAPI echo_once(LPVOID arg) {
  HANDLE s = (HANDLE)arg;
  char buf[64];
  DWORD n = 0;
  if (!ConnectNamedPipe(s, NULL) && GetLastError() != ERROR_PIPE_CONNECTED)
    return 1;
  if (!ReadFile(s, buf, sizeof buf, &n, NULL))
    return 2;
  buf[0] = 'E';
  if (!WriteFile(s, buf, n, &n, NULL))
    return 3;
  if (!FlushFileBuffers(s))
    return 4;
  return 0;
}

static void transact_and_call_named_pipe(void **state) {
  char name[NAME_CAP], out[64];
  HANDLE s, c, t;
  DWORD n = 0;
  (void)state;
  pipe_name(name, sizeof name, "transact");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 1);
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  SetLastError(0xdead);
  expect_error(TransactNamedPipe(c, "q", 1, out, sizeof out, &n, NULL), ERROR_BAD_PIPE,
               "TransactNamedPipe(byte read mode)");
  {
    DWORD mode = PIPE_READMODE_MESSAGE;
    assert_true(SetNamedPipeHandleState(c, &mode, NULL, NULL));
  }
  t = conf_start_thread(echo_once, s, NULL);
  assert_true(TransactNamedPipe(c, "question", 8, out, sizeof out, &n, NULL));
  assert_int_equal(n, 8);
  assert_memory_equal(out, "Euestion", 8);
  assert_int_equal(conf_join_thread(t, CONF_WAIT_MS, "echo_once"), 0);
  assert_true(CloseHandle(c));
  assert_true(DisconnectNamedPipe(s));
  t = conf_start_thread(echo_once, s, NULL);
  n = 0;
  assert_true(CallNamedPipeA(name, "call", 4, out, sizeof out, &n, CONF_WAIT_MS));
  assert_int_equal(n, 4);
  assert_memory_equal(out, "Eall", 4);
  assert_int_equal(conf_join_thread(t, CONF_WAIT_MS, "echo_once"), 0);
  assert_true(CloseHandle(s));
}

static DWORD WINAPI flush_thread(LPVOID arg) { return FlushFileBuffers((HANDLE)arg) ? 0 : 1; }

static void flush_waits_until_the_peer_has_read(void **state) {
  HANDLE s, c, t;
  char buf[8];
  (void)state;
  msg_pair("flush", &s, &c);
  assert_true(FlushFileBuffers(s)); /* nothing unread */
  put(s, "data", 4);
  t = conf_start_thread(flush_thread, s, NULL);
  /* Bounded check that it is blocked, not a synchronisation: the data is unread. */
  assert_int_equal(WaitForSingleObject(t, 100), WAIT_TIMEOUT);
  assert_int_equal(take(c, buf, sizeof buf), 4);
  assert_int_equal(conf_join_thread(t, CONF_WAIT_MS, "flush"), 0);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static void process_ids_of_both_ends(void **state) {
  HANDLE s, c;
  ULONG pid = 0;
  (void)state;
  msg_pair("pids", &s, &c);
  assert_true(GetNamedPipeClientProcessId(s, &pid));
  assert_int_equal(pid, GetCurrentProcessId());
  pid = 0;
  assert_true(GetNamedPipeServerProcessId(c, &pid));
  assert_int_equal(pid, GetCurrentProcessId());
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

/* ---- cases: disconnects, closes, deaths, bad input ---- */

static void disconnect_discards_and_client_is_not_connected(void **state) {
  char name[NAME_CAP], buf[8];
  HANDLE s, c, c2;
  DWORD n = 0xdead;
  (void)state;
  pipe_name(name, sizeof name, "disc");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  put(s, "unread", 6);
  assert_true(DisconnectNamedPipe(s));
  expect_read_error(c, ERROR_PIPE_NOT_CONNECTED, "ReadFile(client after disconnect)");
  expect_error(WriteFile(c, "x", 1, &n, NULL), ERROR_PIPE_NOT_CONNECTED,
               "WriteFile(client after disconnect)");
  expect_error(ReadFile(s, buf, sizeof buf, &n, NULL), ERROR_PIPE_NOT_CONNECTED,
               "ReadFile(disconnected server)");
  assert_true(CloseHandle(c));
  /* Reusable: a new client after ConnectNamedPipe, with none of the old data. */
  {
    HANDLE t = conf_start_thread(connect_later, name, NULL);
    assert_true(ConnectNamedPipe(s, NULL));
    assert_int_equal(conf_join_thread(t, CONF_WAIT_MS, "connect_later"), 0);
  }
  assert_true(DisconnectNamedPipe(s));
  assert_true(CloseHandle(s));
  (void)c2;
}

static void listening_instance_refuses_io(void **state) {
  char name[NAME_CAP];
  HANDLE s;
  DWORD n = 0xdead;
  (void)state;
  pipe_name(name, sizeof name, "listen");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  expect_read_error(s, ERROR_PIPE_LISTENING, "ReadFile(listening)");
  expect_error(WriteFile(s, "x", 1, &n, NULL), ERROR_PIPE_LISTENING, "WriteFile(listening)");
  assert_true(CloseHandle(s));
}

static void closing_a_side_breaks_the_pipe(void **state) {
  HANDLE s, c;
  char buf[8];
  DWORD n = 0xdead;
  (void)state;
  msg_pair("close", &s, &c);
  put(c, "last", 4);
  assert_true(CloseHandle(c));
  assert_int_equal(take(s, buf, sizeof buf), 4); /* data written before the close arrives */
  expect_read_error(s, ERROR_BROKEN_PIPE, "ReadFile(client closed)");
  expect_error(ConnectNamedPipe(s, NULL), ERROR_NO_DATA, "ConnectNamedPipe(client closed)");
  assert_true(DisconnectNamedPipe(s));
  assert_true(CloseHandle(s));
  msg_pair("close2", &s, &c);
  assert_true(CloseHandle(s));
  expect_read_error(c, ERROR_BROKEN_PIPE, "ReadFile(server closed)");
  expect_error(WriteFile(c, "x", 1, &n, NULL), ERROR_NO_DATA, "WriteFile(server closed)");
  assert_true(CloseHandle(c));
}

static void closed_handles_and_wrong_handles(void **state) {
  HANDLE s, c, ev;
  char name[NAME_CAP], buf[8];
  DWORD n, st;
  (void)state;
  pipe_name(name, sizeof name, "closed");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
  SetLastError(0xdead);
  expect_error(ConnectNamedPipe(s, NULL), ERROR_INVALID_HANDLE, "ConnectNamedPipe(closed)");
  expect_error(DisconnectNamedPipe(s), ERROR_INVALID_HANDLE, "DisconnectNamedPipe(closed)");
  expect_error(ReadFile(c, buf, sizeof buf, &n, NULL), ERROR_INVALID_HANDLE, "ReadFile(closed)");
  expect_error(PeekNamedPipe(c, NULL, 0, NULL, NULL, NULL), ERROR_INVALID_HANDLE,
               "PeekNamedPipe(closed)");
  expect_error(GetNamedPipeInfo(s, NULL, NULL, NULL, NULL), ERROR_INVALID_HANDLE,
               "GetNamedPipeInfo(closed)");
  expect_error(GetNamedPipeHandleStateA(s, &st, NULL, NULL, NULL, NULL, 0),
               ERROR_INVALID_HANDLE, "GetNamedPipeHandleState(closed)");
  ev = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(ev);
  SetLastError(0xdead);
  assert_false(ConnectNamedPipe(ev, NULL));
  assert_int_not_equal(GetLastError(), 0xdead);
  assert_true(CloseHandle(ev));
}

static void zero_size_buffers(void **state) {
  HANDLE s, c;
  char buf[8];
  DWORD n = 0xdead, avail = 0;
  (void)state;
  msg_pair("zero", &s, &c);
  put(c, "", 0);
  assert_true(PeekNamedPipe(s, NULL, 0, NULL, &avail, NULL));
  assert_int_equal(avail, 0);
  assert_true(ReadFile(s, buf, 0, &n, NULL)); /* the zero-length message */
  assert_int_equal(n, 0);
  put(c, "abc", 3);
  SetLastError(0xdead);
  expect_error(ReadFile(s, buf, 0, &n, NULL), ERROR_MORE_DATA, "ReadFile(0 of 3)");
  assert_int_equal(n, 0);
  assert_int_equal(take(s, buf, sizeof buf), 3);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static void client_death_breaks_the_pipe(void **state) {
  char name[NAME_CAP], buf[16];
  PROCESS_INFORMATION pi;
  HANDLE s;
  (void)state;
  pipe_name(name, sizeof name, "cdeath");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  conf_spawn_until_ready("hold_client", name, &pi, "the child did not connect");
  assert_true(TerminateProcess(pi.hProcess, 7));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "hold_client"), 7);
  conf_close_process(&pi);
  assert_int_equal(take(s, buf, sizeof buf), 7);
  assert_memory_equal(buf, "partial", 7);
  expect_read_error(s, ERROR_BROKEN_PIPE, "ReadFile(client killed)");
  assert_true(CloseHandle(s));
}

static void server_death_breaks_the_pipe_and_frees_the_name(void **state) {
  char name[NAME_CAP];
  PROCESS_INFORMATION pi;
  HANDLE c, s;
  (void)state;
  pipe_name(name, sizeof name, "sdeath");
  conf_spawn_until_ready("hold_server", name, &pi, "the child did not create its pipe");
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  assert_true(TerminateProcess(pi.hProcess, 7));
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "hold_server"), 7);
  conf_close_process(&pi);
  expect_read_error(c, ERROR_BROKEN_PIPE, "ReadFile(server killed)");
  assert_true(CloseHandle(c));
  expect_open_error(name, GENERIC_READ | GENERIC_WRITE, ERROR_FILE_NOT_FOUND);
  s = server(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE, PIPE_TYPE_BYTE, 1);
  assert_true(CloseHandle(s));
}

/* ---- cases: inheritance ---- */

static void handle_value_arg(char *buf, size_t cap, HANDLE h) {
  snprintf(buf, cap, "%llu", (unsigned long long)(uintptr_t)h);
}

/* A client end opened inheritable goes to a child; the parent closes its own copy at once,
 * and the child goes on talking over the connection; its exit breaks the pipe. */
static void inherited_client_end_talks_in_the_child(void **state) {
  char name[NAME_CAP], args[32], buf[32];
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  PROCESS_INFORMATION pi;
  HANDLE s, c;
  DWORD n = 0, mode = PIPE_READMODE_MESSAGE;
  (void)state;
  pipe_name(name, sizeof name, "inhc");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 1);
  c = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, &sa, OPEN_EXISTING, 0, NULL);
  if (c == INVALID_HANDLE_VALUE)
    fail_msg("CreateFile(inheritable client) failed with error %lu",
             (unsigned long)GetLastError());
  assert_true(SetNamedPipeHandleState(c, &mode, NULL, NULL));
  assert_false(ConnectNamedPipe(s, NULL));
  assert_int_equal(GetLastError(), ERROR_PIPE_CONNECTED);
  handle_value_arg(args, sizeof args, c);
  conf_spawn_self_or_fail("inherited_client", args, NULL, TRUE, &pi);
  assert_true(CloseHandle(c));
  assert_true(ReadFile(s, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 10);
  assert_memory_equal(buf, "from child", 10);
  put(s, "to child", 8);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "inherited_client"), 0);
  conf_close_process(&pi);
  expect_read_error(s, ERROR_BROKEN_PIPE, "ReadFile(the child's end closed)");
  assert_true(CloseHandle(s));
}

/* A connected client end moved into a running child with DuplicateHandle
 * (DUPLICATE_CLOSE_SOURCE): the child talks over it in message mode, set before the move. */
static void duplicated_client_end_talks_in_the_child(void **state) {
  char value[VALUE_LEN + 1], buf[32];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  HANDLE s, c, cc, to_child, child_in;
  DWORD n = 0;
  (void)state;
  conf_child_pipe(&to_child, &child_in, TRUE, 0);
  conf_stdio_startup(&si, child_in, NULL, NULL);
  conf_spawn_self_or_fail("inherited_client", "-", &si, TRUE, &pi);
  assert_true(CloseHandle(child_in));
  msg_pair("dup", &s, &c);
  if (!DuplicateHandle(GetCurrentProcess(), c, pi.hProcess, &cc, 0, FALSE,
                       DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE))
    fail_msg("DuplicateHandle(client end into the child) failed with error %lu",
             (unsigned long)GetLastError());
  snprintf(value, sizeof value, "%020llu", (unsigned long long)(uintptr_t)cc);
  assert_true(WriteFile(to_child, value, VALUE_LEN, &n, NULL));
  assert_int_equal(take(s, buf, sizeof buf), 10);
  assert_memory_equal(buf, "from child", 10);
  put(s, "to child", 8);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "inherited_client -"), 0);
  conf_close_process(&pi);
  expect_read_error(s, ERROR_BROKEN_PIPE, "ReadFile(the child's end closed)");
  assert_true(CloseHandle(s));
  assert_true(CloseHandle(to_child));
}

/* A listening server instance created inheritable goes to a child and the parent closes its
 * handle: the name stays (the child holds the instance), the child accepts, talks and
 * disconnects; when the child has ended, the name is gone. */
static void inherited_server_end_serves_in_the_child(void **state) {
  char name[NAME_CAP], args[32], buf[32];
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  PROCESS_INFORMATION pi;
  HANDLE s, c;
  DWORD mode = PIPE_READMODE_MESSAGE;
  (void)state;
  pipe_name(name, sizeof name, "inhs");
  s = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 1,
                       4096, 4096, 0, &sa);
  if (s == INVALID_HANDLE_VALUE)
    fail_msg("CreateNamedPipe(inheritable) failed with error %lu", (unsigned long)GetLastError());
  handle_value_arg(args, sizeof args, s);
  conf_spawn_self_or_fail("inherited_server", args, NULL, TRUE, &pi);
  assert_true(CloseHandle(s));
  c = open_pipe_waiting(name, GENERIC_READ | GENERIC_WRITE);
  if (c == INVALID_HANDLE_VALUE)
    fail_msg("CreateFile(the child's instance) failed with error %lu",
             (unsigned long)GetLastError());
  assert_true(SetNamedPipeHandleState(c, &mode, NULL, NULL));
  put(c, "ping", 4);
  assert_int_equal(take(c, buf, sizeof buf), 4);
  assert_memory_equal(buf, "pong", 4);
  put(c, "bye", 3);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "inherited_server"), 0);
  conf_close_process(&pi);
  expect_read_error(c, ERROR_PIPE_NOT_CONNECTED, "ReadFile(disconnected by the child)");
  assert_true(CloseHandle(c));
  expect_open_error(name, GENERIC_READ | GENERIC_WRITE, ERROR_FILE_NOT_FOUND);
}

/* The way runtimes give a child pipes as stdio (libuv, Python): an overlapped server end
 * kept, the inheritable client end as the child's hStdOutput; the parent reads what the
 * child wrote, then ERROR_BROKEN_PIPE once it has exited. */
static void client_end_as_a_childs_stdout(void **state) {
  char name[NAME_CAP], buf[32];
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  HANDLE s, c, ev;
  OVERLAPPED ov;
  DWORD n = 0, got;
  (void)state;
  pipe_name(name, sizeof name, "stdout");
  s = server(name, PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
             PIPE_TYPE_BYTE, 1);
  c = CreateFileA(name, GENERIC_WRITE, 0, &sa, OPEN_EXISTING, 0, NULL);
  if (c == INVALID_HANDLE_VALUE)
    fail_msg("CreateFile(inheritable client) failed with error %lu",
             (unsigned long)GetLastError());
  conf_stdio_startup(&si, NULL, c, NULL);
  conf_spawn_self_or_fail("stdout_writer", NULL, &si, TRUE, &pi);
  assert_true(CloseHandle(c));
  ev = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_non_null(ev);
  for (got = 0; got < 12; got += n) { /* a byte pipe may deliver it in parts */
    memset(&ov, 0, sizeof ov);
    ov.hEvent = ev;
    if (!ReadFile(s, buf + got, 12 - got, &n, &ov)) {
      assert_int_equal(GetLastError(), ERROR_IO_PENDING);
      assert_int_equal(WaitForSingleObject(ev, CONF_WAIT_MS), WAIT_OBJECT_0);
      assert_true(GetOverlappedResult(s, &ov, &n, FALSE));
    }
  }
  assert_memory_equal(buf, "child output", 12);
  assert_int_equal(conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "stdout_writer"), 0);
  conf_close_process(&pi);
  memset(&ov, 0, sizeof ov);
  ov.hEvent = ev;
  SetLastError(0xdead);
  if (!ReadFile(s, buf, sizeof buf, &n, &ov) && GetLastError() == ERROR_IO_PENDING) {
    assert_int_equal(WaitForSingleObject(ev, CONF_WAIT_MS), WAIT_OBJECT_0);
    SetLastError(0xdead);
    assert_false(GetOverlappedResult(s, &ov, &n, FALSE));
  }
  assert_int_equal(GetLastError(), ERROR_BROKEN_PIPE);
  assert_true(CloseHandle(ev));
  assert_true(CloseHandle(s));
}

/* ---- cases: overlapped I/O and APCs ---- */

static void overlapped_connect_read_write(void **state) {
  char name[NAME_CAP], buf[32];
  HANDLE s, c, ev;
  OVERLAPPED ov;
  DWORD n = 0xdead;
  (void)state;
  pipe_name(name, sizeof name, "ovl");
  s = server(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
             PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 1);
  ev = CreateEventA(NULL, TRUE, FALSE, NULL);
  memset(&ov, 0, sizeof ov);
  ov.hEvent = ev;
  SetLastError(0xdead);
  expect_error(ConnectNamedPipe(s, &ov), ERROR_IO_PENDING, "ConnectNamedPipe(overlapped)");
  assert_false(HasOverlappedIoCompleted(&ov));
  expect_error(GetOverlappedResult(s, &ov, &n, FALSE), ERROR_IO_INCOMPLETE,
               "GetOverlappedResult(pending connect)");
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  assert_int_equal(WaitForSingleObject(ev, CONF_WAIT_MS), WAIT_OBJECT_0);
  assert_true(GetOverlappedResult(s, &ov, &n, TRUE));
  assert_true(HasOverlappedIoCompleted(&ov));
  /* A read that has to wait. */
  memset(&ov, 0, sizeof ov);
  ov.hEvent = ev;
  SetLastError(0xdead);
  expect_error(ReadFile(s, buf, sizeof buf, NULL, &ov), ERROR_IO_PENDING,
               "ReadFile(overlapped, empty)");
  assert_int_equal(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);
  put(c, "async", 5);
  assert_int_equal(WaitForSingleObject(ev, CONF_WAIT_MS), WAIT_OBJECT_0);
  assert_true(GetOverlappedResult(s, &ov, &n, TRUE));
  assert_int_equal(n, 5);
  assert_memory_equal(buf, "async", 5);
  /* A read with data already there completes at once (and still signals the event). */
  put(c, "now", 3);
  memset(&ov, 0, sizeof ov);
  ov.hEvent = ev;
  n = 0;
  if (!ReadFile(s, buf, sizeof buf, &n, &ov)) {
    assert_int_equal(GetLastError(), ERROR_IO_PENDING);
    assert_true(GetOverlappedResult(s, &ov, &n, TRUE));
  }
  assert_int_equal(n, 3);
  assert_int_equal(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
  /* A message larger than the buffer: ERROR_MORE_DATA through GetOverlappedResult. */
  put(c, "0123456789", 10);
  memset(&ov, 0, sizeof ov);
  ov.hEvent = ev;
  if (ReadFile(s, buf, 4, NULL, &ov))
    fail_msg("overlapped ReadFile of 4 of 10 bytes succeeded");
  if (GetLastError() != ERROR_MORE_DATA && GetLastError() != ERROR_IO_PENDING)
    fail_msg("overlapped ReadFile(4 of 10) failed with %lu", (unsigned long)GetLastError());
  SetLastError(0xdead);
  expect_error(GetOverlappedResult(s, &ov, &n, TRUE), ERROR_MORE_DATA,
               "GetOverlappedResult(4 of 10)");
  assert_int_equal(n, 4);
  assert_int_equal(take(s, buf, sizeof buf), 6);
  /* An overlapped write. */
  memset(&ov, 0, sizeof ov);
  ov.hEvent = ev;
  if (!WriteFile(s, "out", 3, NULL, &ov)) {
    assert_int_equal(GetLastError(), ERROR_IO_PENDING);
  }
  assert_true(GetOverlappedResult(s, &ov, &n, TRUE));
  assert_int_equal(n, 3);
  assert_int_equal(take(c, buf, sizeof buf), 3);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
  assert_true(CloseHandle(ev));
}

static void cancel_io_aborts_pending_reads(void **state) {
  char name[NAME_CAP], buf[32];
  HANDLE s, c, ev;
  OVERLAPPED ov, ov2;
  DWORD n = 0xdead;
  (void)state;
  pipe_name(name, sizeof name, "cancel");
  s = server(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, PIPE_TYPE_BYTE, 1);
  c = open_pipe(name, GENERIC_READ | GENERIC_WRITE, FILE_FLAG_OVERLAPPED);
  assert_ptr_not_equal(c, INVALID_HANDLE_VALUE);
  ev = CreateEventA(NULL, TRUE, FALSE, NULL);
  memset(&ov, 0, sizeof ov);
  ov.hEvent = ev;
  SetLastError(0xdead);
  expect_error(ReadFile(c, buf, sizeof buf, NULL, &ov), ERROR_IO_PENDING, "ReadFile(pending)");
  assert_true(CancelIo(c));
  assert_int_equal(WaitForSingleObject(ev, CONF_WAIT_MS), WAIT_OBJECT_0);
  SetLastError(0xdead);
  expect_error(GetOverlappedResult(c, &ov, &n, TRUE), ERROR_OPERATION_ABORTED,
               "GetOverlappedResult(cancelled)");
  memset(&ov2, 0, sizeof ov2);
  ov2.hEvent = ev;
  ResetEvent(ev);
  expect_error(ReadFile(c, buf, sizeof buf, NULL, &ov2), ERROR_IO_PENDING, "ReadFile(pending)");
  assert_true(CancelIoEx(c, &ov2));
  expect_error(GetOverlappedResult(c, &ov2, &n, TRUE), ERROR_OPERATION_ABORTED,
               "GetOverlappedResult(CancelIoEx)");
  SetLastError(0xdead);
  expect_error(CancelIoEx(c, &ov2), ERROR_NOT_FOUND, "CancelIoEx(nothing pending)");
  /* The pipe still works and nothing was consumed by the cancelled reads. */
  {
    DWORD put_n = 0;
    assert_true(WriteFile(s, "ok", 2, &put_n, NULL) || GetLastError() == ERROR_IO_PENDING);
  }
  memset(&ov, 0, sizeof ov);
  ov.hEvent = ev;
  if (!ReadFile(c, buf, sizeof buf, NULL, &ov))
    assert_int_equal(GetLastError(), ERROR_IO_PENDING);
  assert_true(GetOverlappedResult(c, &ov, &n, TRUE));
  assert_int_equal(n, 2);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
  assert_true(CloseHandle(ev));
}

static DWORD g_routine_err, g_routine_bytes, g_routine_calls;
static LPOVERLAPPED g_routine_ov;

static void WINAPI on_done(DWORD err, DWORD bytes, LPOVERLAPPED ov) {
  g_routine_err = err;
  g_routine_bytes = bytes;
  g_routine_ov = ov;
  ++g_routine_calls;
}

static ULONG_PTR g_apc_data;
static void WINAPI on_apc(ULONG_PTR data) { g_apc_data = data; }

static void read_file_ex_runs_in_alertable_wait(void **state) {
  char name[NAME_CAP], buf[32];
  HANDLE s, c, ev;
  OVERLAPPED ov;
  DWORD r;
  (void)state;
  pipe_name(name, sizeof name, "apc");
  s = server(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, PIPE_TYPE_BYTE, 1);
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  memset(&ov, 0, sizeof ov);
  g_routine_calls = 0;
  assert_true(ReadFileEx(s, buf, sizeof buf, &ov, on_done));
  assert_int_equal(SleepEx(0, TRUE), 0); /* nothing completed yet */
  assert_int_equal(g_routine_calls, 0);
  put(c, "apc!", 4);
  /* Not alertable: the routine does not run. */
  ev = CreateEventA(NULL, TRUE, FALSE, NULL);
  assert_int_equal(WaitForSingleObject(ev, 50), WAIT_TIMEOUT);
  assert_int_equal(g_routine_calls, 0);
  r = SleepEx(CONF_WAIT_MS, TRUE);
  assert_int_equal(r, WAIT_IO_COMPLETION);
  assert_int_equal(g_routine_calls, 1);
  assert_int_equal(g_routine_err, 0);
  assert_int_equal(g_routine_bytes, 4);
  assert_ptr_equal(g_routine_ov, &ov);
  assert_memory_equal(buf, "apc!", 4);
  /* WriteFileEx, then WaitForSingleObjectEx alertable. */
  memset(&ov, 0, sizeof ov);
  assert_true(WriteFileEx(s, "back", 4, &ov, on_done));
  r = WaitForSingleObjectEx(ev, CONF_WAIT_MS, TRUE);
  assert_int_equal(r, WAIT_IO_COMPLETION);
  assert_int_equal(g_routine_calls, 2);
  assert_int_equal(g_routine_bytes, 4);
  assert_int_equal(take(c, buf, sizeof buf), 4);
  /* QueueUserAPC to this thread. */
  g_apc_data = 0;
  assert_true(QueueUserAPC(on_apc, GetCurrentThread(), 42));
  assert_int_equal(g_apc_data, 0);
  r = WaitForMultipleObjectsEx(1, &ev, FALSE, CONF_WAIT_MS, TRUE);
  assert_int_equal(r, WAIT_IO_COMPLETION);
  assert_int_equal(g_apc_data, 42);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
  assert_true(CloseHandle(ev));
}

static void other_host_is_bad_netpath(void **state) {
  (void)state;
  expect_open_error("\\\\no-such-host.invalid\\pipe\\conf-np", GENERIC_READ | GENERIC_WRITE,
                    ERROR_BAD_NETPATH);
}

/* \\<this computer's name>\pipe\NAME reaches the local pipe \\.\pipe\NAME (any case);
 * GetComputerName reports the name and the size it needs. */
static void own_computer_name_reaches_local_pipe(void **state) {
  char name[NAME_CAP], host[MAX_COMPUTERNAME_LENGTH + 1], remote[NAME_CAP + 32], buf[8];
  DWORD size = 0, n = 0;
  HANDLE s, c;
  (void)state;
  SetLastError(0xdead);
  assert_false(GetComputerNameA(NULL, &size));
  assert_int_equal(GetLastError(), ERROR_BUFFER_OVERFLOW);
  assert_true(size >= 2 && size <= sizeof host);
  size = sizeof host;
  assert_true(GetComputerNameA(host, &size));
  assert_int_equal(size, strlen(host));
  pipe_name(name, sizeof name, "host");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  snprintf(remote, sizeof remote, "\\\\%s\\pipe\\%s", host, name + strlen("\\\\.\\pipe\\"));
  c = client(remote, GENERIC_READ | GENERIC_WRITE);
  assert_false(ConnectNamedPipe(s, NULL));
  assert_int_equal(GetLastError(), ERROR_PIPE_CONNECTED);
  put(c, "hi", 2);
  assert_true(ReadFile(s, buf, sizeof buf, &n, NULL));
  assert_int_equal(n, 2);
  assert_memory_equal(buf, "hi", 2);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static void disconnect_of_listening_instance(void **state) {
  char name[NAME_CAP];
  HANDLE s;
  (void)state;
  pipe_name(name, sizeof name, "disclisten");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  SetLastError(0xdead);
  expect_error(DisconnectNamedPipe(s), ERROR_PIPE_LISTENING, "DisconnectNamedPipe(listening)");
  assert_true(CloseHandle(s));
}

static void wait_named_pipe_returns_when_an_instance_frees(void **state) {
  char name[NAME_CAP];
  HANDLE s, c, t;
  (void)state;
  pipe_name(name, sizeof name, "free");
  s = server(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1);
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  expect_error(ConnectNamedPipe(s, NULL), ERROR_PIPE_CONNECTED, "ConnectNamedPipe");
  /* The thread waits in WaitNamedPipe for the busy instance, then connects. */
  t = conf_start_thread(connect_later, name, NULL);
  assert_true(DisconnectNamedPipe(s));
  assert_true(CloseHandle(c));
  assert_true(ConnectNamedPipe(s, NULL) || GetLastError() == ERROR_PIPE_CONNECTED);
  assert_int_equal(conf_join_thread(t, CONF_WAIT_MS, "connect_later"), 0);
  assert_true(CloseHandle(s));
}

static void pipe_handle_is_waitable_for_overlapped_io(void **state) {
  char name[NAME_CAP], buf[16];
  HANDLE s, c;
  OVERLAPPED ov;
  DWORD n = 0;
  (void)state;
  pipe_name(name, sizeof name, "noevent");
  s = server(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, PIPE_TYPE_BYTE, 1);
  c = client(name, GENERIC_READ | GENERIC_WRITE);
  memset(&ov, 0, sizeof ov); /* no event: GetOverlappedResult waits on the handle */
  SetLastError(0xdead);
  expect_error(ReadFile(s, buf, sizeof buf, NULL, &ov), ERROR_IO_PENDING, "ReadFile(pending)");
  SetLastError(0xdead);
  expect_error(GetOverlappedResultEx(s, &ov, &n, 10, FALSE), WAIT_TIMEOUT,
               "GetOverlappedResultEx(10 ms, nothing written)");
  put(c, "handle", 6);
  assert_true(GetOverlappedResult(s, &ov, &n, TRUE));
  assert_int_equal(n, 6);
  assert_int_equal(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
  assert_true(CloseHandle(c));
  assert_true(CloseHandle(s));
}

static DWORD WINAPI alertable_sleeper(LPVOID arg) {
  HANDLE ready = (HANDLE)arg;
  SetEvent(ready);
  return SleepEx(CONF_WAIT_MS, TRUE) == WAIT_IO_COMPLETION && g_apc_data == 7 ? 0 : 1;
}

static void queue_user_apc_to_another_thread(void **state) {
  HANDLE t, ready;
  (void)state;
  g_apc_data = 0;
  ready = CreateEventA(NULL, TRUE, FALSE, NULL);
  t = conf_start_thread(alertable_sleeper, ready, NULL);
  assert_int_equal(WaitForSingleObject(ready, CONF_WAIT_MS), WAIT_OBJECT_0);
  /* Queued before or during its alertable sleep: either way the sleep ends with it. */
  assert_true(QueueUserAPC(on_apc, t, 7));
  assert_int_equal(conf_join_thread(t, CONF_WAIT_MS, "alertable_sleeper"), 0);
  assert_true(CloseHandle(ready));
}

/* ---- the many-clients test ---- */

struct served {
  HANDLE pipe;
  LONG bad;
  uint32_t client;
  uint32_t count;
};

/* The seeds' per-client thread: read a request, answer it, until the client leaves. */
static DWORD WINAPI serve_client(LPVOID arg) {
  struct served *sv = (struct served *)arg;
  struct msg m;
  DWORD n;
  uint32_t expect = 0;
  for (;;) {
    if (!ReadFile(sv->pipe, &m, sizeof m, &n, NULL)) {
      if (GetLastError() != ERROR_BROKEN_PIPE)
        sv->bad = 1;
      break;
    }
    if (n != sizeof m || !msg_ok(&m) || m.seq != expect ||
        (expect > 0 && m.client != sv->client)) {
      sv->bad = 1;
      break;
    }
    sv->client = m.client;
    ++expect;
    if (!WriteFile(sv->pipe, &m, sizeof m, &n, NULL)) {
      sv->bad = 1;
      break;
    }
  }
  sv->count = expect;
  DisconnectNamedPipe(sv->pipe);
  CloseHandle(sv->pipe);
  return 0;
}

static void many_client_processes_exchange_checksummed_messages(void **state) {
  char name[NAME_CAP], args[NAME_CAP + 32];
  PROCESS_INFORMATION pi[MANY_CLIENTS];
  static struct served sv[MANY_CLIENTS];
  HANDLE threads[MANY_CLIENTS];
  int seen[MANY_CLIENTS];
  int i;
  (void)state;
  pipe_name(name, sizeof name, "many");
  for (i = 0; i < MANY_CLIENTS; ++i) {
    char id[16];
    args[0] = 0;
    conf_append_arg(args, sizeof args, name);
    snprintf(id, sizeof id, "%d", i);
    conf_append_arg(args, sizeof args, id);
    conf_spawn_self_or_fail("many_client", args, NULL, FALSE, &pi[i]);
    /* More children than the teardown tracks: a client of a failed case gives up on its
     * own (its open or its next exchange fails once this process is gone). */
    conf_untrack_process(&pi[i]);
  }
  /* The server: a new instance per client, a thread per connection. */
  for (i = 0; i < MANY_CLIENTS; ++i) {
    HANDLE p = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE,
                                PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, NULL);
    if (p == INVALID_HANDLE_VALUE)
      fail_msg("CreateNamedPipe #%d failed with %lu", i, (unsigned long)GetLastError());
    if (!ConnectNamedPipe(p, NULL) && GetLastError() != ERROR_PIPE_CONNECTED)
      fail_msg("ConnectNamedPipe #%d failed with %lu", i, (unsigned long)GetLastError());
    memset(&sv[i], 0, sizeof sv[i]);
    sv[i].pipe = p;
    threads[i] = conf_start_thread(serve_client, &sv[i], NULL);
  }
  for (i = 0; i < MANY_CLIENTS; ++i) {
    DWORD code = conf_wait_exit(pi[i].hProcess, 120000, "many_client");
    CloseHandle(pi[i].hProcess);
    CloseHandle(pi[i].hThread);
    if (code != 0)
      fail_msg("client %d exited with %lu", i, (unsigned long)code);
  }
  memset(seen, 0, sizeof seen);
  for (i = 0; i < MANY_CLIENTS; ++i) {
    assert_int_equal(conf_join_thread(threads[i], CONF_WAIT_MS, "serve_client"), 0);
    if (sv[i].bad)
      fail_msg("connection %d saw a lost, duplicated, reordered or corrupt message", i);
    assert_int_equal(sv[i].count, MANY_EACH);
    assert_true(sv[i].client < MANY_CLIENTS);
    ++seen[sv[i].client];
  }
  for (i = 0; i < MANY_CLIENTS; ++i)
    assert_int_equal(seen[i], 1);
}

/* ---- the example programs ---- */

static void example_server_and_client(void **state) {
  char srv[MAX_PATH], cli[MAX_PATH], cmd[3 * MAX_PATH], pname[64], out[1024];
  PROCESS_INFORMATION spi, cpi[2];
  STARTUPINFOA si;
  HANDLE out_r, out_w;
  DWORD n;
  int i;
  (void)state;
  conf_sibling_exe("example-win32-named-pipe-server", srv, sizeof srv);
  conf_sibling_exe("example-win32-named-pipe-client", cli, sizeof cli);
  snprintf(pname, sizeof pname, "conf-np-%lu-example", (unsigned long)GetCurrentProcessId());
  conf_child_pipe(&out_r, &out_w, FALSE, 0);
  conf_stdio_startup(&si, NULL, out_w, NULL);
  cmd[0] = 0;
  conf_append_arg(cmd, sizeof cmd, srv);
  conf_append_arg(cmd, sizeof cmd, pname);
  conf_append_arg(cmd, sizeof cmd, "2");
  if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &spi))
    fail_msg("starting the server example failed with error %lu", (unsigned long)GetLastError());
  conf_track_process(&spi);
  assert_true(CloseHandle(out_w));
  for (i = 0; i < 2; ++i) {
    STARTUPINFOA csi;
    cmd[0] = 0;
    conf_append_arg(cmd, sizeof cmd, cli);
    conf_append_arg(cmd, sizeof cmd, pname);
    conf_append_arg(cmd, sizeof cmd, i == 0 ? "hello from client one" : "second client");
    memset(&csi, 0, sizeof csi);
    csi.cb = sizeof csi;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &csi, &cpi[i]))
      fail_msg("starting the client example failed with error %lu",
               (unsigned long)GetLastError());
    conf_track_process(&cpi[i]);
  }
  for (i = 0; i < 2; ++i) {
    assert_int_equal(conf_wait_exit(cpi[i].hProcess, CONF_WAIT_MS, "client example"), 0);
    conf_close_process(&cpi[i]);
  }
  n = conf_read_to_eof(out_r, spi.hProcess, out, sizeof out - 1, CONF_WAIT_MS);
  out[n] = 0;
  assert_int_equal(conf_wait_exit(spi.hProcess, CONF_WAIT_MS, "server example"), 0);
  conf_close_process(&spi);
  assert_true(CloseHandle(out_r));
  if (!strstr(out, "request: hello from client one") || !strstr(out, "request: second client"))
    fail_msg("server example printed \"%s\"", out);
}

#define CASE(f) cmocka_unit_test_teardown(f, conf_reap_children)
static const struct CMUnitTest tests[] = {
    CASE(byte_pipe_carries_data_both_ways),
    CASE(long_name_is_filename_exced_range),
    CASE(name_outside_pipe_directory_is_path_not_found),
    CASE(relative_name_is_invalid_name),
    CASE(zero_instances_is_invalid_parameter),
    CASE(too_many_instances_is_invalid_parameter),
    CASE(message_read_mode_on_byte_pipe_is_invalid_parameter),
    CASE(missing_pipe_is_file_not_found),
    CASE(names_are_case_insensitive_and_w_works),
    CASE(instances_are_limited_and_must_agree),
    CASE(first_pipe_instance_refused_when_name_exists),
    CASE(instances_must_agree_on_access),
    CASE(busy_instances_and_wait_named_pipe),
    CASE(blocking_connect_waits_for_a_client),
    CASE(access_follows_the_pipe_direction),
    CASE(messages_keep_boundaries_and_zero_length),
    CASE(small_buffer_is_more_data_and_rest_stays),
    CASE(large_message_is_whole),
    CASE(byte_read_mode_reads_across_messages),
    CASE(peek_reports_totals_and_message_rest),
    CASE(pipe_info_and_handle_state),
    CASE(nowait_mode_does_not_block),
    CASE(transact_and_call_named_pipe),
    CASE(flush_waits_until_the_peer_has_read),
    CASE(process_ids_of_both_ends),
    CASE(disconnect_discards_and_client_is_not_connected),
    CASE(listening_instance_refuses_io),
    CASE(closing_a_side_breaks_the_pipe),
    CASE(closed_handles_and_wrong_handles),
    CASE(zero_size_buffers),
    CASE(client_death_breaks_the_pipe),
    CASE(server_death_breaks_the_pipe_and_frees_the_name),
    CASE(inherited_client_end_talks_in_the_child),
    CASE(duplicated_client_end_talks_in_the_child),
    CASE(inherited_server_end_serves_in_the_child),
    CASE(client_end_as_a_childs_stdout),
    CASE(overlapped_connect_read_write),
    CASE(cancel_io_aborts_pending_reads),
    CASE(read_file_ex_runs_in_alertable_wait),
    CASE(other_host_is_bad_netpath),
    CASE(own_computer_name_reaches_local_pipe),
    CASE(disconnect_of_listening_instance),
    CASE(wait_named_pipe_returns_when_an_instance_frees),
    CASE(pipe_handle_is_waitable_for_overlapped_io),
    CASE(queue_user_apc_to_another_thread),
    CASE(many_client_processes_exchange_checksummed_messages),
    CASE(example_server_and_client),
};

CONF_MAIN_WITH_ROLES(tests, roles)
