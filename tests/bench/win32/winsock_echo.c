/* Winsock echo benchmark (Win32 API): a TCP round trip of 64 bytes over loopback between two
 * processes, both driven by WSAEventSelect + WSAWaitForMultipleEvents + WSAEnumNetworkEvents.
 * This process listens and measures; a child (this program with --echo PORT) connects and
 * echoes. Microseconds per round trip. Built against win-on-posix (Linux) and against real
 * Winsock (mingw, run under Wine): the same source on both. */
#include <winsock2.h>
#include <ws2tcpip.h>

#include "bench.h"

#define MSG_SIZE 64

static int nodelay(SOCKET s) {
  BOOL on = TRUE;
  return setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, sizeof on);
}

/* Waits for one of `want` on s; returns the events seen, 0 on failure. */
static LONG wait_for(SOCKET s, WSAEVENT ev, LONG want) {
  LONG seen = 0;
  while (!(seen & want)) {
    WSANETWORKEVENTS ne;
    if (WSAWaitForMultipleEvents(1, &ev, FALSE, 30000, FALSE) != WSA_WAIT_EVENT_0 ||
        WSAEnumNetworkEvents(s, ev, &ne) != 0)
      return 0;
    seen |= ne.lNetworkEvents;
  }
  return seen;
}

/* Receives exactly len bytes on a selected socket. 0 on success. */
static int recv_exact(SOCKET s, WSAEVENT ev, char *buf, int len) {
  int have = 0;
  while (have < len) {
    int n = recv(s, buf + have, len - have, 0);
    if (n > 0) {
      have += n;
      continue;
    }
    if (n == 0 || WSAGetLastError() != WSAEWOULDBLOCK)
      return -1;
    if (!(wait_for(s, ev, FD_READ | FD_CLOSE) & FD_READ))
      return -1;
  }
  return 0;
}

static int echo_child(u_short port) {
  WSADATA d;
  SOCKET s;
  WSAEVENT ev;
  struct sockaddr_in a;
  char buf[MSG_SIZE];
  if (WSAStartup(MAKEWORD(2, 2), &d) != 0)
    return 2;
  s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  ev = WSACreateEvent();
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s == INVALID_SOCKET || nodelay(s) != 0 ||
      WSAEventSelect(s, ev, FD_CONNECT | FD_READ | FD_CLOSE) != 0)
    return 3;
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0 && WSAGetLastError() != WSAEWOULDBLOCK)
    return 4;
  if (!(wait_for(s, ev, FD_CONNECT) & FD_CONNECT))
    return 5;
  for (;;) {
    int n = recv(s, buf, sizeof buf, 0);
    if (n > 0) {
      if (send(s, buf, n, 0) != n)
        return 6;
      continue;
    }
    if (n == 0)
      break; /* the measuring side is done */
    if (WSAGetLastError() != WSAEWOULDBLOCK)
      return 7;
    if (!wait_for(s, ev, FD_READ | FD_CLOSE))
      return 8;
  }
  closesocket(s);
  WSACleanup();
  return 0;
}

int main(int argc, char **argv) {
  const int quick = bench_quick(argc, argv);
  const long trips = quick ? 2000 : 20000;
  const int reps = quick ? 2 : 5;
  struct bench_series rtt = {"winsock.echo_round_trip_64B", "us", "lower", {0}, 0};
  char self[MAX_PATH], cmd[2 * MAX_PATH], msg[MSG_SIZE], back[MSG_SIZE];
  WSADATA d;
  int r;
  if (argc >= 3 && strcmp(argv[1], "--echo") == 0)
    return echo_child((u_short)atoi(argv[2]));
  if (!GetModuleFileNameA(NULL, self, sizeof self) || WSAStartup(MAKEWORD(2, 2), &d) != 0)
    return 1;
  memset(msg, 'e', sizeof msg);
  for (r = 0; r < reps; ++r) {
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    struct sockaddr_in a;
    int alen = sizeof a;
    DWORD code = 1;
    SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), s;
    WSAEVENT lev = WSACreateEvent(), ev = WSACreateEvent();
    long i;
    double t0;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l == INVALID_SOCKET || bind(l, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(l, 1) != 0 || getsockname(l, (struct sockaddr *)&a, &alen) != 0 ||
        WSAEventSelect(l, lev, FD_ACCEPT) != 0) {
      fprintf(stderr, "listener: %d\n", WSAGetLastError());
      return 1;
    }
    snprintf(cmd, sizeof cmd, "\"%s\" --echo %u", self, (unsigned)ntohs(a.sin_port));
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
      fprintf(stderr, "CreateProcess: %lu\n", (unsigned long)GetLastError());
      return 1;
    }
    if (!(wait_for(l, lev, FD_ACCEPT) & FD_ACCEPT) ||
        (s = accept(l, NULL, NULL)) == INVALID_SOCKET || nodelay(s) != 0 ||
        WSAEventSelect(s, ev, FD_READ | FD_CLOSE) != 0) {
      fprintf(stderr, "accept: %d\n", WSAGetLastError());
      return 1;
    }
    /* A few trips to warm up, then the timed ones. */
    for (i = 0; i < 100; ++i)
      if (send(s, msg, MSG_SIZE, 0) != MSG_SIZE || recv_exact(s, ev, back, MSG_SIZE) != 0)
        return 1;
    t0 = bench_now();
    for (i = 0; i < trips; ++i) {
      if (send(s, msg, MSG_SIZE, 0) != MSG_SIZE || recv_exact(s, ev, back, MSG_SIZE) != 0) {
        fprintf(stderr, "round trip %ld: %d\n", i, WSAGetLastError());
        return 1;
      }
    }
    bench_add(&rtt, (bench_now() - t0) * 1e6 / (double)trips);
    closesocket(s);
    WaitForSingleObject(pi.hProcess, 30000);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    closesocket(l);
    WSACloseEvent(lev);
    WSACloseEvent(ev);
    if (code != 0) {
      fprintf(stderr, "echo child exited %lu\n", (unsigned long)code);
      return 1;
    }
  }
  bench_print(&rtt);
  WSACleanup();
  return 0;
}
