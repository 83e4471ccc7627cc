/* select_server CLIENTS LINES
 *
 * The classic single-threaded server: one process multiplexes a listening TCP socket and
 * every connected client with select(). It listens on 127.0.0.1 (a port the system picks),
 * starts CLIENTS copies of itself as clients (posix_spawn, no fork), accepts them as they
 * come, and echoes every line back upper-cased. Each client sends LINES lines, checks each
 * reply and exits 0 if all matched. The server prints "served N clients, M lines" and exits
 * 0 once every client has hung up and exited with 0.
 *
 * Builds unchanged for Linux (glibc) and for Windows against posix-on-win, whose select()
 * takes the POSIX fd_set over socket fds (not Winsock's 64-socket array). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_CLIENTS 32
#define LINE_MAX_LEN 64

static int die(const char *what) {
  fprintf(stderr, "select_server: %s failed: %s\n", what, strerror(errno));
  return 1;
}

/* Reads one '\n'-terminated line (without it) a byte at a time; 0 at EOF, -1 on error. */
static int read_line(int fd, char *buf, size_t cap) {
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r <= 0)
      return r == 0 && n == 0 ? 0 : -1;
    if (c == '\n')
      break;
    if (n + 1 < cap)
      buf[n++] = c;
  }
  buf[n] = '\0';
  return 1;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int client(int port, int lines) {
  struct sockaddr_in a;
  char line[LINE_MAX_LEN], want[LINE_MAX_LEN], got[LINE_MAX_LEN];
  int i, fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return die("socket");
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
    return die("connect");
  for (i = 0; i < lines; ++i) {
    size_t k;
    snprintf(line, sizeof line, "line %d from client %d\n", i, (int)getpid());
    strcpy(want, line);
    want[strlen(want) - 1] = '\0';
    for (k = 0; want[k]; ++k)
      want[k] = (char)toupper((unsigned char)want[k]);
    if (write_all(fd, line, strlen(line)) != 0 || read_line(fd, got, sizeof got) != 1 ||
        strcmp(got, want) != 0) {
      fprintf(stderr, "client: reply %d wrong\n", i);
      return 1;
    }
  }
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  int listener, clients, lines, i, fds[MAX_CLIENTS], open_clients = 0, accepted = 0;
  long served = 0;
  pid_t pids[MAX_CLIENTS];
  char port_arg[16], lines_arg[16];
  int failed = 0;
  if (argc == 4 && strcmp(argv[1], "--client") == 0)
    return client(atoi(argv[2]), atoi(argv[3]));
  if (argc != 3 || (clients = atoi(argv[1])) < 1 || clients > MAX_CLIENTS ||
      (lines = atoi(argv[2])) < 1) {
    fprintf(stderr, "usage: select_server CLIENTS(1-%d) LINES\n", MAX_CLIENTS);
    return 1;
  }
  listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0)
    return die("socket");
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(listener, MAX_CLIENTS) != 0 ||
      getsockname(listener, (struct sockaddr *)&a, &alen) != 0)
    return die("bind/listen");
  snprintf(port_arg, sizeof port_arg, "%d", ntohs(a.sin_port));
  snprintf(lines_arg, sizeof lines_arg, "%d", lines);
  for (i = 0; i < clients; ++i) {
    char *cargv[] = {argv[0], "--client", port_arg, lines_arg, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, listener); /* the clients need no listener */
    errno = posix_spawn(&pids[i], argv[0], &fa, NULL, cargv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (errno != 0)
      return die("posix_spawn");
  }
  for (i = 0; i < MAX_CLIENTS; ++i)
    fds[i] = -1;
  while (accepted < clients || open_clients > 0) {
    fd_set readable;
    int maxfd = listener, ready;
    FD_ZERO(&readable);
    if (accepted < clients)
      FD_SET(listener, &readable);
    for (i = 0; i < MAX_CLIENTS; ++i)
      if (fds[i] >= 0) {
        FD_SET(fds[i], &readable);
        if (fds[i] > maxfd)
          maxfd = fds[i];
      }
    ready = select(maxfd + 1, &readable, NULL, NULL, NULL);
    if (ready < 0)
      return die("select");
    if (FD_ISSET(listener, &readable)) {
      int c = accept(listener, NULL, NULL);
      if (c < 0)
        return die("accept");
      for (i = 0; i < MAX_CLIENTS && fds[i] >= 0; ++i)
        ;
      fds[i] = c;
      ++accepted;
      ++open_clients;
    }
    for (i = 0; i < MAX_CLIENTS; ++i) {
      char line[LINE_MAX_LEN + 1];
      size_t k;
      int r;
      if (fds[i] < 0 || !FD_ISSET(fds[i], &readable))
        continue;
      r = read_line(fds[i], line, sizeof line - 1);
      if (r <= 0) { /* the client hung up */
        close(fds[i]);
        fds[i] = -1;
        --open_clients;
        continue;
      }
      for (k = 0; line[k]; ++k)
        line[k] = (char)toupper((unsigned char)line[k]);
      strcat(line, "\n");
      if (write_all(fds[i], line, strlen(line)) != 0)
        return die("write");
      ++served;
    }
  }
  close(listener);
  for (i = 0; i < clients; ++i) {
    int status = 0;
    if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      failed = 1;
  }
  printf("served %d clients, %ld lines\n", clients, served);
  return failed || served != (long)clients * lines;
}
