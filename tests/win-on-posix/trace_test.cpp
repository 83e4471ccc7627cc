// WOP_TRACE end to end: this program runs itself ("session" role) with WOP_TRACE and
// WOP_TRACE_FILE set, then reads the file: every call of a named-pipe session, in order per
// thread, with its arguments, result, error code and thread id; the family filter; the
// one-time line for an unsupported feature; and nothing at all when WOP_TRACE is unset or 0.
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace {

int g_failures = 0;
#define CHECK(cond, ...)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                 \
      std::fprintf(stderr, __VA_ARGS__);                                                   \
      std::fprintf(stderr, "\n");                                                          \
      ++g_failures;                                                                        \
    }                                                                                      \
  } while (0)

const char kMessage[] = "hello trace";
const char kReply[] = "bye";

std::string pipe_name(long id) { return "\\\\.\\pipe\\wop-trace-test-" + std::to_string(id); }

DWORD WINAPI client(LPVOID param) {
  const std::string name = pipe_name(reinterpret_cast<long>(param));
  if (!WaitNamedPipeA(name.c_str(), 10000))
    return 1;
  HANDLE h = CreateFileA(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                         0, nullptr);
  if (h == INVALID_HANDLE_VALUE)
    return 2;
  DWORD n = 0;
  if (!WriteFile(h, kMessage, sizeof kMessage - 1, &n, nullptr))
    return 3;
  char buf[16] = {};
  if (!ReadFile(h, buf, sizeof buf, &n, nullptr))
    return 4;
  return CloseHandle(h) ? 0 : 5;
}

// The traced program: a named-pipe session (server on the main thread, client on another),
// a call that fails, and twice a deliberately unsupported CreateProcess flag.
int session(long id) {
  const std::string name = pipe_name(id);
  HANDLE pipe = CreateNamedPipeA(name.c_str(), PIPE_ACCESS_DUPLEX,
                                 PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 4096, 4096,
                                 0, nullptr);
  if (pipe == INVALID_HANDLE_VALUE)
    return 10;
  DWORD tid = 0;
  HANDLE thread = CreateThread(nullptr, 0, client, reinterpret_cast<LPVOID>(id), 0, &tid);
  if (!thread)
    return 11;
  if (!ConnectNamedPipe(pipe, nullptr) && GetLastError() != ERROR_PIPE_CONNECTED)
    return 12;
  char buf[64] = {};
  DWORD n = 0;
  if (!ReadFile(pipe, buf, sizeof buf, &n, nullptr) || n != sizeof kMessage - 1)
    return 13;
  if (!WriteFile(pipe, kReply, sizeof kReply - 1, &n, nullptr))
    return 14;
  if (WaitForSingleObject(thread, 30000) != WAIT_OBJECT_0)
    return 15;
  DWORD code = 99;
  if (!GetExitCodeThread(thread, &code) || code != 0)
    return 16;
  if (!DisconnectNamedPipe(pipe) || !CloseHandle(pipe))
    return 17;
  if (CloseHandle(pipe)) // already closed: ERROR_INVALID_HANDLE
    return 18;
  CloseHandle(thread);
  for (int i = 0; i < 2; ++i) {
    STARTUPINFOA si = {};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi = {};
    char cmd[] = "/bin/true";
    if (CreateProcessA(nullptr, cmd, nullptr, nullptr, FALSE, CREATE_SUSPENDED, nullptr, nullptr,
                       &si, &pi) ||
        GetLastError() != ERROR_NOT_SUPPORTED)
      return 19;
  }
  // A pipe on another machine: refused (no network transport), explained once.
  for (int i = 0; i < 2; ++i)
    if (WaitNamedPipeA("\\\\wop-no-such-host\\pipe\\x", 0) ||
        GetLastError() != ERROR_BAD_NETPATH)
      return 20;
  return 0;
}

