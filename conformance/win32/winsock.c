/* Winsock 2: WSAStartup version negotiation and WSANOTINITIALISED before it (in a child
 * that never started Winsock), the startup count, WSAGetLastError sharing GetLastError's
 * slot; blocking TCP and UDP round trips; socket options (Winsock numbers, BOOL-sized
 * values, SO_EXCLUSIVEADDRUSE, SO_ERROR as a WSAE code); ioctlsocket; Winsock select and its
 * fd_set (count + array, FD_SETSIZE chosen by the program); name resolution and address
 * conversions; bad input (non-sockets, closed sockets, missing or short addresses and
 * buffers). WSAEventSelect: every network event (FD_ACCEPT, FD_CONNECT ok and refused,
 * FD_READ, FD_WRITE, FD_OOB, FD_CLOSE graceful and reset), Windows' re-enabling rules one by
 * one, conditions already pending at WSAEventSelect time, a new selection replacing the old
 * and 0 cancelling it, accepted sockets inheriting the listener's selection, 60 sockets in
 * one WSAWaitForMultipleEvents; an echo server and clients in child processes written only
 * with WSAEventSelect + WSAWaitForMultipleEvents + WSAEnumNetworkEvents, and the
 * winsock_server/winsock_client examples.
 * Everything runs over 127.0.0.1 with ports the system picks. Waits are bounded; a check
 * that something is NOT signalled waits QUIET_MS. */
#define FD_SETSIZE 128 /* a program may choose its own; see fd_set_is_count_and_array */
#include <winsock2.h>
#include <ws2tcpip.h>

#include "conformance.h"
#include "win32_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIET_MS 300
#define ECHO_CLIENTS 4
#define ECHO_ROUNDS 20
#define MANY 60

/* ---- helpers usable in roles (no CMocka) ---- */

static int startup(void) {
  WSADATA d;
  return WSAStartup(MAKEWORD(2, 2), &d);
}

static struct sockaddr_in loopback(u_short port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/* ---- child roles: no CMocka here, the exit code is the verdict ---- */

/* Never calls WSAStartup. argv[0] "core": socket creation, closesocket, gethostbyname and
 * WSACleanup fail with WSANOTINITIALISED, then the startup count; "calls": calls on a
 * socket value (connect, select, WSAEventSelect) fail with WSANOTINITIALISED too. Returns
 * the number of the first check that failed, 0 if all passed. */
static int role_no_startup(int argc, char **argv) {
  struct sockaddr_in a = loopback(1);
  fd_set set;
  struct timeval tv = {0, 0};
  if (argc < 1)
    return 2;
  if (strcmp(argv[0], "calls") == 0) {
    if (connect((SOCKET)100, (struct sockaddr *)&a, sizeof a) != SOCKET_ERROR ||
        WSAGetLastError() != WSANOTINITIALISED)
      return 12;
    FD_ZERO(&set);
    FD_SET((SOCKET)100, &set);
    if (select(0, &set, NULL, NULL, &tv) != SOCKET_ERROR ||
        WSAGetLastError() != WSANOTINITIALISED)
      return 14;
    if (WSAEventSelect((SOCKET)100, NULL, 0) != SOCKET_ERROR ||
        WSAGetLastError() != WSANOTINITIALISED)
      return 16;
    return 0;
  }
  if (socket(AF_INET, SOCK_STREAM, 0) != INVALID_SOCKET ||
      WSAGetLastError() != WSANOTINITIALISED)
    return 10;
  if (WSACleanup() != SOCKET_ERROR || WSAGetLastError() != WSANOTINITIALISED)
    return 11;
  if (gethostbyname("localhost") != NULL || WSAGetLastError() != WSANOTINITIALISED)
    return 13;
  if (closesocket((SOCKET)100) != SOCKET_ERROR || WSAGetLastError() != WSANOTINITIALISED)
    return 15;
  /* The count: two startups need two cleanups. */
  if (startup() != 0 || startup() != 0)
    return 20;
  if (WSACleanup() != 0)
    return 21;
  {
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    if (s == INVALID_SOCKET)
      return 22;
    closesocket(s);
  }
  if (WSACleanup() != 0)
    return 23;
  if (socket(AF_INET, SOCK_STREAM, 0) != INVALID_SOCKET ||
      WSAGetLastError() != WSANOTINITIALISED)
    return 24;
  return 0;
}

/* argv: port, message tag. A client written with WSAEventSelect only: connects, sends
 * ECHO_ROUNDS messages one after the other (each after the previous echo), checks each
 * echo, shuts down its side and waits for the server's FD_CLOSE. 0 on success. */
static int role_echo_client(int argc, char **argv) {
  SOCKET s;
  WSAEVENT ev;
  struct sockaddr_in a;
  char msg[64], got[64];
  int len = 0, have = 0, round = 0, sent = 0, writable = 0, connected = 0;
  if (argc < 2 || startup() != 0)
    return 2;
  a = loopback((u_short)atoi(argv[0]));
  s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  ev = WSACreateEvent();
  if (s == INVALID_SOCKET || ev == WSA_INVALID_EVENT)
    return 3;
  if (WSAEventSelect(s, ev, FD_CONNECT | FD_READ | FD_WRITE | FD_CLOSE) != 0)
    return 4;
  if (connect(s, (struct sockaddr *)&a, sizeof a) != SOCKET_ERROR ||
      WSAGetLastError() != WSAEWOULDBLOCK) {
    fprintf(stderr, "echo_client: connect gave %d\n", WSAGetLastError());
    return 5;
  }
  for (;;) {
    WSANETWORKEVENTS ne;
    DWORD r = WSAWaitForMultipleEvents(1, &ev, FALSE, CONF_WAIT_MS, FALSE);
    if (r != WSA_WAIT_EVENT_0)
      return 6;
    if (WSAEnumNetworkEvents(s, ev, &ne) != 0)
      return 7;
    if (ne.lNetworkEvents & FD_CONNECT) {
      if (ne.iErrorCode[FD_CONNECT_BIT] != 0)
        return 8;
      connected = 1;
    }
    if (ne.lNetworkEvents & FD_WRITE)
      writable = 1;
    if (ne.lNetworkEvents & FD_READ) {
      int n = recv(s, got + have, (int)sizeof got - have, 0);
      if (n > 0)
        have += n;
      else if (n == 0 || WSAGetLastError() != WSAEWOULDBLOCK)
        return 9;
      if (have == len && len > 0) {
        if (memcmp(got, msg, (size_t)len) != 0)
          return 10;
        have = 0;
        sent = 0;
        if (++round == ECHO_ROUNDS && shutdown(s, SD_SEND) != 0)
          return 11;
      } else if (have > len) {
        return 12;
      }
    }
    if (ne.lNetworkEvents & FD_CLOSE) {
      if (round != ECHO_ROUNDS || ne.iErrorCode[FD_CLOSE_BIT] != 0)
        return 13;
      break;
    }
    if (connected && writable && !sent && round < ECHO_ROUNDS) {
      len = snprintf(msg, sizeof msg, "%s-%d", argv[1], round);
      if (send(s, msg, len, 0) != len)
        return 14;
      sent = 1;
    }
  }
  closesocket(s);
  WSACloseEvent(ev);
  WSACleanup();
  return 0;
}

/* argv: number of clients. An echo server written with WSAEventSelect only (one thread,
 * one event per socket). Prints "port N\n" on stdout first; returns 0 once that many
 * clients have connected, been echoed and closed gracefully. */
static int role_echo_server(int argc, char **argv) {
  SOCKET socks[WSA_MAXIMUM_WAIT_EVENTS];
  WSAEVENT evs[WSA_MAXIMUM_WAIT_EVENTS];
  int n = 1, want, closed = 0;
  struct sockaddr_in a = loopback(0);
  int alen = sizeof a;
  if (argc < 1 || startup() != 0)
    return 2;
  want = atoi(argv[0]);
  socks[0] = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  evs[0] = WSACreateEvent();
  if (socks[0] == INVALID_SOCKET || bind(socks[0], (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(socks[0], SOMAXCONN) != 0 || WSAEventSelect(socks[0], evs[0], FD_ACCEPT) != 0 ||
      getsockname(socks[0], (struct sockaddr *)&a, &alen) != 0)
    return 3;
  printf("port %u\n", (unsigned)ntohs(a.sin_port));
  fflush(stdout);
  while (closed < want) {
    WSANETWORKEVENTS ne;
    DWORD r = WSAWaitForMultipleEvents((DWORD)n, evs, FALSE, CONF_WAIT_MS, FALSE);
    int i;
    if (r >= (DWORD)n)
      return 4;
    i = (int)r;
    if (WSAEnumNetworkEvents(socks[i], evs[i], &ne) != 0)
      return 5;
    if (ne.lNetworkEvents & FD_ACCEPT) {
      SOCKET c = accept(socks[0], NULL, NULL);
      if (c == INVALID_SOCKET) {
        if (WSAGetLastError() == WSAEWOULDBLOCK)
          continue;
        return 6;
      }
      socks[n] = c;
      evs[n] = WSACreateEvent();
      if (WSAEventSelect(c, evs[n], FD_READ | FD_CLOSE) != 0)
        return 7;
      ++n;
      continue;
    }
    if (ne.lNetworkEvents & (FD_READ | FD_CLOSE)) {
      char buf[256];
      int got;
      while ((got = recv(socks[i], buf, sizeof buf, 0)) > 0) {
        if (send(socks[i], buf, got, 0) != got)
          return 8;
      }
      if (got < 0 && WSAGetLastError() != WSAEWOULDBLOCK)
        return 9;
    }
    if (ne.lNetworkEvents & FD_CLOSE) {
      if (ne.iErrorCode[FD_CLOSE_BIT] != 0)
        return 10;
      closesocket(socks[i]);
      WSACloseEvent(evs[i]);
      socks[i] = socks[n - 1];
      evs[i] = evs[n - 1];
      --n;
      ++closed;
    }
  }
  closesocket(socks[0]);
  WSACloseEvent(evs[0]);
  WSACleanup();
  return 0;
}

/* argv: a socket handle value (decimal) inherited from the parent. Sends "child" on it: 0,
 * or 3 if the send failed. */
static int role_inherited_send(int argc, char **argv) {
  SOCKET s;
  if (argc < 1 || startup() != 0)
    return 2;
  s = (SOCKET)strtoul(argv[0], NULL, 10);
  if (send(s, "child", 5, 0) != 5) {
    fprintf(stderr, "inherited_send: send failed with %d\n", WSAGetLastError());
    return 3;
  }
  closesocket(s);
  WSACleanup();
  return 0;
}

static const struct conf_role roles[] = {
    {"inherited_send", role_inherited_send},
    {"no_startup", role_no_startup},
    {"echo_client", role_echo_client},
    {"echo_server", role_echo_server},
};

/* ---- helpers for the cases ---- */

static int setup(void **state) {
  (void)state;
  if (startup() != 0)
    fail_msg("WSAStartup failed");
  return 0;
}

static int teardown(void **state) {
  conf_reap_children(state);
  WSACleanup();
  return 0;
}

static void expect_error(int result, int expected_result, int err, const char *what) {
  if (result != expected_result || WSAGetLastError() != err)
    fail_msg("%s: returned %d with error %d, expected %d with error %d", what, result,
             WSAGetLastError(), expected_result, err);
}

static SOCKET tcp_socket(void) {
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET)
    fail_msg("socket failed with %d", WSAGetLastError());
  return s;
}

/* A listener on 127.0.0.1 with a system-chosen port. */
static SOCKET listener(u_short *port) {
  SOCKET s = tcp_socket();
  struct sockaddr_in a = loopback(0);
  int len = sizeof a;
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, SOMAXCONN) != 0 ||
      getsockname(s, (struct sockaddr *)&a, &len) != 0)
    fail_msg("listener setup failed with %d", WSAGetLastError());
  *port = ntohs(a.sin_port);
  return s;
}

