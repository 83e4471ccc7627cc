// A program linked against posix-on-win.dll through the overlay headers (POSIX names).
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>

TEST(Dll, PipeRoundTripThroughExports) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "dll", 3), 3);
  char buf[4] = {};
  EXPECT_EQ(read(fds[0], buf, sizeof buf), 3);
  EXPECT_EQ(close(fds[1]), 0);
  EXPECT_EQ(read(fds[0], buf, sizeof buf), 0);
  EXPECT_EQ(close(fds[0]), 0);
  errno = 0;
  EXPECT_EQ(close(fds[0]), -1);
  EXPECT_EQ(errno, EBADF);
}