// Runs the session role in a child with these environment changes ("NAME=" alone unsets).
int run_child(long id, const std::vector<std::string> &env_changes) {
  std::vector<std::string> env;
  for (char **e = environ; *e; ++e) {
    std::string s = *e;
    if (s.rfind("WOP_TRACE", 0) != 0)
      env.push_back(s);
  }
  for (const std::string &c : env_changes)
    if (c.back() != '=')
      env.push_back(c);
  std::vector<char *> envp;
  for (std::string &s : env)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string self = "/proc/self/exe", role = "session", ids = std::to_string(id);
  char *argv[] = {self.data(), role.data(), ids.data(), nullptr};
  pid_t pid;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, envp.data()) != 0)
    return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> read_lines(const std::string &path) {
  std::vector<std::string> lines;
  std::ifstream f(path);
  for (std::string l; std::getline(f, l);)
    lines.push_back(l);
  return lines;
}

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Finds, from `from` on, the first line of thread `tid` that matches `re`; its index or -1.
int find(const std::vector<std::string> &lines, int from, const std::string &tid,
         const std::string &re) {
  std::regex rx(re);
  for (int i = from; i < static_cast<int>(lines.size()); ++i)
    if (lines[i].find(":" + tid + " ") != std::string::npos && std::regex_search(lines[i], rx))
      return i;
  return -1;
}

std::string esc(const std::string &s) { // a literal for std::regex
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(s, special, R"(\$&)");
}

