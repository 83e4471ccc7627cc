/* fifo_server FIFO NCLIENTS
 *
 * The classic FIFO server: every client sends its requests to one well-known FIFO and gets
 * its answers on a FIFO of its own. Serves until NCLIENTS clients have said goodbye, then
 * removes the well-known FIFO and exits 0 (1 and a message if anything fails).
 *
 * Builds unchanged for Linux (glibc) and for Windows against posix-on-win.
 *
 * What the recipe relies on:
 *   - records of a fixed size (REC bytes) no larger than PIPE_BUF: each write() of one is
 *     atomic, so the requests of many clients never mix inside the one FIFO;
 *   - the server opens the FIFO for writing too: with a writer of its own, read() never
 *     reports EOF when one client closes before the next opens;
 *   - a client creates its reply FIFO before its first request; the server opens it for
 *     writing when that request arrives, which waits until the client opens it to read.
 * Requests:  "R <reply-fifo> <n>"  is answered "A <n*n>";  "E <reply-fifo>"  says goodbye. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REC 64
#define MAX_CLIENTS 64

static int fail(const char *what, int err) {
  fprintf(stderr, "fifo_server: %s failed: %s\n", what, strerror(err));
  return 1;
}

/* Reads one whole record (a FIFO may hand it over in pieces); 0 at EOF. */
static int read_record(int fd, char *rec) {
  size_t got = 0;
  while (got < REC) {
    ssize_t r = read(fd, rec + got, REC - got);
    if (r <= 0)
      return r == 0 ? 0 : -1;
    got += (size_t)r;
  }
  rec[REC] = '\0';
  return 1;
}

int main(int argc, char **argv) {
  char rec[REC + 1], path[REC], names[MAX_CLIENTS][REC];
  int fds[MAX_CLIENTS], nclients = 0, goodbyes = 0, total, in, keep, i;
  long n;
  if (argc != 3 || (total = atoi(argv[2])) <= 0) {
    fprintf(stderr, "usage: %s FIFO NCLIENTS\n", argv[0]);
    return 1;
  }
  if (mkfifo(argv[1], 0600) != 0 && errno != EEXIST)
    return fail("mkfifo", errno);
  in = open(argv[1], O_RDONLY); /* waits for the first client */
  if (in < 0)
    return fail("open for reading", errno);
  keep = open(argv[1], O_WRONLY); /* our own writer: no EOF between clients */
  if (keep < 0)
    return fail("open for writing", errno);

  while (goodbyes < total) {
    int r = read_record(in, rec);
    if (r <= 0)
      return fail("read", r == 0 ? EPIPE : errno);
    if (sscanf(rec, "R %63s %ld", path, &n) == 2) {
      char answer[REC + 1];
      for (i = 0; i < nclients && strcmp(names[i], path) != 0; ++i)
        ;
      if (i == nclients) { /* a new client: open its reply FIFO once */
        if (nclients == MAX_CLIENTS)
          return fail("client table", ENOSPC);
        strcpy(names[nclients], path);
        fds[nclients] = open(path, O_WRONLY);
        if (fds[nclients] < 0)
          return fail("open of a reply FIFO", errno);
        ++nclients;
      }
      memset(answer, ' ', REC);
      answer[snprintf(answer, sizeof answer, "A %ld", n * n)] = ' ';
      if (write(fds[i], answer, REC) != REC)
        return fail("write of an answer", errno);
    } else if (sscanf(rec, "E %63s", path) == 1) {
      for (i = 0; i < nclients && strcmp(names[i], path) != 0; ++i)
        ;
      if (i < nclients) {
        close(fds[i]);
        --nclients; /* the last entry takes its place */
        fds[i] = fds[nclients];
        memmove(names[i], names[nclients], REC);
      }
      ++goodbyes;
    } else {
      fprintf(stderr, "fifo_server: garbled request '%s'\n", rec);
      return 1;
    }
  }
  close(keep);
  close(in);
  unlink(argv[1]);
  return 0;
}