static void connect_or_fail(SOCKET s, u_short port) {
  struct sockaddr_in a = loopback(port);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
    fail_msg("connect failed with %d", WSAGetLastError());
}

/* A connected pair (blocking sockets): *c the connecting end, *srv the accepted one. */
static void tcp_pair(SOCKET *c, SOCKET *srv) {
  u_short port;
  SOCKET l = listener(&port);
  *c = tcp_socket();
  connect_or_fail(*c, port);
  *srv = accept(l, NULL, NULL);
  if (*srv == INVALID_SOCKET)
    fail_msg("accept failed with %d", WSAGetLastError());
  closesocket(l);
}

static WSAEVENT new_event(void) {
  WSAEVENT e = WSACreateEvent();
  if (e == WSA_INVALID_EVENT)
    fail_msg("WSACreateEvent failed with %lu", (unsigned long)GetLastError());
  return e;
}

/* Waits (bounded) for ev and returns the socket's recorded events. */
static WSANETWORKEVENTS wait_events(SOCKET s, WSAEVENT ev, const char *what) {
  WSANETWORKEVENTS ne;
  DWORD r = WSAWaitForMultipleEvents(1, &ev, FALSE, CONF_WAIT_MS, FALSE);
  if (r != WSA_WAIT_EVENT_0)
    fail_msg("%s: WSAWaitForMultipleEvents returned %lu", what, (unsigned long)r);
  if (WSAEnumNetworkEvents(s, ev, &ne) != 0)
    fail_msg("%s: WSAEnumNetworkEvents failed with %d", what, WSAGetLastError());
  return ne;
}

/* Waits until `want` is among the recorded events (others may come first); returns all
 * the events seen meanwhile, with the error codes of the last record of each. */
static WSANETWORKEVENTS wait_for(SOCKET s, WSAEVENT ev, LONG want, const char *what) {
  WSANETWORKEVENTS all;
  memset(&all, 0, sizeof all);
  while (!(all.lNetworkEvents & want)) {
    WSANETWORKEVENTS ne = wait_events(s, ev, what);
    int b;
    for (b = 0; b < FD_MAX_EVENTS; ++b)
      if (ne.lNetworkEvents & (1 << b))
        all.iErrorCode[b] = ne.iErrorCode[b];
    all.lNetworkEvents |= ne.lNetworkEvents;
  }
  return all;
}

/* Asserts that nothing is recorded for QUIET_MS. */
static void expect_quiet(SOCKET s, WSAEVENT ev, const char *what) {
  WSANETWORKEVENTS ne;
  DWORD r = WSAWaitForMultipleEvents(1, &ev, FALSE, QUIET_MS, FALSE);
  if (r != WSA_WAIT_TIMEOUT) {
    WSAEnumNetworkEvents(s, ev, &ne);
    fail_msg("%s: expected no event, got wait %lu with events 0x%lx", what, (unsigned long)r,
             (unsigned long)ne.lNetworkEvents);
  }
  if (WSAEnumNetworkEvents(s, NULL, &ne) != 0 || ne.lNetworkEvents != 0)
    fail_msg("%s: expected no recorded event, got 0x%lx", what, (unsigned long)ne.lNetworkEvents);
}

static void send_all(SOCKET s, const char *p, int len) {
  while (len > 0) {
    int n = send(s, p, len, 0);
    if (n <= 0)
      fail_msg("send failed with %d", WSAGetLastError());
    p += n;
    len -= n;
  }
}

/* Blocking recv of exactly len bytes. */
static void recv_all(SOCKET s, char *p, int len) {
  while (len > 0) {
    int n = recv(s, p, len, 0);
    if (n <= 0)
      fail_msg("recv returned %d with %d", n, WSAGetLastError());
    p += n;
    len -= n;
  }
}

/* ---- startup, errors ---- */

