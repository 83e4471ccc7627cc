// The Win32 error -> errno mapping gives the codes POSIX programs test for.
#include "fd.hpp"

#include <gtest/gtest.h>

#include <cerrno>

TEST(ErrnoMap, DocumentedCodes) {
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_SUCCESS), 0);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_INVALID_HANDLE), EBADF);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_BROKEN_PIPE), EPIPE);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_NO_DATA), EPIPE);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_FILE_NOT_FOUND), ENOENT);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_PATH_NOT_FOUND), ENOENT);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_ACCESS_DENIED), EACCES);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_ALREADY_EXISTS), EEXIST);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_INVALID_PARAMETER), EINVAL);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_NOT_ENOUGH_MEMORY), ENOMEM);
  EXPECT_EQ(posix_on_win::errno_from_win32(ERROR_TOO_MANY_OPEN_FILES), EMFILE);
  EXPECT_EQ(posix_on_win::errno_from_win32(0xFFFFu), EIO);
}

TEST(ErrnoMap, FailSetsErrnoAndReturnsMinusOne) {
  errno = 0;
  EXPECT_EQ(posix_on_win::fail_win32(ERROR_INVALID_HANDLE), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST(ErrnoMap, WinsockCodes) {
  using posix_on_win::errno_from_win32;
  EXPECT_EQ(errno_from_win32(WSAEWOULDBLOCK), EAGAIN); // not mingw's EWOULDBLOCK (140)
  EXPECT_EQ(errno_from_win32(WSAECONNREFUSED), ECONNREFUSED);
  EXPECT_EQ(errno_from_win32(WSAEADDRINUSE), EADDRINUSE);
  EXPECT_EQ(errno_from_win32(WSAENOTCONN), ENOTCONN);
  EXPECT_EQ(errno_from_win32(WSAENOTSOCK), ENOTSOCK);
  EXPECT_EQ(errno_from_win32(WSAEINPROGRESS), EINPROGRESS);
  EXPECT_EQ(errno_from_win32(WSAECONNRESET), ECONNRESET);
  EXPECT_EQ(errno_from_win32(WSAESHUTDOWN), EPIPE);
  EXPECT_EQ(errno_from_win32(WSAEAFNOSUPPORT), EAFNOSUPPORT);
  EXPECT_EQ(errno_from_win32(WSAETIMEDOUT), ETIMEDOUT);
}
