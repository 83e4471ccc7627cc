// A program linked against libwin-on-posix.so (public API only): the exports resolve and work.
#include <windows.h>

#include <gtest/gtest.h>

TEST(SharedLibrary, PipeRoundTripThroughExports) {
  HANDLE r = nullptr, w = nullptr;
  ASSERT_TRUE(CreatePipe(&r, &w, nullptr, 0));
  DWORD n = 0;
  ASSERT_TRUE(WriteFile(w, "so", 2, &n, nullptr));
  char buf[4] = {};
  ASSERT_TRUE(ReadFile(r, buf, sizeof buf, &n, nullptr));
  EXPECT_EQ(n, 2u);
  EXPECT_TRUE(CloseHandle(r));
  EXPECT_TRUE(CloseHandle(w));
  SetLastError(0);
  EXPECT_FALSE(CloseHandle(w));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}