static void startup_negotiates_versions(void **state) {
  WSADATA d;
  (void)state;
  memset(&d, 0xcc, sizeof d);
  assert_int_equal(WSAStartup(MAKEWORD(2, 2), &d), 0);
  assert_int_equal(d.wVersion, MAKEWORD(2, 2));
  assert_int_equal(d.wHighVersion, MAKEWORD(2, 2));
  assert_true(strlen(d.szDescription) <= WSADESCRIPTION_LEN);
  assert_true(strlen(d.szSystemStatus) <= WSASYS_STATUS_LEN);
  assert_int_equal(WSACleanup(), 0);
  /* An older version is granted as asked; a newer one gets the highest supported. */
  assert_int_equal(WSAStartup(MAKEWORD(1, 1), &d), 0);
  assert_int_equal(d.wVersion, MAKEWORD(1, 1));
  assert_int_equal(d.wHighVersion, MAKEWORD(2, 2));
  assert_int_equal(WSACleanup(), 0);
  assert_int_equal(WSAStartup(MAKEWORD(3, 0), &d), 0);
  assert_int_equal(d.wVersion, MAKEWORD(2, 2));
  assert_int_equal(WSACleanup(), 0);
  /* Below 1.0 nothing is supported. */
  assert_int_equal(WSAStartup(MAKEWORD(0, 9), &d), WSAVERNOTSUPPORTED);
}

static void startup_null_data_is_efault(void **state) {
  (void)state;
  assert_int_equal(WSAStartup(MAKEWORD(2, 2), NULL), WSAEFAULT);
}

static void run_no_startup(const char *which) {
  PROCESS_INFORMATION pi;
  DWORD code;
  conf_spawn_self_or_fail("no_startup", which, NULL, FALSE, &pi);
  code = conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "no_startup child");
  conf_close_process(&pi);
  if (code != 0)
    fail_msg("no_startup child (%s) failed check %lu", which, (unsigned long)code);
}

static void calls_before_startup_are_not_initialised(void **state) {
  (void)state;
  run_no_startup("core");
}

static void socket_calls_before_startup_are_not_initialised(void **state) {
  (void)state;
  run_no_startup("calls");
}

static void last_error_is_getlasterror(void **state) {
  (void)state;
  WSASetLastError(WSAEWOULDBLOCK);
  assert_int_equal(GetLastError(), WSAEWOULDBLOCK);
  SetLastError(ERROR_ACCESS_DENIED);
  assert_int_equal(WSAGetLastError(), ERROR_ACCESS_DENIED);
  assert_int_equal(closesocket(INVALID_SOCKET), SOCKET_ERROR);
  assert_int_equal(GetLastError(), WSAENOTSOCK);
}

static void non_sockets_are_enotsock(void **state) {
  SOCKET s = tcp_socket();
  WSAEVENT ev = new_event();
  char c = 0;
  WSANETWORKEVENTS ne;
  u_long arg = 1;
  (void)state;
  assert_int_equal(closesocket(s), 0);
  expect_error(closesocket(s), SOCKET_ERROR, WSAENOTSOCK, "closesocket twice");
  expect_error(send(s, &c, 1, 0), SOCKET_ERROR, WSAENOTSOCK, "send on a closed socket");
  expect_error(recv((SOCKET)12345, &c, 1, 0), SOCKET_ERROR, WSAENOTSOCK, "recv on junk");
  expect_error(listen(INVALID_SOCKET, 1), SOCKET_ERROR, WSAENOTSOCK, "listen(INVALID_SOCKET)");
  expect_error(WSAEventSelect(s, ev, FD_READ), SOCKET_ERROR, WSAENOTSOCK,
               "WSAEventSelect on a closed socket");
  expect_error(WSAEnumNetworkEvents(s, ev, &ne), SOCKET_ERROR, WSAENOTSOCK,
               "WSAEnumNetworkEvents on a closed socket");
  /* A handle that is not a socket (an event). */
  expect_error(ioctlsocket((SOCKET)ev, FIONBIO, &arg), SOCKET_ERROR, WSAENOTSOCK,
               "ioctlsocket on an event handle");
  expect_error(closesocket((SOCKET)ev), SOCKET_ERROR, WSAENOTSOCK, "closesocket on an event");
  assert_true(WSACloseEvent(ev));
}

static void bad_addresses_and_lengths(void **state) {
  SOCKET s = tcp_socket(), u;
  struct sockaddr_in a = loopback(0);
  int len;
  char opt[4];
  (void)state;
  expect_error(bind(s, NULL, sizeof a), SOCKET_ERROR, WSAEFAULT, "bind(NULL)");
  expect_error(bind(s, (struct sockaddr *)&a, 4), SOCKET_ERROR, WSAEFAULT, "bind(len 4)");
  len = 4;
  assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
  expect_error(getsockname(s, (struct sockaddr *)&a, &len), SOCKET_ERROR, WSAEFAULT,
               "getsockname(len 4)");
  len = 0;
  expect_error(getsockopt(s, SOL_SOCKET, SO_TYPE, opt, &len), SOCKET_ERROR, WSAEFAULT,
               "getsockopt(len 0)");
  expect_error(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, NULL, 4), SOCKET_ERROR, WSAEFAULT,
               "setsockopt(NULL)");
  expect_error(shutdown(s, 7), SOCKET_ERROR, WSAEINVAL, "shutdown(7)");
  expect_error((int)accept(s, NULL, NULL), (int)INVALID_SOCKET, WSAEINVAL,
               "accept on a socket that is not listening");
  {
    u_long arg = 0;
    expect_error(ioctlsocket(s, 0x12345, &arg), SOCKET_ERROR, WSAEOPNOTSUPP,
                 "ioctlsocket(junk)");
  }
  closesocket(s);
  /* An unbound socket has no name. */
  s = tcp_socket();
  len = sizeof a;
  expect_error(getsockname(s, (struct sockaddr *)&a, &len), SOCKET_ERROR, WSAEINVAL,
               "getsockname unbound");
  expect_error(listen(s, 1), SOCKET_ERROR, WSAEINVAL, "listen unbound");
  closesocket(s);
  u = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  assert_true(u != INVALID_SOCKET);
  a = loopback(0);
  assert_int_equal(bind(u, (struct sockaddr *)&a, sizeof a), 0);
  expect_error(listen(u, 1), SOCKET_ERROR, WSAEOPNOTSUPP, "listen on UDP");
  closesocket(u);
  expect_error((int)socket(12345, SOCK_STREAM, 0), (int)INVALID_SOCKET, WSAEAFNOSUPPORT,
               "socket(bad family)");
}

/* ---- plain sockets ---- */

static void tcp_blocking_round_trip(void **state) {
  SOCKET c, s;
  char buf[16];
  struct sockaddr_in peer, me;
  int len = sizeof peer, len2 = sizeof me;
  (void)state;
  tcp_pair(&c, &s);
  send_all(c, "hello", 5);
  recv_all(s, buf, 5);
  assert_memory_equal(buf, "hello", 5);
  assert_int_equal(getpeername(s, (struct sockaddr *)&peer, &len), 0);
  assert_int_equal(len, sizeof peer);
  assert_int_equal(getsockname(c, (struct sockaddr *)&me, &len2), 0);
  assert_int_equal(peer.sin_family, AF_INET);
  assert_int_equal(peer.sin_port, me.sin_port);
  assert_int_equal(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
  /* ReadFile/WriteFile work on socket handles too. */
  {
    DWORD done = 0;
    assert_true(WriteFile((HANDLE)s, "abc", 3, &done, NULL));
    assert_int_equal(done, 3);
    recv_all(c, buf, 3);
    assert_memory_equal(buf, "abc", 3);
  }
  assert_int_equal(shutdown(c, SD_SEND), 0);
  assert_int_equal(recv(s, buf, sizeof buf, 0), 0);
  expect_error(send(c, "x", 1, 0), SOCKET_ERROR, WSAESHUTDOWN, "send after SD_SEND");
  closesocket(c);
  closesocket(s);
}

static void udp_sendto_recvfrom(void **state) {
  SOCKET a = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP), b = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in aa = loopback(0), from;
  int len = sizeof aa, flen = sizeof from;
  char buf[32];
  (void)state;
  assert_true(a != INVALID_SOCKET && b != INVALID_SOCKET);
  assert_int_equal(bind(a, (struct sockaddr *)&aa, sizeof aa), 0);
  assert_int_equal(getsockname(a, (struct sockaddr *)&aa, &len), 0);
  assert_int_equal(sendto(b, "dgram", 5, 0, (struct sockaddr *)&aa, sizeof aa), 5);
  assert_int_equal(recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), 5);
  assert_memory_equal(buf, "dgram", 5);
  assert_int_equal(flen, sizeof from);
  assert_int_equal(from.sin_family, AF_INET);
  assert_int_equal(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
  closesocket(a);
  closesocket(b);
}

