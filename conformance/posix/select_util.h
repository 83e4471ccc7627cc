/* Helpers of select.c and poll.c (header only, static: each test uses what it needs). */
#ifndef CONF_SELECT_UTIL_H
#define CONF_SELECT_UTIL_H

#include "posix_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

/* How many fds the many-fds cases watch. */
#define SEL_MANY 1000
/* How late a timed wait may end on a noisy machine shared by several builds (never early). */
#define SEL_LATE_US 750000LL
/* CPU an idle 1 s wait on SEL_MANY fds may use: setting up and tearing down the wait
 * included, with room for a loaded machine; a wait that polled would use far more. */
#define SEL_IDLE_CPU_US 300000LL

static inline int sel_max(int a, int b) { return a > b ? a : b; }

/* Role: writes '!' to the fd in argv[0] and exits 0. */
static inline int sel_role_write_byte(int argc, char **argv) {
  if (argc < 1)
    return 3;
  return write(atoi(argv[0]), "!", 1) == 1 ? 0 : 4;
}

/* Role: copies one byte from fd 0 to fd 1 and exits 0. */
static inline int sel_role_echo_byte(int argc, char **argv) {
  char c;
  (void)argc;
  (void)argv;
  if (read(0, &c, 1) != 1)
    return 3;
  return write(1, &c, 1) == 1 ? 0 : 4;
}

/* A listening TCP socket on 127.0.0.1, an ephemeral port (in *addr). */
static inline int sel_tcp_listener(struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  socklen_t len = sizeof *addr;
  assert_true(fd >= 0);
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof *addr), 0);
  assert_int_equal(listen(fd, 8), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
  return fd;
}

/* A new empty regular file in the current directory (its name in path). */
static inline int sel_temp_file(char *path, size_t cap) {
  static int serial;
  int fd;
  snprintf(path, cap, "sel-%ld-%d.tmp", (long)getpid(), serial++);
  fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    fail_msg("open %s: %s", path, strerror(errno));
  return fd;
}

/* `count` pipes whose read ends take the low fds (below FD_SETSIZE) and whose write ends
 * are moved to fds from 1024 up; all close-on-exec. */
struct sel_many {
  int count, max_read;
  int rd[SEL_MANY], wr[SEL_MANY];
};

static inline void sel_many_open(struct sel_many *m, int count) {
  int i, p[2];
  conf_allow_fds(1024 + count + 16);
  m->count = 0;
  m->max_read = -1;
  for (i = 0; i < count; ++i) {
    if (pipe2(p, O_CLOEXEC) != 0)
      fail_msg("pipe %d of %d: %s", i, count, strerror(errno));
    m->rd[i] = p[0];
    m->wr[i] = fcntl(p[1], F_DUPFD_CLOEXEC, 1024);
    if (m->wr[i] < 0)
      fail_msg("F_DUPFD_CLOEXEC 1024 for pipe %d: %s", i, strerror(errno));
    close(p[1]);
    m->max_read = sel_max(m->max_read, p[0]);
    m->count = i + 1;
  }
}

static inline void sel_many_close(struct sel_many *m) {
  int i;
  for (i = 0; i < m->count; ++i) {
    close(m->rd[i]);
    close(m->wr[i]);
  }
  m->count = 0;
}

#endif /* CONF_SELECT_UTIL_H */
