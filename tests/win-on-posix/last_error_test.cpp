// GetLastError is per thread; the errno -> Win32 mapping gives the documented codes.
#include "object.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <thread>

TEST(LastError, IsPerThread) {
  SetLastError(ERROR_BROKEN_PIPE);
  DWORD other = 0;
  std::thread t([&] {
    SetLastError(ERROR_NO_DATA);
    other = GetLastError();
  });
  t.join();
  EXPECT_EQ(other, static_cast<DWORD>(ERROR_NO_DATA));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_BROKEN_PIPE));
}

TEST(LastError, ErrnoMapping) {
  EXPECT_EQ(wop::win32_error_from_errno(0), static_cast<DWORD>(ERROR_SUCCESS));
  EXPECT_EQ(wop::win32_error_from_errno(EBADF), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  EXPECT_EQ(wop::win32_error_from_errno(ENOENT), static_cast<DWORD>(ERROR_FILE_NOT_FOUND));
  EXPECT_EQ(wop::win32_error_from_errno(EACCES), static_cast<DWORD>(ERROR_ACCESS_DENIED));
  EXPECT_EQ(wop::win32_error_from_errno(EPIPE), static_cast<DWORD>(ERROR_NO_DATA));
  EXPECT_EQ(wop::win32_error_from_errno(EEXIST), static_cast<DWORD>(ERROR_ALREADY_EXISTS));
  EXPECT_EQ(wop::win32_error_from_errno(EINVAL), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  EXPECT_EQ(wop::win32_error_from_errno(EMFILE), static_cast<DWORD>(ERROR_TOO_MANY_OPEN_FILES));
}

TEST(LastError, TypesAreSizedAsOnWindows) {
  static_assert(sizeof(DWORD) == 4 && sizeof(LONG) == 4 && sizeof(ULONG) == 4);
  static_assert(sizeof(WORD) == 2 && sizeof(WCHAR) == 2 && sizeof(BYTE) == 1);
  static_assert(sizeof(HANDLE) == sizeof(void *) && sizeof(ULONG_PTR) == sizeof(void *));
  static_assert(sizeof(LARGE_INTEGER) == 8 && sizeof(LONGLONG) == 8);
  static_assert(sizeof(OVERLAPPED) == 32, "OVERLAPPED is 32 bytes on x64 Windows");
  static_assert(sizeof(SECURITY_ATTRIBUTES) == 24, "as on x64 Windows");
  EXPECT_EQ(INVALID_HANDLE_VALUE, reinterpret_cast<HANDLE>(static_cast<intptr_t>(-1)));
}