static void recvfrom_short_fromlen_is_efault(void **state) {
  SOCKET a = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP), b = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in aa = loopback(0), from;
  int len = sizeof aa, flen = 4;
  char buf[8];
  (void)state;
  assert_int_equal(bind(a, (struct sockaddr *)&aa, sizeof aa), 0);
  assert_int_equal(getsockname(a, (struct sockaddr *)&aa, &len), 0);
  assert_int_equal(sendto(b, "x", 1, 0, (struct sockaddr *)&aa, sizeof aa), 1);
  expect_error(recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), SOCKET_ERROR,
               WSAEFAULT, "recvfrom(fromlen 4)");
  closesocket(a);
  closesocket(b);
}

/* NULL where an address, a length or a result must be written. */
static void null_pointers_are_efault(void **state) {
  SOCKET s = tcp_socket();
  struct sockaddr_in a = loopback(0);
  WSAEVENT ev = new_event();
  (void)state;
  expect_error(connect(s, NULL, sizeof a), SOCKET_ERROR, WSAEFAULT, "connect(NULL)");
  assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
  expect_error(getsockname(s, (struct sockaddr *)&a, NULL), SOCKET_ERROR, WSAEFAULT,
               "getsockname(NULL namelen)");
  expect_error(WSAEnumNetworkEvents(s, ev, NULL), SOCKET_ERROR, WSAEFAULT,
               "WSAEnumNetworkEvents(NULL)");
  closesocket(s);
  WSACloseEvent(ev);
}

static void socket_options(void **state) {
  SOCKET s = tcp_socket(), t;
  BOOL on = TRUE, got = FALSE;
  int v = 0, len = sizeof v;
  DWORD ms = 1500;
  struct linger lg = {1, 7}, lg2;
  (void)state;
  assert_int_equal(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (char *)&on, sizeof on), 0);
  len = sizeof got;
  assert_int_equal(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, (char *)&got, &len), 0);
  assert_int_equal(len, sizeof(BOOL));
  assert_true(got);
  /* SO_EXCLUSIVEADDRUSE and SO_REUSEADDR exclude each other. */
  expect_error(setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (char *)&on, sizeof on),
               SOCKET_ERROR, WSAEINVAL, "SO_EXCLUSIVEADDRUSE after SO_REUSEADDR");
  len = sizeof v;
  assert_int_equal(getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&v, &len), 0);
  assert_int_equal(v, SOCK_STREAM);
  assert_int_equal(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&ms, sizeof ms), 0);
  ms = 0;
  len = sizeof ms;
  assert_int_equal(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&ms, &len), 0);
  assert_int_equal(ms, 1500);
  /* A blocking recv that times out fails with WSAETIMEDOUT. */
  {
    SOCKET c2, s2;
    DWORD short_ms = 100;
    char b;
    tcp_pair(&c2, &s2);
    assert_int_equal(setsockopt(s2, SOL_SOCKET, SO_RCVTIMEO, (char *)&short_ms, sizeof short_ms),
                     0);
    expect_error(recv(s2, &b, 1, 0), SOCKET_ERROR, WSAETIMEDOUT, "recv past SO_RCVTIMEO");
    closesocket(c2);
    closesocket(s2);
  }
  assert_int_equal(setsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&lg, sizeof lg), 0);
  len = sizeof lg2;
  assert_int_equal(getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&lg2, &len), 0);
  assert_int_equal(lg2.l_onoff, 1);
  assert_int_equal(lg2.l_linger, 7);
  assert_int_equal(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (char *)&on, sizeof on), 0);
  got = FALSE;
  len = sizeof got;
  assert_int_equal(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, (char *)&got, &len), 0);
  assert_true(got);
  v = -1;
  len = sizeof v;
  assert_int_equal(getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&v, &len), 0);
  assert_int_equal(v, 0);
  expect_error(getsockopt(s, SOL_SOCKET, 0x7777, (char *)&v, &len), SOCKET_ERROR,
               WSAENOPROTOOPT, "unknown option");
  closesocket(s);
  t = tcp_socket();
  assert_int_equal(setsockopt(t, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (char *)&on, sizeof on), 0);
  got = FALSE;
  len = sizeof got;
  assert_int_equal(getsockopt(t, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (char *)&got, &len), 0);
  assert_true(got);
  closesocket(t);
}

static void ioctlsocket_commands(void **state) {
  SOCKET c, s;
  u_long arg = 1;
  char buf[8];
  (void)state;
  tcp_pair(&c, &s);
  assert_int_equal(ioctlsocket(s, FIONBIO, &arg), 0);
  expect_error(recv(s, buf, sizeof buf, 0), SOCKET_ERROR, WSAEWOULDBLOCK, "non-blocking recv");
  arg = 0;
  assert_int_equal(ioctlsocket(s, FIONREAD, &arg), 0);
  assert_int_equal(arg, 0);
  send_all(c, "1234", 4);
  {
    fd_set rd;
    struct timeval tv = {CONF_WAIT_MS / 1000, 0};
    FD_ZERO(&rd);
    FD_SET(s, &rd);
    assert_int_equal(select(0, &rd, NULL, NULL, &tv), 1);
  }
  assert_int_equal(ioctlsocket(s, FIONREAD, &arg), 0);
  assert_int_equal(arg, 4);
  assert_int_equal(ioctlsocket(s, SIOCATMARK, &arg), 0);
  assert_int_equal(arg, TRUE); /* no urgent data waiting */
  closesocket(c);
  closesocket(s);
}

static void fd_set_is_count_and_array(void **state) {
  fd_set set;
  SOCKET i;
  (void)state;
  assert_int_equal(sizeof(set.fd_array) / sizeof(set.fd_array[0]), 128);
  FD_ZERO(&set);
  assert_int_equal(set.fd_count, 0);
  FD_SET((SOCKET)8, &set);
  FD_SET((SOCKET)8, &set); /* once only */
  FD_SET((SOCKET)12, &set);
  assert_int_equal(set.fd_count, 2);
  assert_true(set.fd_array[0] == 8 && set.fd_array[1] == 12);
  FD_CLR((SOCKET)8, &set);
  assert_int_equal(set.fd_count, 1);
  assert_true(set.fd_array[0] == 12);
  for (i = 0; i < 200; ++i)
    FD_SET((SOCKET)(1000 + 4 * i), &set);
  assert_int_equal(set.fd_count, FD_SETSIZE); /* full: the rest are dropped */
}

static void winsock_select(void **state) {
  SOCKET c, s, nb;
  fd_set rd, wr, ex;
  struct timeval zero = {0, 0}, bound = {CONF_WAIT_MS / 1000, 0};
  u_short port;
  SOCKET l;
  u_long on = 1;
  (void)state;
  tcp_pair(&c, &s);
  FD_ZERO(&rd);
  FD_SET(s, &rd);
  assert_int_equal(select(0, &rd, NULL, NULL, &zero), 0);
  assert_int_equal(rd.fd_count, 0);
  send_all(c, "z", 1);
  FD_ZERO(&rd);
  FD_SET(s, &rd);
  FD_SET(c, &rd);
  FD_ZERO(&wr);
  FD_SET(c, &wr);
  assert_int_equal(select(0, &rd, &wr, NULL, &bound), 2);
  assert_true(FD_ISSET(s, &rd));
  assert_false(FD_ISSET(c, &rd));
  assert_true(FD_ISSET(c, &wr));
  expect_error(select(0, NULL, NULL, NULL, &zero), SOCKET_ERROR, WSAEINVAL, "select(no sets)");
  FD_ZERO(&rd);
  FD_SET((SOCKET)12344, &rd);
  expect_error(select(0, &rd, NULL, NULL, &zero), SOCKET_ERROR, WSAENOTSOCK,
               "select on a non-socket");
  /* A non-blocking connect: writable once connected; refused: in the except set. */
  l = listener(&port);
  nb = tcp_socket();
  assert_int_equal(ioctlsocket(nb, FIONBIO, &on), 0);
  {
    struct sockaddr_in a = loopback(port);
    int r = connect(nb, (struct sockaddr *)&a, sizeof a);
    assert_true(r == 0 || WSAGetLastError() == WSAEWOULDBLOCK);
  }
  FD_ZERO(&wr);
  FD_SET(nb, &wr);
  assert_int_equal(select(0, NULL, &wr, NULL, &bound), 1);
  closesocket(nb);
  closesocket(l);
  nb = tcp_socket();
  assert_int_equal(ioctlsocket(nb, FIONBIO, &on), 0);
  {
    struct sockaddr_in a = loopback(port); /* closed now */
    int r = connect(nb, (struct sockaddr *)&a, sizeof a);
    assert_int_equal(r, SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAEWOULDBLOCK);
  }
  FD_ZERO(&wr);
  FD_SET(nb, &wr);
  FD_ZERO(&ex);
  FD_SET(nb, &ex);
  assert_int_equal(select(0, NULL, &wr, &ex, &bound), 1);
  assert_int_equal(wr.fd_count, 0);
  assert_true(FD_ISSET(nb, &ex));
  {
    int err = 0, len = sizeof err;
    assert_int_equal(getsockopt(nb, SOL_SOCKET, SO_ERROR, (char *)&err, &len), 0);
    assert_int_equal(err, WSAECONNREFUSED);
  }
  closesocket(nb);
  closesocket(c);
  closesocket(s);
}

