// spawn internals: command-line quoting round-trips through Windows' own parser, and the
// exit code -> wait status mapping gives what <sys/wait.h>'s macros expect.
#include "fd.hpp"

#include <shellapi.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::vector<std::string> parse(const std::string &cmd) {
  std::wstring w(cmd.begin(), cmd.end());
  int n = 0;
  LPWSTR *argv = CommandLineToArgvW(w.c_str(), &n);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::wstring a = argv[i];
    out.emplace_back(a.begin(), a.end());
  }
  LocalFree(argv);
  return out;
}

} // namespace

TEST(Spawn, CommandLineRoundTrips) {
  const char *argv[] = {"C:\\dir with space\\prog.exe", "plain", "", "two words",
                        "quote\"inside", "trailing\\", "back\\\\slashes\\\"q", "tab\there",
                        nullptr};
  auto parsed = parse(posix_on_win::command_line(argv));
  ASSERT_EQ(parsed.size(), 8u);
  for (size_t i = 0; i < 8; ++i)
    EXPECT_EQ(parsed[i], argv[i]) << "argument " << i;
}

TEST(Spawn, WaitStatusOfExitCodes) {
  int s = posix_on_win::wait_status(42);
  EXPECT_EQ(s & 0x7f, 0);           // WIFEXITED
  EXPECT_EQ((s >> 8) & 0xff, 42);   // WEXITSTATUS
  EXPECT_EQ((posix_on_win::wait_status(0x1234) >> 8) & 0xff, 0x34); // low 8 bits, as POSIX
  EXPECT_EQ(posix_on_win::wait_status(0xC000014B), 13);            // SIGPIPE's default action
  EXPECT_EQ(posix_on_win::wait_status(0xC0000005), SIGSEGV);
  EXPECT_EQ(posix_on_win::wait_status(0xC0000094), SIGFPE);
}
