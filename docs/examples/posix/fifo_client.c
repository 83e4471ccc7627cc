/* fifo_client FIFO ID COUNT
 *
 * A client of fifo_server: makes its reply FIFO (FIFO.ID), sends COUNT requests "R <reply>
 * <n>" to the server's well-known FIFO, checks every answer "A <n*n>", says goodbye and
 * removes its reply FIFO. Exits 0 when every answer was right.
 *
 * Builds unchanged for Linux (glibc) and for Windows against posix-on-win. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REC 64 /* the server's record size: at most PIPE_BUF, so writes stay whole */

static int fail(const char *what, int err) {
  fprintf(stderr, "fifo_client: %s failed: %s\n", what, strerror(err));
  return 1;
}

/* Sends one record of REC bytes (text, padded with spaces). */
static int send_record(int fd, const char *text) {
  char rec[REC];
  size_t len = strlen(text);
  memset(rec, ' ', REC);
  memcpy(rec, text, len < REC ? len : REC);
  return write(fd, rec, REC) == REC ? 0 : -1;
}

int main(int argc, char **argv) {
  char reply[REC], text[2 * REC], rec[REC + 1];
  int out, in = -1, count, n;
  if (argc != 4 || (count = atoi(argv[3])) <= 0) {
    fprintf(stderr, "usage: %s FIFO ID COUNT\n", argv[0]);
    return 1;
  }
  if (snprintf(reply, sizeof reply, "%s.%s", argv[1], argv[2]) >= (int)sizeof reply - 8)
    return fail("reply FIFO name", ENAMETOOLONG);
  unlink(reply);
  if (mkfifo(reply, 0600) != 0)
    return fail("mkfifo of the reply FIFO", errno);
  out = open(argv[1], O_WRONLY); /* waits until the server reads */
  if (out < 0)
    return fail("open of the server's FIFO", errno);

  for (n = 1; n <= count; ++n) {
    size_t got = 0;
    long answer;
    snprintf(text, sizeof text, "R %s %d", reply, n);
    if (send_record(out, text) != 0)
      return fail("write of a request", errno);
    if (in < 0 && (in = open(reply, O_RDONLY)) < 0) /* the server opens it on request 1 */
      return fail("open of the reply FIFO", errno);
    while (got < REC) {
      ssize_t r = read(in, rec + got, REC - got);
      if (r <= 0)
        return fail("read of an answer", r == 0 ? EPIPE : errno);
      got += (size_t)r;
    }
    rec[REC] = '\0';
    if (sscanf(rec, "A %ld", &answer) != 1 || answer != (long)n * n) {
      fprintf(stderr, "fifo_client: wrong answer '%s' to %d\n", rec, n);
      return 1;
    }
  }
  snprintf(text, sizeof text, "E %s", reply);
  if (send_record(out, text) != 0)
    return fail("write of goodbye", errno);
  close(out);
  close(in);
  unlink(reply);
  return 0;
}