static void socket_handles_inherit(void **state) {
  SOCKET c, s, quiet;
  DWORD flags = 0, code;
  PROCESS_INFORMATION pi;
  char arg[32], buf[8];
  (void)state;
  tcp_pair(&c, &s);
  /* socket() handles are inheritable; WSA_FLAG_NO_HANDLE_INHERIT makes one that is not. */
  assert_true(GetHandleInformation((HANDLE)c, &flags));
  assert_true(flags & HANDLE_FLAG_INHERIT);
  quiet = WSASocketA(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
  assert_true(quiet != INVALID_SOCKET);
  assert_true(GetHandleInformation((HANDLE)quiet, &flags));
  assert_false(flags & HANDLE_FLAG_INHERIT);
  closesocket(quiet);
  snprintf(arg, sizeof arg, "%lu", (unsigned long)c);
  conf_spawn_self_or_fail("inherited_send", arg, NULL, TRUE, &pi);
  code = conf_wait_exit(pi.hProcess, CONF_WAIT_MS, "inherited_send child");
  conf_close_process(&pi);
  assert_int_equal(code, 0);
  recv_all(s, buf, 5);
  assert_memory_equal(buf, "child", 5);
  closesocket(c);
  closesocket(s);
}

/* ---- names and addresses ---- */

static void name_resolution(void **state) {
  struct hostent *he;
  struct addrinfo hints, *res = NULL;
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  int r;
  (void)state;
  he = gethostbyname("127.0.0.1");
  assert_non_null(he);
  assert_int_equal(he->h_addrtype, AF_INET);
  assert_int_equal(he->h_length, 4);
  assert_memory_equal(he->h_addr_list[0], "\x7f\0\0\x01", 4);
  he = gethostbyname("localhost");
  assert_non_null(he);
  assert_int_equal((unsigned char)he->h_addr_list[0][0], 127);
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  assert_int_equal(getaddrinfo("127.0.0.1", "8080", &hints, &res), 0);
  assert_non_null(res);
  assert_int_equal(res->ai_family, AF_INET);
  assert_int_equal(res->ai_socktype, SOCK_STREAM);
  assert_int_equal(res->ai_addrlen, sizeof(struct sockaddr_in));
  assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_port, htons(8080));
  r = getnameinfo(res->ai_addr, (int)res->ai_addrlen, host, sizeof host, serv, sizeof serv,
                  NI_NUMERICHOST | NI_NUMERICSERV);
  assert_int_equal(r, 0);
  assert_string_equal(host, "127.0.0.1");
  assert_string_equal(serv, "8080");
  freeaddrinfo(res);
  hints.ai_family = AF_INET6;
  assert_int_equal(getaddrinfo("::1", "80", &hints, &res), 0);
  assert_int_equal(res->ai_family, AF_INET6);
  assert_int_equal(res->ai_addrlen, sizeof(struct sockaddr_in6));
  assert_int_equal(res->ai_addr->sa_family, AF_INET6);
  r = getnameinfo(res->ai_addr, (int)res->ai_addrlen, host, sizeof host, NULL, 0,
                  NI_NUMERICHOST);
  assert_int_equal(r, 0);
  assert_string_equal(host, "::1");
  freeaddrinfo(res);
  /* A numeric host that is not numeric. */
  hints.ai_family = AF_INET;
  res = NULL;
  r = getaddrinfo("not-a-number", "80", &hints, &res);
  assert_int_equal(r, WSAHOST_NOT_FOUND);
  assert_int_equal(WSAGetLastError(), WSAHOST_NOT_FOUND);
}

static void address_conversions(void **state) {
  struct in_addr in;
  unsigned char v6[16];
  char buf[INET6_ADDRSTRLEN];
  (void)state;
  assert_int_equal(htons(0x1234), 0x3412);
  assert_int_equal(ntohs(0x3412), 0x1234);
  assert_true(htonl(0x01020304) == 0x04030201);
  assert_true(ntohl(0x04030201) == 0x01020304);
  assert_true(inet_addr("127.0.0.1") == htonl(0x7f000001));
  assert_true(inet_addr("10.1.2") == htonl(0x0a010002)); /* BSD short forms */
  assert_true(inet_addr("0x7f.1") == htonl(0x7f000001));
  assert_true(inet_addr("junk") == INADDR_NONE);
  assert_true(inet_addr("1.2.3.256") == INADDR_NONE);
  in.s_addr = htonl(0xc0a80001);
  assert_string_equal(inet_ntoa(in), "192.168.0.1");
  assert_int_equal(inet_pton(AF_INET, "10.0.0.7", &in), 1);
  assert_true(in.s_addr == htonl(0x0a000007));
  assert_int_equal(inet_pton(AF_INET, "10.0.0", &in), 0);
  assert_int_equal(inet_pton(AF_INET6, "fe80::1", v6), 1);
  assert_int_equal(v6[0], 0xfe);
  assert_int_equal(v6[15], 1);
  assert_non_null(inet_ntop(AF_INET6, v6, buf, sizeof buf));
  assert_string_equal(buf, "fe80::1");
  assert_non_null(inet_ntop(AF_INET, &in, buf, sizeof buf));
  assert_string_equal(buf, "10.0.0.7");
  assert_int_equal(inet_pton(12345, "1.2.3.4", &in), -1);
  assert_int_equal(WSAGetLastError(), WSAEAFNOSUPPORT);
}

static void inet_ntop_small_buffer_is_invalid_parameter(void **state) {
  struct in_addr in;
  char buf[8];
  (void)state;
  in.s_addr = htonl(0x0a000007);
  assert_null(inet_ntop(AF_INET, &in, buf, 4));
  assert_int_equal(WSAGetLastError(), ERROR_INVALID_PARAMETER);
}

/* ---- events ---- */

static void wsa_events(void **state) {
  WSAEVENT e = new_event(), two[2];
  (void)state;
  assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
  assert_true(WSASetEvent(e));
  /* Manual reset: stays signalled until WSAResetEvent. */
  assert_int_equal(WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE), WSA_WAIT_EVENT_0);
  assert_int_equal(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
  assert_true(WSAResetEvent(e));
  assert_int_equal(WaitForSingleObject(e, 0), WAIT_TIMEOUT);
  two[0] = e;
  two[1] = new_event();
  assert_true(WSASetEvent(two[1]));
  assert_int_equal(WSAWaitForMultipleEvents(2, two, FALSE, 0, FALSE), WSA_WAIT_EVENT_0 + 1);
  assert_int_equal(WSAWaitForMultipleEvents(2, two, TRUE, 0, FALSE), WSA_WAIT_TIMEOUT);
  assert_int_equal(WSAWaitForMultipleEvents(2, two, FALSE, 0, TRUE), WSA_WAIT_EVENT_0 + 1);
  assert_int_equal(WSAWaitForMultipleEvents(0, two, FALSE, 0, FALSE), WSA_WAIT_FAILED);
  assert_int_equal(WSAGetLastError(), WSA_INVALID_PARAMETER);
  assert_true(WSACloseEvent(two[1]));
  assert_true(WSACloseEvent(e));
  assert_false(WSACloseEvent(e));
  assert_int_equal(WSAGetLastError(), WSA_INVALID_HANDLE);
}

