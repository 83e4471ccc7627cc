// The fd layer: pipe fds are real CRT fds over named-pipe handles, usable by CRT and Win32.
#include "fd.hpp"

#include <pow/unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>
#include <cstdio>
#include <io.h>

TEST(FdLayer, PipeFdsAreCrtFdsOverPipeHandles) {
  int fds[2];
  ASSERT_EQ(pow_pipe(fds), 0);
  for (int fd : fds) {
    intptr_t h = _get_osfhandle(fd);
    ASSERT_NE(h, -1);
    EXPECT_EQ(GetFileType(reinterpret_cast<HANDLE>(h)), static_cast<DWORD>(FILE_TYPE_PIPE));
    DWORD flags = 0;
    EXPECT_TRUE(GetHandleInformation(reinterpret_cast<HANDLE>(h), &flags));
  }
  EXPECT_EQ(posix_on_win::fd_state(fds[0])->kind, posix_on_win::FdKind::PipeRead);
  EXPECT_EQ(posix_on_win::fd_state(fds[1])->kind, posix_on_win::FdKind::PipeWrite);
  EXPECT_EQ(pow_close(fds[0]), 0);
  EXPECT_EQ(pow_close(fds[1]), 0);
}

TEST(FdLayer, ReadEndIsOverlappedCapable) {
  // Readiness (select/poll) needs overlapped reads on the read end: a zero-byte overlapped
  // ReadFile must be accepted and complete once data arrives.
  int fds[2];
  ASSERT_EQ(pow_pipe(fds), 0);
  HANDLE r = reinterpret_cast<HANDLE>(_get_osfhandle(fds[0]));
  OVERLAPPED ov{};
  ov.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  char c;
  BOOL ok = ReadFile(r, &c, 0, nullptr, &ov);
  EXPECT_TRUE(ok || GetLastError() == ERROR_IO_PENDING);
  ASSERT_EQ(pow_write(fds[1], "x", 1), 1);
  EXPECT_EQ(WaitForSingleObject(ov.hEvent, 10000), WAIT_OBJECT_0);
  DWORD got = 0;
  EXPECT_TRUE(GetOverlappedResult(r, &ov, &got, TRUE));
  EXPECT_EQ(pow_read(fds[0], &c, 1), 1);
  EXPECT_EQ(c, 'x');
  CloseHandle(ov.hEvent);
  pow_close(fds[0]);
  pow_close(fds[1]);
}

TEST(FdLayer, StdioOverThePipeWriteEnd) {
  // Programs mix POSIX fds with stdio: fdopen on the write end, read back through the layer.
  int fds[2];
  ASSERT_EQ(pow_pipe(fds), 0);
  FILE *f = _fdopen(fds[1], "wb");
  ASSERT_NE(f, nullptr);
  EXPECT_GT(fputs("via stdio", f), -1);
  EXPECT_EQ(fflush(f), 0);
  char buf[16] = {};
  EXPECT_EQ(pow_read(fds[0], buf, sizeof buf), 9);
  EXPECT_STREQ(buf, "via stdio");
  fclose(f); // closes the fd behind the layer's back
  char c;
  EXPECT_EQ(pow_read(fds[0], &c, 1), 0) << "EOF after the stdio stream closed the write end";
  // A new fd with the same number is not mistaken for the old pipe end.
  int again[2];
  ASSERT_EQ(pow_pipe(again), 0);
  EXPECT_EQ(posix_on_win::fd_state(fds[1])->kind,
            again[0] == fds[1] ? posix_on_win::FdKind::PipeRead : posix_on_win::FdKind::Crt);
  pow_close(again[0]);
  pow_close(again[1]);
  pow_close(fds[0]);
}

TEST(FdLayer, NotOpenIsEbadf) {
  errno = 0;
  EXPECT_EQ(pow_close(-1), -1);
  EXPECT_EQ(errno, EBADF);
  errno = 0;
  EXPECT_EQ(pow_read(4000, nullptr, 0), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_FALSE(posix_on_win::fd_state(4000).has_value());
}

TEST(FdLayer, ForeignPipeFdsAreClassified) {
  // An fd over a pipe the layer did not make (inherited from a plain Windows parent, or
  // made by the CRT) gets the layer's pipe I/O: EOF and EPIPE as POSIX has them.
  HANDLE r, w;
  ASSERT_TRUE(CreatePipe(&r, &w, nullptr, 0));
  int rfd = _open_osfhandle(reinterpret_cast<intptr_t>(r), 0);
  int wfd = _open_osfhandle(reinterpret_cast<intptr_t>(w), 0);
  ASSERT_GE(rfd, 0);
  ASSERT_GE(wfd, 0);
  EXPECT_EQ(posix_on_win::fd_state(rfd)->kind, posix_on_win::FdKind::Pipe);
  EXPECT_EQ(posix_on_win::fd_state(wfd)->kind, posix_on_win::FdKind::Pipe);
  EXPECT_EQ(pow_write(wfd, "ab", 2), 2);
  char buf[4];
  EXPECT_EQ(pow_read(rfd, buf, sizeof buf), 2);
  EXPECT_EQ(pow_close(wfd), 0);
  EXPECT_EQ(pow_read(rfd, buf, sizeof buf), 0);
  EXPECT_EQ(pow_close(rfd), 0);
}

TEST(FdLayer, PipeHandlesAreNotInheritable) {
  // fds reach children only through spawn's hand-over, never by a stray CreateProcess.
  int fds[2];
  ASSERT_EQ(pow_pipe(fds), 0);
  int d = pow_dup2(fds[1], fds[1] + 5);
  ASSERT_EQ(d, fds[1] + 5);
  for (int fd : {fds[0], fds[1], d}) {
    DWORD info = 0;
    ASSERT_TRUE(GetHandleInformation(reinterpret_cast<HANDLE>(_get_osfhandle(fd)), &info));
    EXPECT_EQ(info & HANDLE_FLAG_INHERIT, 0u) << "fd " << fd;
  }
  pow_close(d);
  pow_close(fds[0]);
  pow_close(fds[1]);
}

TEST(FdLayer, ThreadsMakeAndCloseFdsConcurrently) {
  // The table is shared: pipes made, used, dup'ed and closed from several threads at once
  // neither lose data nor leak fds.
  int probe[2];
  ASSERT_EQ(pow_pipe(probe), 0);
  int lowest_before = std::min(probe[0], probe[1]);
  pow_close(probe[0]);
  pow_close(probe[1]);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&failures, t] {
      for (int i = 0; i < 100; ++i) {
        int fds[2];
        if (pow_pipe(fds) != 0) {
          ++failures;
          continue;
        }
        int d = pow_dup(fds[1]);
        char c = static_cast<char>('a' + t), back = 0;
        if (d < 0 || pow_write(d, &c, 1) != 1 || pow_read(fds[0], &back, 1) != 1 || back != c)
          ++failures;
        if (pow_close(d) != 0 || pow_close(fds[1]) != 0 || pow_read(fds[0], &back, 1) != 0 ||
            pow_close(fds[0]) != 0)
          ++failures;
      }
    });
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(pow_pipe(probe), 0);
  EXPECT_EQ(std::min(probe[0], probe[1]), lowest_before) << "fds leaked";
  pow_close(probe[0]);
  pow_close(probe[1]);
}
