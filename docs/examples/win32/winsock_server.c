/* winsock_server [PORT [CLIENTS]]
 *
 * A TCP echo server in the WSAEventSelect style: one event per socket, one thread, no
 * select(). Listens on 127.0.0.1:PORT (default 0: any free port), prints "port N" on its
 * first line, then echoes whatever each client sends. It exits 0 once CLIENTS clients
 * (default 0: never) have come and gone, 1 with the failing call and WSAGetLastError() if
 * anything fails, 2 if nothing happens for a minute.
 *
 * The sequence is the one the Winsock documentation gives: WSAEventSelect(FD_ACCEPT) on
 * the listener; on FD_ACCEPT, accept and WSAEventSelect(FD_READ | FD_WRITE | FD_CLOSE) on
 * the new socket with its own event; WSAWaitForMultipleEvents on all events; for the one
 * signalled, WSAEnumNetworkEvents tells which network events happened (and resets the
 * event). A send that would block keeps the rest until FD_WRITE says there is room again.
 *
 * Builds unchanged against real Winsock (mingw-w64 or MSVC, link ws2_32) and against
 * win-on-posix on Linux. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIENTS (WSA_MAXIMUM_WAIT_EVENTS - 1)
#define BUF_SIZE 4096

struct conn {
  SOCKET s;
  WSAEVENT ev;
  char pending[BUF_SIZE]; /* received, not yet echoed */
  int npending;
};

static struct conn conns[WSA_MAXIMUM_WAIT_EVENTS]; /* [0] is the listener */
static int nconns;

static int fail(const char *what) {
  fprintf(stderr, "winsock_server: %s failed, error %d\n", what, WSAGetLastError());
  return 1;
}

/* Sends what is pending; keeps the rest when the socket's buffer is full. */
static int flush(struct conn *c) {
  while (c->npending > 0) {
    int n = send(c->s, c->pending, c->npending, 0);
    if (n == SOCKET_ERROR)
      return WSAGetLastError() == WSAEWOULDBLOCK ? 0 : -1; /* FD_WRITE will come */
    memmove(c->pending, c->pending + n, (size_t)(c->npending - n));
    c->npending -= n;
  }
  return 0;
}

/* Reads what is there (while there is room to keep it) and echoes it. */
static int echo(struct conn *c) {
  for (;;) {
    int n;
    if (c->npending == BUF_SIZE)
      return 0; /* the peer is not reading; FD_WRITE and FD_READ will come again */
    n = recv(c->s, c->pending + c->npending, BUF_SIZE - c->npending, 0);
    if (n == 0)
      return 0;
    if (n == SOCKET_ERROR)
      return WSAGetLastError() == WSAEWOULDBLOCK ? 0 : -1;
    c->npending += n;
    if (flush(c) < 0)
      return -1;
  }
}

static void drop(int i) {
  closesocket(conns[i].s);
  WSACloseEvent(conns[i].ev);
  conns[i] = conns[--nconns];
}

int main(int argc, char **argv) {
  WSADATA wsa;
  struct sockaddr_in addr;
  int addrlen = sizeof addr;
  unsigned long want = argc > 2 ? strtoul(argv[2], NULL, 10) : 0, served = 0;
  WSAEVENT events[WSA_MAXIMUM_WAIT_EVENTS];

  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
    fprintf(stderr, "winsock_server: WSAStartup failed\n");
    return 1;
  }
  conns[0].s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (conns[0].s == INVALID_SOCKET)
    return fail("socket");
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((u_short)(argc > 1 ? atoi(argv[1]) : 0));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(conns[0].s, (struct sockaddr *)&addr, sizeof addr) == SOCKET_ERROR)
    return fail("bind");
  if (listen(conns[0].s, SOMAXCONN) == SOCKET_ERROR)
    return fail("listen");
  conns[0].ev = WSACreateEvent();
  if (conns[0].ev == WSA_INVALID_EVENT)
    return fail("WSACreateEvent");
  if (WSAEventSelect(conns[0].s, conns[0].ev, FD_ACCEPT) == SOCKET_ERROR)
    return fail("WSAEventSelect(listener)");
  nconns = 1;
  if (getsockname(conns[0].s, (struct sockaddr *)&addr, &addrlen) == SOCKET_ERROR)
    return fail("getsockname");
  printf("port %u\n", (unsigned)ntohs(addr.sin_port));
  fflush(stdout);

  while (want == 0 || served < want) {
    WSANETWORKEVENTS ne;
    DWORD r;
    int i, k;
    for (k = 0; k < nconns; ++k)
      events[k] = conns[k].ev;
    r = WSAWaitForMultipleEvents((DWORD)nconns, events, FALSE, 60000, FALSE);
    if (r == WSA_WAIT_TIMEOUT) {
      fprintf(stderr, "winsock_server: idle for a minute, giving up\n");
      return 2;
    }
    if (r == WSA_WAIT_FAILED)
      return fail("WSAWaitForMultipleEvents");
    i = (int)(r - WSA_WAIT_EVENT_0);
    if (WSAEnumNetworkEvents(conns[i].s, conns[i].ev, &ne) == SOCKET_ERROR)
      return fail("WSAEnumNetworkEvents");
    if (i == 0) {
      if (ne.lNetworkEvents & FD_ACCEPT) {
        struct conn *c;
        SOCKET s;
        if (ne.iErrorCode[FD_ACCEPT_BIT] != 0)
          continue;
        s = accept(conns[0].s, NULL, NULL);
        if (s == INVALID_SOCKET) {
          if (WSAGetLastError() == WSAEWOULDBLOCK)
            continue;
          return fail("accept");
        }
        if (nconns == WSA_MAXIMUM_WAIT_EVENTS) { /* no room to wait on it */
          closesocket(s);
          continue;
        }
        c = &conns[nconns];
        c->s = s;
        c->npending = 0;
        c->ev = WSACreateEvent();
        /* Replaces the selection the socket inherited from the listener. */
        if (c->ev == WSA_INVALID_EVENT ||
            WSAEventSelect(s, c->ev, FD_READ | FD_WRITE | FD_CLOSE) == SOCKET_ERROR)
          return fail("WSAEventSelect(client)");
        ++nconns;
      }
      continue;
    }
    if (ne.lNetworkEvents & (FD_READ | FD_WRITE)) {
      if (echo(&conns[i]) < 0) {
        fprintf(stderr, "winsock_server: client dropped, error %d\n", WSAGetLastError());
        drop(i);
        ++served;
        continue;
      }
    }
    if (ne.lNetworkEvents & FD_CLOSE) {
      /* Graceful close (error 0): whatever is still buffered is read and echoed first. */
      if (ne.iErrorCode[FD_CLOSE_BIT] == 0)
        echo(&conns[i]);
      drop(i);
      ++served;
    }
  }
  printf("served %lu clients\n", served);
  closesocket(conns[0].s);
  WSACloseEvent(conns[0].ev);
  WSACleanup();
  return 0;
}