static void event_select_makes_nonblocking(void **state) {
  SOCKET c, s;
  WSAEVENT ev = new_event();
  char buf[4];
  u_long off = 0;
  (void)state;
  tcp_pair(&c, &s);
  assert_int_equal(WSAEventSelect(s, ev, FD_READ), 0);
  expect_error(recv(s, buf, sizeof buf, 0), SOCKET_ERROR, WSAEWOULDBLOCK, "recv");
  expect_error(ioctlsocket(s, FIONBIO, &off), SOCKET_ERROR, WSAEINVAL,
               "FIONBIO 0 while selected");
  assert_int_equal(WSAEventSelect(s, NULL, 0), 0);
  assert_int_equal(ioctlsocket(s, FIONBIO, &off), 0);
  send_all(c, "b", 1);
  recv_all(s, buf, 1); /* blocking again */
  expect_error(WSAEventSelect(s, NULL, FD_READ), SOCKET_ERROR, WSAEINVAL,
               "WSAEventSelect without an event");
  closesocket(c);
  closesocket(s);
  WSACloseEvent(ev);
}

static void fd_accept_then_inherited_selection(void **state) {
  u_short port;
  SOCKET l = listener(&port), c1, c2, a;
  WSAEVENT ev = new_event();
  WSANETWORKEVENTS ne;
  char buf[8];
  (void)state;
  assert_int_equal(WSAEventSelect(l, ev, FD_ACCEPT | FD_READ | FD_CLOSE), 0);
  expect_quiet(l, ev, "listener before any connection");
  c1 = tcp_socket();
  connect_or_fail(c1, port);
  ne = wait_events(l, ev, "FD_ACCEPT");
  assert_int_equal(ne.lNetworkEvents, FD_ACCEPT);
  assert_int_equal(ne.iErrorCode[FD_ACCEPT_BIT], 0);
  /* Not recorded again before accept, even for a second connection. */
  c2 = tcp_socket();
  connect_or_fail(c2, port);
  expect_quiet(l, ev, "second connection before accept");
  a = accept(l, NULL, NULL);
  assert_true(a != INVALID_SOCKET);
  /* accept re-enables FD_ACCEPT, and c2 is still pending. */
  ne = wait_events(l, ev, "FD_ACCEPT after accept");
  assert_int_equal(ne.lNetworkEvents, FD_ACCEPT);
  /* The accepted socket has the listener's selection: its data signals ev. */
  send_all(c1, "inh", 3);
  ne = wait_for(a, ev, FD_READ, "FD_READ on the accepted socket");
  assert_int_equal(recv(a, buf, sizeof buf, 0), 3);
  closesocket(c1);
  ne = wait_for(a, ev, FD_CLOSE, "FD_CLOSE on the accepted socket");
  assert_int_equal(ne.iErrorCode[FD_CLOSE_BIT], 0);
  closesocket(a);
  a = accept(l, NULL, NULL);
  assert_true(a != INVALID_SOCKET);
  closesocket(a);
  closesocket(c2);
  closesocket(l);
  WSACloseEvent(ev);
}

static void fd_connect_success_and_refused(void **state) {
  u_short port;
  SOCKET l = listener(&port), c, dead;
  WSAEVENT ev = new_event();
  WSANETWORKEVENTS ne;
  struct sockaddr_in a;
  (void)state;
  c = tcp_socket();
  assert_int_equal(WSAEventSelect(c, ev, FD_CONNECT | FD_WRITE), 0);
  a = loopback(port);
  expect_error(connect(c, (struct sockaddr *)&a, sizeof a), SOCKET_ERROR, WSAEWOULDBLOCK,
               "non-blocking connect");
  ne = wait_for(c, ev, FD_CONNECT, "FD_CONNECT");
  assert_int_equal(ne.iErrorCode[FD_CONNECT_BIT], 0);
  if (!(ne.lNetworkEvents & FD_WRITE))
    ne = wait_for(c, ev, FD_WRITE, "FD_WRITE after connecting");
  closesocket(c);
  /* A port nobody listens on (the listener is closed). */
  closesocket(l);
  dead = tcp_socket();
  assert_int_equal(WSAEventSelect(dead, ev, FD_CONNECT | FD_WRITE | FD_CLOSE), 0);
  expect_error(connect(dead, (struct sockaddr *)&a, sizeof a), SOCKET_ERROR, WSAEWOULDBLOCK,
               "connect to a closed port");
  ne = wait_events(dead, ev, "FD_CONNECT refused");
  assert_int_equal(ne.lNetworkEvents, FD_CONNECT);
  assert_int_equal(ne.iErrorCode[FD_CONNECT_BIT], WSAECONNREFUSED);
  closesocket(dead);
  WSACloseEvent(ev);
}

static void fd_read_reenabled_by_recv(void **state) {
  SOCKET c, s;
  WSAEVENT ev = new_event();
  WSANETWORKEVENTS ne;
  char buf[16];
  (void)state;
  tcp_pair(&c, &s);
  assert_int_equal(WSAEventSelect(s, ev, FD_READ), 0);
  expect_quiet(s, ev, "no data yet");
  send_all(c, "a", 1);
  ne = wait_events(s, ev, "first FD_READ");
  assert_int_equal(ne.lNetworkEvents, FD_READ);
  assert_int_equal(ne.iErrorCode[FD_READ_BIT], 0);
  /* More data without a recv: not recorded again. */
  send_all(c, "b", 1);
  expect_quiet(s, ev, "data before a recv");
  /* recv of less than is there: recorded again at once (data remains). */
  assert_int_equal(recv(s, buf, 1, 0), 1);
  assert_int_equal(buf[0], 'a');
  ne = wait_events(s, ev, "FD_READ after a partial recv");
  assert_int_equal(ne.lNetworkEvents, FD_READ);
  assert_int_equal(recv(s, buf, sizeof buf, 0), 1);
  assert_int_equal(buf[0], 'b');
  expect_quiet(s, ev, "everything read");
  /* Re-enabled: new data is recorded. */
  send_all(c, "c", 1);
  ne = wait_events(s, ev, "FD_READ for new data");
  assert_int_equal(ne.lNetworkEvents, FD_READ);
  assert_int_equal(recv(s, buf, sizeof buf, 0), 1);
  closesocket(c);
  closesocket(s);
  WSACloseEvent(ev);
}

static void fd_write_after_wouldblock_only(void **state) {
  SOCKET c, s;
  WSAEVENT ev = new_event();
  WSANETWORKEVENTS ne;
  static char chunk[8192];
  int small = 8192, sent = 0, got = 0;
  u_long off = 0;
  (void)state;
  tcp_pair(&c, &s);
  assert_int_equal(setsockopt(c, SOL_SOCKET, SO_SNDBUF, (char *)&small, sizeof small), 0);
  assert_int_equal(setsockopt(s, SOL_SOCKET, SO_RCVBUF, (char *)&small, sizeof small), 0);
  /* Pending at WSAEventSelect time: a connected socket can send. */
  assert_int_equal(WSAEventSelect(c, ev, FD_WRITE), 0);
  ne = wait_events(c, ev, "FD_WRITE when selected");
  assert_int_equal(ne.lNetworkEvents, FD_WRITE);
  /* Successful sends do not record it again. */
  send_all(c, "x", 1);
  sent = 1;
  expect_quiet(c, ev, "after a successful send");
  /* Fill the buffers until a send would block. */
  for (;;) {
    int n = send(c, chunk, sizeof chunk, 0);
    if (n == SOCKET_ERROR) {
      assert_int_equal(WSAGetLastError(), WSAEWOULDBLOCK);
      break;
    }
    sent += n;
    if (sent > 64 * 1024 * 1024)
      fail_msg("send never blocked");
  }
  /* The peer reads everything: room again, FD_WRITE recorded. */
  assert_int_equal(ioctlsocket(s, FIONBIO, &off), 0);
  while (got < sent) {
    static char sink[65536];
    int n = recv(s, sink, sent - got < (int)sizeof sink ? sent - got : (int)sizeof sink, 0);
    if (n <= 0)
      fail_msg("recv returned %d with %d", n, WSAGetLastError());
    got += n;
  }
  ne = wait_events(c, ev, "FD_WRITE after WSAEWOULDBLOCK");
  assert_int_equal(ne.lNetworkEvents, FD_WRITE);
  assert_int_equal(ne.iErrorCode[FD_WRITE_BIT], 0);
  closesocket(c);
  closesocket(s);
  WSACloseEvent(ev);
}

