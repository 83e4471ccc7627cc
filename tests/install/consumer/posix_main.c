/* Built against an installed posix-on-win: a pipe round trip, EOF once the writer closes. */
#include <string.h>
#include <unistd.h>

int main(void) {
  int fds[2];
  char buf[8];
  if (pipe(fds) != 0)
    return 1;
  if (write(fds[1], "hello", 5) != 5)
    return 2;
  if (read(fds[0], buf, sizeof buf) != 5 || memcmp(buf, "hello", 5) != 0)
    return 3;
  close(fds[1]);
  if (read(fds[0], buf, sizeof buf) != 0)
    return 4;
  close(fds[0]);
  return 0;
}