void check_full_trace(const std::string &path, long id) {
  std::vector<std::string> lines = read_lines(path);
  CHECK(!lines.empty(), "no trace written to %s", path.c_str());
  std::string all;
  for (const std::string &l : lines)
    all += l + "\n";
  // Every line: "wop <pid>:<tid> Name(...) = result err=N [NAME]".
  std::smatch m;
  CHECK(std::regex_search(lines[0], m, std::regex(R"(^wop (\d+):(\d+) trace: WOP_TRACE=1$)")),
        "first line: %s", lines[0].c_str());
  const std::string pid = m.size() > 1 ? m[1].str() : "?";
  const std::string main_tid = pid; // the main thread's Linux tid is the process id
  // As the line shows it: quoted, backslashes escaped.
  const std::string quoted_name =
      esc(R"("\\\\.\\pipe\\wop-trace-test-)" + std::to_string(id) + "\"");
  int i = find(lines, 0, main_tid,
               "CreateNamedPipeA\\(lpName=" + quoted_name +
                   ", dwOpenMode=0x3, dwPipeMode=0x0, nMaxInstances=1, nOutBufferSize=4096, "
                   "nInBufferSize=4096, nDefaultTimeOut=0, lpSecurityAttributes=NULL\\) = "
                   "(0x[0-9a-f]+) err=0$");
  CHECK(i >= 0, "no CreateNamedPipeA line in:\n%s", all.c_str());
  std::string handle;
  if (i >= 0 && std::regex_search(lines[i], m, std::regex(R"(= (0x[0-9a-f]+) err)")))
    handle = m[1];
  int j = find(lines, i + 1, main_tid,
               R"(CreateThread\(lpThreadAttributes=NULL, dwStackSize=0, lpStartAddress=0x[0-9a-f]+, lpParameter=0x[0-9a-f]+, dwCreationFlags=0x0, lpThreadId=0x[0-9a-f]+->(\d+)\) = 0x[0-9a-f]+ err=0$)");
  CHECK(j >= 0, "no CreateThread line in:\n%s", all.c_str());
  std::string client_tid;
  if (j >= 0 && std::regex_search(lines[j], m, std::regex(R"(->(\d+)\))")))
    client_tid = m[1];
  CHECK(!client_tid.empty() && client_tid != main_tid, "client thread id '%s'",
        client_tid.c_str());
  // The server's calls, in order, on the main thread.
  int k = find(lines, j + 1, main_tid,
               "ConnectNamedPipe\\(hNamedPipe=" + handle +
                   ", lpOverlapped=NULL\\) = (1 err=0|0 err=535 ERROR_PIPE_CONNECTED)$");
  CHECK(k >= 0, "no ConnectNamedPipe line in:\n%s", all.c_str());
  k = find(lines, k + 1, main_tid,
           "ReadFile\\(hFile=" + handle +
               R"(, lpBuffer=0x[0-9a-f]+ \"hello trace\", nNumberOfBytesToRead=64, lpNumberOfBytesRead=0x[0-9a-f]+->11, lpOverlapped=NULL\) = 1 err=0$)");
  CHECK(k >= 0, "no server ReadFile line in:\n%s", all.c_str());
  k = find(lines, k + 1, main_tid,
           "WriteFile\\(hFile=" + handle +
               R"(, lpBuffer=0x[0-9a-f]+ \"bye\", nNumberOfBytesToWrite=3, lpNumberOfBytesWritten=0x[0-9a-f]+->3, lpOverlapped=NULL\) = 1 err=0$)");
  CHECK(k >= 0, "no server WriteFile line in:\n%s", all.c_str());
  k = find(lines, k + 1, main_tid, R"(WaitForSingleObject\(hHandle=0x[0-9a-f]+, dwMilliseconds=30000\) = 0 err=)");
  CHECK(k >= 0, "no WaitForSingleObject line in:\n%s", all.c_str());
  k = find(lines, k + 1, main_tid, "DisconnectNamedPipe\\(hNamedPipe=" + handle + "\\) = 1 err=");
  CHECK(k >= 0, "no DisconnectNamedPipe line in:\n%s", all.c_str());
  k = find(lines, k + 1, main_tid, "CloseHandle\\(hObject=" + handle + "\\) = 1 err=");
  CHECK(k >= 0, "no CloseHandle line in:\n%s", all.c_str());
  k = find(lines, k + 1, main_tid,
           "CloseHandle\\(hObject=" + handle + "\\) = 0 err=6 ERROR_INVALID_HANDLE$");
  CHECK(k >= 0, "no failing CloseHandle line in:\n%s", all.c_str());
  // The unsupported flag: its call lines (both) and one line saying why.
  int p = find(lines, k + 1, main_tid,
               R"(CreateProcessA\(lpApplicationName=NULL, lpCommandLine=\"/bin/true\", .*dwCreationFlags=0x4, .*\) = 0 err=50 ERROR_NOT_SUPPORTED$)");
  CHECK(p >= 0, "no CreateProcessA line in:\n%s", all.c_str());
  CHECK(find(lines, p + 1, main_tid, R"(CreateProcessA\()") >= 0, "second CreateProcessA");
  int unsupported = 0;
  for (const std::string &l : lines)
    if (std::regex_search(l, std::regex("^wop " + pid + ":" + main_tid +
                                        " UNSUPPORTED CreateProcess.*CREATE_SUSPENDED")))
      ++unsupported;
  CHECK(unsupported == 1, "%d UNSUPPORTED lines for CREATE_SUSPENDED in:\n%s", unsupported,
        all.c_str());
  int remote = find(lines, p + 1, main_tid,
                    R"(UNSUPPORTED named pipe: .*another machine.*ERROR_BAD_NETPATH)");
  CHECK(remote >= 0, "no UNSUPPORTED line for a remote pipe in:\n%s", all.c_str());
  int r1 = find(lines, remote + 1, main_tid,
                R"(WaitNamedPipeA\(lpNamedPipeName=\"\\\\\\\\wop-no-such-host\\\\pipe\\\\x\", nTimeOut=0\) = 0 err=53 ERROR_BAD_NETPATH$)");
  CHECK(r1 >= 0, "no failing WaitNamedPipeA line in:\n%s", all.c_str());
  CHECK(find(lines, r1 + 1, main_tid, R"(WaitNamedPipeA\()") >= 0 &&
            find(lines, r1 + 1, main_tid, "UNSUPPORTED") < 0,
        "a second WaitNamedPipeA line and no second UNSUPPORTED line in:\n%s", all.c_str());
  // The client's calls, in order, on its own thread.
  int c = find(lines, 0, client_tid,
               "WaitNamedPipeA\\(lpNamedPipeName=" + quoted_name + ", nTimeOut=10000\\) = 1 err=");
  CHECK(c >= 0, "no client WaitNamedPipeA line in:\n%s", all.c_str());
  c = find(lines, c + 1, client_tid,
           "CreateFileA\\(lpFileName=" + quoted_name +
               ", dwDesiredAccess=0xc0000000, dwShareMode=0x0, lpSecurityAttributes=NULL, "
               "dwCreationDisposition=3, dwFlagsAndAttributes=0x0, hTemplateFile=NULL\\) = "
               "(0x[0-9a-f]+) err=");
  CHECK(c >= 0, "no client CreateFileA line in:\n%s", all.c_str());
  c = find(lines, c + 1, client_tid,
           R"(WriteFile\(hFile=0x[0-9a-f]+, lpBuffer=0x[0-9a-f]+ \"hello trace\", nNumberOfBytesToWrite=11, .* = 1 err=)");
  CHECK(c >= 0, "no client WriteFile line in:\n%s", all.c_str());
  c = find(lines, c + 1, client_tid,
           R"(ReadFile\(hFile=0x[0-9a-f]+, lpBuffer=0x[0-9a-f]+ \"bye\", nNumberOfBytesToRead=16, lpNumberOfBytesRead=0x[0-9a-f]+->3, lpOverlapped=NULL\) = 1 err=)");
  CHECK(c >= 0, "no client ReadFile line in:\n%s", all.c_str());
  c = find(lines, c + 1, client_tid, R"(CloseHandle\(hObject=0x[0-9a-f]+\) = 1 err=)");
  CHECK(c >= 0, "no client CloseHandle line in:\n%s", all.c_str());
  // Nothing else runs in the child: every line is this process's.
  for (const std::string &l : lines)
    CHECK(l.rfind("wop " + pid + ":", 0) == 0, "foreign line: %s", l.c_str());
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 3 && std::strcmp(argv[1], "session") == 0)
    return session(std::atol(argv[2]));

  const long id = static_cast<long>(getpid());
  const std::string dir = argc > 1 ? argv[1] : ".";
  const std::string base = dir + "/wop-trace-" + std::to_string(id);

  // 1. Everything traced.
  std::string path = base + "-all.log";
  std::remove(path.c_str());
  CHECK(run_child(id, {"WOP_TRACE=1", "WOP_TRACE_FILE=" + path}) == 0, "session failed");
  check_full_trace(path, id);

  // 2. A filter: named pipes only ("process" added and taken away again; an unknown name
  // is reported). File calls are gone; the unsupported lines stay.
  path = base + "-np.log";
  std::remove(path.c_str());
  CHECK(run_child(id, {"WOP_TRACE=named_pipe,process,-process,bogus", "WOP_TRACE_FILE=" + path}) ==
            0,
        "session failed");
  {
    std::vector<std::string> lines = read_lines(path);
    CHECK(!lines.empty() && lines[0].find("unknown families: bogus;") != std::string::npos,
          "first line: %s", lines.empty() ? "(none)" : lines[0].c_str());
    int np = 0, file = 0, unsupported = 0, process = 0;
    for (const std::string &l : lines) {
      np += l.find(" CreateNamedPipeA(") != std::string::npos ||
            l.find(" ConnectNamedPipe(") != std::string::npos;
      file += l.find(" ReadFile(") != std::string::npos ||
              l.find(" CreateFileA(") != std::string::npos;
      process += l.find(" CreateProcessA(") != std::string::npos;
      unsupported += l.find(" UNSUPPORTED CreateProcess") != std::string::npos;
    }
    CHECK(np == 2, "%d CreateNamedPipeA/ConnectNamedPipe lines", np);
    CHECK(file == 0 && process == 0, "%d file and %d process lines under a named_pipe filter",
          file, process);
    CHECK(unsupported == 1, "%d unsupported lines", unsupported);
  }

  // 3. Off: unset, or 0, writes nothing (the file is not even created).
  for (const char *off : {"WOP_TRACE=", "WOP_TRACE=0"}) {
    path = base + "-off.log";
    std::remove(path.c_str());
    CHECK(run_child(id, {off, "WOP_TRACE_FILE=" + path}) == 0, "session failed");
    CHECK(!exists(path), "%s wrote a trace", off);
  }
  if (g_failures == 0) {
    for (const char *s : {"-all.log", "-np.log"})
      std::remove((base + s).c_str());
    std::printf("trace test: OK\n");
  }
  return g_failures == 0 ? 0 : 1;
}