static void fd_oob(void **state) {
  SOCKET c, s;
  WSAEVENT ev = new_event();
  WSANETWORKEVENTS ne;
  char b;
  (void)state;
  tcp_pair(&c, &s);
  assert_int_equal(WSAEventSelect(s, ev, FD_OOB), 0);
  assert_int_equal(send(c, "!", 1, MSG_OOB), 1);
  ne = wait_events(s, ev, "FD_OOB");
  assert_int_equal(ne.lNetworkEvents, FD_OOB);
  assert_int_equal(recv(s, &b, 1, MSG_OOB), 1);
  assert_int_equal(b, '!');
  closesocket(c);
  closesocket(s);
  WSACloseEvent(ev);
}

static void fd_close_graceful_after_data(void **state) {
  SOCKET c, s;
  WSAEVENT ev = new_event();
  WSANETWORKEVENTS ne;
  char buf[16];
  int have = 0, n, closed = 0;
  (void)state;
  tcp_pair(&c, &s);
  assert_int_equal(WSAEventSelect(s, ev, FD_READ | FD_CLOSE), 0);
  send_all(c, "bye", 3);
  closesocket(c);
  while (!closed) {
    ne = wait_events(s, ev, "FD_READ/FD_CLOSE");
    if (ne.lNetworkEvents & FD_CLOSE) {
      assert_int_equal(ne.iErrorCode[FD_CLOSE_BIT], 0);
      closed = 1;
    }
    while ((n = recv(s, buf + have, (int)sizeof buf - have, 0)) > 0)
      have += n;
  }
  assert_int_equal(have, 3);
  assert_memory_equal(buf, "bye", 3);
  assert_int_equal(recv(s, buf, sizeof buf, 0), 0);
  /* FD_CLOSE is recorded once. */
  expect_quiet(s, ev, "after FD_CLOSE");
  closesocket(s);
  WSACloseEvent(ev);
}

static void fd_close_reset(void **state) {
  SOCKET c, s;
  WSAEVENT ev = new_event();
  WSANETWORKEVENTS ne;
  struct linger abortive = {1, 0};
  char buf[4];
  (void)state;
  tcp_pair(&c, &s);
  assert_int_equal(WSAEventSelect(s, ev, FD_READ | FD_CLOSE), 0);
  assert_int_equal(setsockopt(c, SOL_SOCKET, SO_LINGER, (char *)&abortive, sizeof abortive), 0);
  closesocket(c); /* RST */
  ne = wait_for(s, ev, FD_CLOSE, "FD_CLOSE after a reset");
  assert_int_equal(ne.iErrorCode[FD_CLOSE_BIT], WSAECONNRESET);
  expect_error(recv(s, buf, sizeof buf, 0), SOCKET_ERROR, WSAECONNRESET, "recv after reset");
  closesocket(s);
  WSACloseEvent(ev);
}

static void udp_fd_read_per_datagram(void **state) {
  SOCKET a = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP), b = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in aa = loopback(0);
  int len = sizeof aa;
  WSAEVENT ev = new_event();
  WSANETWORKEVENTS ne;
  char buf[16];
  (void)state;
  assert_int_equal(bind(a, (struct sockaddr *)&aa, sizeof aa), 0);
  assert_int_equal(getsockname(a, (struct sockaddr *)&aa, &len), 0);
  /* A datagram socket can send from the start. */
  assert_int_equal(WSAEventSelect(a, ev, FD_READ | FD_WRITE), 0);
  ne = wait_events(a, ev, "FD_WRITE on a UDP socket");
  assert_int_equal(ne.lNetworkEvents, FD_WRITE);
  assert_int_equal(sendto(b, "one", 3, 0, (struct sockaddr *)&aa, sizeof aa), 3);
  ne = wait_events(a, ev, "FD_READ for a datagram");
  assert_int_equal(ne.lNetworkEvents, FD_READ);
  assert_int_equal(sendto(b, "two", 3, 0, (struct sockaddr *)&aa, sizeof aa), 3);
  expect_quiet(a, ev, "second datagram before a recv");
  /* Each recv takes one datagram; one is left, so FD_READ is recorded again. */
  assert_int_equal(recv(a, buf, sizeof buf, 0), 3);
  assert_memory_equal(buf, "one", 3);
  ne = wait_events(a, ev, "FD_READ for the datagram left");
  assert_int_equal(ne.lNetworkEvents, FD_READ);
  assert_int_equal(recv(a, buf, sizeof buf, 0), 3);
  assert_memory_equal(buf, "two", 3);
  expect_quiet(a, ev, "no datagram left");
  closesocket(a);
  closesocket(b);
  WSACloseEvent(ev);
}

/* A datagram connect completes at once, and is still reported with FD_CONNECT. */
static void udp_connect_records_fd_connect(void **state) {
  SOCKET b = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  struct sockaddr_in aa = loopback(9); /* any address: nothing is sent */
  WSAEVENT ev = new_event();
  WSANETWORKEVENTS ne;
  (void)state;
  assert_int_equal(WSAEventSelect(b, ev, FD_CONNECT), 0);
  assert_int_equal(connect(b, (struct sockaddr *)&aa, sizeof aa), 0);
  /* The connect has completed already: the event is due at once (2 s is plenty). */
  assert_int_equal(WSAWaitForMultipleEvents(1, &ev, FALSE, 2000, FALSE), WSA_WAIT_EVENT_0);
  assert_int_equal(WSAEnumNetworkEvents(b, ev, &ne), 0);
  assert_int_equal(ne.lNetworkEvents & FD_CONNECT, FD_CONNECT);
  assert_int_equal(ne.iErrorCode[FD_CONNECT_BIT], 0);
  closesocket(b);
  WSACloseEvent(ev);
}

static void pending_conditions_at_select_time(void **state) {
  SOCKET c, s;
  WSAEVENT ev = new_event(), ev2 = new_event();
  WSANETWORKEVENTS ne;
  char buf[8];
  u_short port;
  SOCKET l;
  (void)state;
  tcp_pair(&c, &s);
  send_all(c, "early", 5);
  /* Wait until it is there, with the blocking socket's FIONREAD (no selection yet). */
  {
    fd_set rd;
    struct timeval tv = {CONF_WAIT_MS / 1000, 0};
    FD_ZERO(&rd);
    FD_SET(s, &rd);
    assert_int_equal(select(0, &rd, NULL, NULL, &tv), 1);
  }
  assert_int_equal(WSAEventSelect(s, ev, FD_READ), 0);
  ne = wait_events(s, ev, "FD_READ for data already there");
  assert_int_equal(ne.lNetworkEvents, FD_READ);
  assert_int_equal(recv(s, buf, sizeof buf, 0), 5);
  /* A new selection replaces the old one: ev2 gets the events, ev no longer. */
  assert_int_equal(WSAEventSelect(s, ev2, FD_READ), 0);
  send_all(c, "late", 4);
  ne = wait_events(s, ev2, "FD_READ on the new event");
  assert_int_equal(ne.lNetworkEvents, FD_READ);
  assert_int_equal(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);
  /* 0 cancels: nothing recorded or signalled. */
  assert_int_equal(recv(s, buf, sizeof buf, 0), 4);
  assert_int_equal(WSAEventSelect(s, ev2, 0), 0);
  send_all(c, "more", 4);
  expect_quiet(s, ev2, "after cancelling");
  closesocket(c);
  closesocket(s);
  /* A connection already waiting when FD_ACCEPT is selected. */
  l = listener(&port);
  c = tcp_socket();
  connect_or_fail(c, port);
  assert_int_equal(WSAEventSelect(l, ev, FD_ACCEPT), 0);
  ne = wait_events(l, ev, "FD_ACCEPT for a waiting connection");
  assert_int_equal(ne.lNetworkEvents, FD_ACCEPT);
  closesocket(c);
  closesocket(l);
  WSACloseEvent(ev);
  WSACloseEvent(ev2);
}

