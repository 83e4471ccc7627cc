/* winsock_client PORT MESSAGE [ROUNDS]
 *
 * The client side of winsock_server: connects to 127.0.0.1:PORT, sends MESSAGE, reads the
 * echo and prints "echo: MESSAGE", ROUNDS times (default 1), then shuts its side down,
 * waits for the server's FD_CLOSE and exits 0. Exits 1 with the failing call and
 * WSAGetLastError() if anything fails (a refused connection is FD_CONNECT's error code),
 * 3 if the echo differs, 2 if the server goes quiet for half a minute.
 *
 * Everything is driven by WSAEventSelect: connect returns WSAEWOULDBLOCK at once and
 * FD_CONNECT reports the outcome; the first FD_WRITE says sending may begin; FD_READ says
 * echoed bytes are there; FD_CLOSE ends the conversation.
 *
 * Builds unchanged against real Winsock (mingw-w64 or MSVC, link ws2_32) and against
 * win-on-posix on Linux. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int err) {
  fprintf(stderr, "winsock_client: %s failed, error %d\n", what, err);
  return 1;
}

int main(int argc, char **argv) {
  WSADATA wsa;
  SOCKET s;
  WSAEVENT ev;
  struct sockaddr_in addr;
  const char *msg;
  char got[1024];
  int len, have = 0, sent_round = 0, can_send = 0, done = 0;
  unsigned long rounds, round = 0;

  if (argc < 3) {
    fprintf(stderr, "usage: winsock_client PORT MESSAGE [ROUNDS]\n");
    return 1;
  }
  msg = argv[2];
  len = (int)strlen(msg);
  rounds = argc > 3 ? strtoul(argv[3], NULL, 10) : 1;
  if (len == 0 || len > (int)sizeof got)
    return fail("message length", 0);
  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
    return fail("WSAStartup", 0);
  s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  ev = WSACreateEvent();
  if (s == INVALID_SOCKET || ev == WSA_INVALID_EVENT)
    return fail("socket/WSACreateEvent", WSAGetLastError());
  if (WSAEventSelect(s, ev, FD_CONNECT | FD_READ | FD_WRITE | FD_CLOSE) == SOCKET_ERROR)
    return fail("WSAEventSelect", WSAGetLastError());
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((u_short)atoi(argv[1]));
  addr.sin_addr.s_addr = inet_addr("127.0.0.1");
  if (connect(s, (struct sockaddr *)&addr, sizeof addr) == SOCKET_ERROR &&
      WSAGetLastError() != WSAEWOULDBLOCK)
    return fail("connect", WSAGetLastError());

  while (!done) {
    WSANETWORKEVENTS ne;
    DWORD r = WSAWaitForMultipleEvents(1, &ev, FALSE, 30000, FALSE);
    if (r == WSA_WAIT_TIMEOUT)
      return fail("waiting for the server", 0) + 1;
    if (r != WSA_WAIT_EVENT_0 || WSAEnumNetworkEvents(s, ev, &ne) == SOCKET_ERROR)
      return fail("WSAEnumNetworkEvents", WSAGetLastError());
    if ((ne.lNetworkEvents & FD_CONNECT) && ne.iErrorCode[FD_CONNECT_BIT] != 0)
      return fail("connect (FD_CONNECT)", ne.iErrorCode[FD_CONNECT_BIT]);
    if (ne.lNetworkEvents & FD_WRITE)
      can_send = 1;
    if (ne.lNetworkEvents & FD_READ) {
      int n = recv(s, got + have, (int)sizeof got - have, 0);
      if (n == SOCKET_ERROR && WSAGetLastError() != WSAEWOULDBLOCK)
        return fail("recv", WSAGetLastError());
      if (n > 0)
        have += n;
      if (have >= len) {
        if (have != len || memcmp(got, msg, (size_t)len) != 0) {
          fprintf(stderr, "winsock_client: echo differs\n");
          return 3;
        }
        printf("echo: %.*s\n", len, got);
        fflush(stdout);
        have = 0;
        sent_round = 0;
        if (++round == rounds && shutdown(s, SD_SEND) == SOCKET_ERROR)
          return fail("shutdown", WSAGetLastError());
      }
    }
    if (ne.lNetworkEvents & FD_CLOSE) {
      if (round < rounds)
        return fail("server closed early", ne.iErrorCode[FD_CLOSE_BIT]);
      done = 1;
    }
    /* A message is sent once sending may begin; small ones never block in practice, but
     * a WSAEWOULDBLOCK just waits for the next FD_WRITE. */
    if (can_send && !sent_round && round < rounds) {
      int n = send(s, msg, len, 0);
      if (n == len)
        sent_round = 1;
      else if (n == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK)
        can_send = 0;
      else
        return fail("send", n == SOCKET_ERROR ? WSAGetLastError() : 0);
    }
  }
  closesocket(s);
  WSACloseEvent(ev);
  WSACleanup();
  return 0;
}
