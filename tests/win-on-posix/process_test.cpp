// CreateProcess with plain Linux programs as children: exit codes, std handles on 0/1/2,
// waits and termination. (Children built with win-on-posix: conformance/win32/process.c.)
#include <windows.h>

#include <gtest/gtest.h>

#include <string>

namespace {

PROCESS_INFORMATION start(const char *cmd, STARTUPINFOA *si = nullptr, BOOL inherit = FALSE) {
  STARTUPINFOA def{};
  def.cb = sizeof def;
  PROCESS_INFORMATION pi{};
  std::string line = cmd;
  EXPECT_TRUE(CreateProcessA(nullptr, line.data(), nullptr, nullptr, inherit, 0, nullptr,
                             nullptr, si ? si : &def, &pi))
      << "CreateProcess(" << cmd << ") failed with " << GetLastError();
  return pi;
}

DWORD finish(PROCESS_INFORMATION &pi) {
  EXPECT_EQ(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0) << "child did not exit in 20 s";
  DWORD code = 12345;
  EXPECT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
  EXPECT_TRUE(CloseHandle(pi.hThread));
  EXPECT_TRUE(CloseHandle(pi.hProcess));
  return code;
}

TEST(Process, ExitCodeOfALinuxProgram) {
  auto pi = start(R"(/bin/sh -c "exit 42")");
  EXPECT_GT(pi.dwProcessId, 0u);
  EXPECT_EQ(finish(pi), 42u);
}

TEST(Process, SearchesPathWithoutExeSuffix) {
  auto pi = start("true.exe"); // Windows code names programs with .exe
  EXPECT_EQ(finish(pi), 0u);
}

TEST(Process, StdoutOnAPipe) {
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
  HANDLE r, w;
  ASSERT_TRUE(CreatePipe(&r, &w, &sa, 0));
  STARTUPINFOA si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = w;
  si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  auto pi = start(R"(/bin/echo "hello from echo")", &si, TRUE);
  CloseHandle(w);
  std::string out;
  char buf[64];
  DWORD n;
  while (ReadFile(r, buf, sizeof buf, &n, nullptr))
    out.append(buf, n);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_BROKEN_PIPE));
  EXPECT_EQ(out, "hello from echo\n");
  CloseHandle(r);
  EXPECT_EQ(finish(pi), 0u);
}

TEST(Process, StillActiveThenTerminated) {
  auto pi = start("/bin/sleep 30");
  DWORD code = 0;
  EXPECT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
  EXPECT_EQ(code, static_cast<DWORD>(STILL_ACTIVE));
  EXPECT_EQ(WaitForSingleObject(pi.hProcess, 0), WAIT_TIMEOUT);
  EXPECT_EQ(WaitForSingleObject(pi.hThread, 10), WAIT_TIMEOUT);
  EXPECT_TRUE(TerminateProcess(pi.hProcess, 7));
  EXPECT_EQ(WaitForMultipleObjects(2, &pi.hProcess, TRUE, 20000), WAIT_OBJECT_0);
  EXPECT_EQ(finish(pi), 7u);
}

TEST(Process, MissingProgramAndBadArguments) {
  STARTUPINFOA si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  char missing[] = "no-such-program-xyz --flag";
  SetLastError(0);
  EXPECT_FALSE(CreateProcessA(nullptr, missing, nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FILE_NOT_FOUND));
  SetLastError(0);
  EXPECT_FALSE(CreateProcessA(nullptr, nullptr, nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  SetLastError(0);
  EXPECT_EQ(WaitForSingleObject(reinterpret_cast<HANDLE>(0x1234), 0), WAIT_FAILED);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

} // namespace