static void sixty_sockets_in_one_wait(void **state) {
  u_short port;
  SOCKET l = listener(&port), cl[MANY], sv[MANY];
  WSAEVENT evs[MANY];
  int seen[MANY] = {0}, left = MANY, i;
  (void)state;
  for (i = 0; i < MANY; ++i) {
    cl[i] = tcp_socket();
    connect_or_fail(cl[i], port);
    sv[i] = accept(l, NULL, NULL);
    assert_true(sv[i] != INVALID_SOCKET);
    evs[i] = new_event();
    assert_int_equal(WSAEventSelect(sv[i], evs[i], FD_READ), 0);
  }
  assert_int_equal(WSAWaitForMultipleEvents(MANY, evs, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
  /* Every client sends (in reverse order); wait-all sees all of them. */
  for (i = MANY - 1; i >= 0; --i) {
    char b = (char)i;
    send_all(cl[i], &b, 1);
  }
  assert_int_equal(WSAWaitForMultipleEvents(MANY, evs, TRUE, CONF_WAIT_MS, FALSE),
                   WSA_WAIT_EVENT_0);
  /* Wait-any then serves each exactly once. */
  while (left > 0) {
    WSANETWORKEVENTS ne;
    char b;
    DWORD r = WSAWaitForMultipleEvents(MANY, evs, FALSE, CONF_WAIT_MS, FALSE);
    assert_true(r < WSA_WAIT_EVENT_0 + MANY);
    i = (int)(r - WSA_WAIT_EVENT_0);
    assert_int_equal(WSAEnumNetworkEvents(sv[i], evs[i], &ne), 0);
    assert_int_equal(ne.lNetworkEvents, FD_READ);
    if (recv(sv[i], &b, 1, 0) != 1) {
      u_long avail = 12345;
      int e = WSAGetLastError();
      ioctlsocket(sv[i], FIONREAD, &avail);
      fail_msg("socket %d: recv failed with %d (%lu readable, %d left)", i, e, (unsigned long)avail, left);
    }
    assert_int_equal(b, (char)i);
    assert_int_equal(seen[i], 0);
    seen[i] = 1;
    --left;
  }
  assert_int_equal(WSAWaitForMultipleEvents(MANY, evs, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
  for (i = 0; i < MANY; ++i) {
    closesocket(cl[i]);
    closesocket(sv[i]);
    WSACloseEvent(evs[i]);
  }
  closesocket(l);
}

/* ---- processes ---- */

/* Reads the "port N" line a server child prints first. */
static u_short read_port_line(HANDLE r) {
  char line[64];
  DWORD n = 0, got;
  unsigned port = 0;
  while (n < sizeof line - 1) {
    if (!ReadFile(r, line + n, 1, &got, NULL) || got != 1)
      fail_msg("server's first line not read (error %lu)", (unsigned long)GetLastError());
    if (line[n] == '\n')
      break;
    ++n;
  }
  line[n] = '\0';
  if (sscanf(line, "port %u", &port) != 1 || port == 0)
    fail_msg("unexpected first line from the server: '%s'", line);
  return (u_short)port;
}

static void run_echo(const char *server_role, const char *server_exe, const char *client_role,
                     const char *client_exe) {
  PROCESS_INFORMATION srv, cl[ECHO_CLIENTS];
  STARTUPINFOA si;
  HANDLE r, w;
  char args[64], cmd[600];
  u_short port;
  int i;
  conf_child_pipe(&r, &w, FALSE, 0);
  conf_stdio_startup(&si, NULL, w, NULL);
  snprintf(args, sizeof args, "%s%d", server_exe ? "0 " : "", ECHO_CLIENTS);
  if (server_exe) {
    char exe[400];
    conf_sibling_exe(server_exe, exe, sizeof exe);
    cmd[0] = '\0';
    conf_append_arg(cmd, sizeof cmd, exe);
    strcat(cmd, " ");
    strcat(cmd, args);
    memset(&srv, 0, sizeof srv);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &srv))
      fail_msg("CreateProcess(%s) failed with %lu", cmd, (unsigned long)GetLastError());
    conf_track_process(&srv);
  } else {
    conf_spawn_self_or_fail(server_role, args, &si, TRUE, &srv);
  }
  CloseHandle(w);
  port = read_port_line(r);
  for (i = 0; i < ECHO_CLIENTS; ++i) {
    if (client_exe) {
      char exe[400];
      conf_sibling_exe(client_exe, exe, sizeof exe);
      cmd[0] = '\0';
      conf_append_arg(cmd, sizeof cmd, exe);
      snprintf(args, sizeof args, " %u message-from-%d %d", (unsigned)port, i, ECHO_ROUNDS);
      strcat(cmd, args);
      memset(&cl[i], 0, sizeof cl[i]);
      {
        STARTUPINFOA csi;
        memset(&csi, 0, sizeof csi);
        csi.cb = sizeof csi;
        if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &csi, &cl[i]))
          fail_msg("CreateProcess(%s) failed with %lu", cmd, (unsigned long)GetLastError());
      }
      conf_track_process(&cl[i]);
    } else {
      snprintf(args, sizeof args, "%u client%d", (unsigned)port, i);
      conf_spawn_self_or_fail(client_role, args, NULL, FALSE, &cl[i]);
    }
  }
  for (i = 0; i < ECHO_CLIENTS; ++i) {
    DWORD code = conf_wait_exit(cl[i].hProcess, CONF_WAIT_MS, "echo client");
    conf_close_process(&cl[i]);
    if (code != 0)
      fail_msg("echo client %d exited %lu", i, (unsigned long)code);
  }
  {
    DWORD code = conf_wait_exit(srv.hProcess, CONF_WAIT_MS, "echo server");
    conf_close_process(&srv);
    CloseHandle(r);
    if (code != 0)
      fail_msg("echo server exited %lu", (unsigned long)code);
  }
}

static void echo_server_and_clients_in_processes(void **state) {
  (void)state;
  run_echo("echo_server", NULL, "echo_client", NULL);
}

static void winsock_examples(void **state) {
  (void)state;
  run_echo(NULL, "example-win32-winsock-server", NULL, "example-win32-winsock-client");
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(startup_negotiates_versions),
    cmocka_unit_test(startup_null_data_is_efault),
    cmocka_unit_test_teardown(calls_before_startup_are_not_initialised, conf_reap_children),
    cmocka_unit_test_teardown(socket_calls_before_startup_are_not_initialised,
                              conf_reap_children),
    CASE(last_error_is_getlasterror),
    CASE(non_sockets_are_enotsock),
    CASE(bad_addresses_and_lengths),
    CASE(null_pointers_are_efault),
    CASE(tcp_blocking_round_trip),
    CASE(udp_sendto_recvfrom),
    CASE(recvfrom_short_fromlen_is_efault),
    CASE(socket_options),
    CASE(ioctlsocket_commands),
    CASE(socket_handles_inherit),
    CASE(fd_set_is_count_and_array),
    CASE(winsock_select),
    CASE(name_resolution),
    CASE(address_conversions),
    CASE(inet_ntop_small_buffer_is_invalid_parameter),
    CASE(wsa_events),
    CASE(event_select_makes_nonblocking),
    CASE(fd_accept_then_inherited_selection),
    CASE(fd_connect_success_and_refused),
    CASE(fd_read_reenabled_by_recv),
    CASE(fd_write_after_wouldblock_only),
    CASE(fd_oob),
    CASE(fd_close_graceful_after_data),
    CASE(fd_close_reset),
    CASE(udp_fd_read_per_datagram),
    CASE(udp_connect_records_fd_connect),
    CASE(pending_conditions_at_select_time),
    CASE(sixty_sockets_in_one_wait),
    CASE(echo_server_and_clients_in_processes),
    CASE(winsock_examples),
};

CONF_MAIN_WITH_ROLES(tests, roles)
