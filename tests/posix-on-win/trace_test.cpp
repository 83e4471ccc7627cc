// POW_TRACE end to end: this program runs itself ("session" role) with POW_TRACE and
// POW_TRACE_FILE set, then reads the file: every call of a pipe()/write/read/close session,
// in order, with its arguments, result, errno and thread id; the family filter; the one-time
// line for an unsupported feature; and nothing at all when POW_TRACE is unset or 0.
#include <signal.h>
#include <sys/select.h>
#include <unistd.h>

#include <windows.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

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

// The traced program: a pipe session (the write from a second thread), a call that fails,
// and twice a pselect with a signal mask (ignored: one line says why).
int session() {
  int fds[2];
  if (pipe(fds) != 0)
    return 10;
  ssize_t written = -1;
  std::thread writer([&] { written = write(fds[1], "hello pow", 9); });
  writer.join();
  if (written != 9)
    return 11;
  char buf[64];
  if (read(fds[0], buf, sizeof buf) != 9)
    return 12;
  if (close(fds[1]) != 0)
    return 13;
  if (read(fds[0], buf, sizeof buf) != 0) // every writer closed: end of file
    return 14;
  if (close(fds[0]) != 0)
    return 15;
  if (close(fds[0]) != -1 || errno != EBADF)
    return 16;
  sigset_t mask;
  sigemptyset(&mask);
  for (int i = 0; i < 2; ++i) {
    struct timespec ts = {0, 0};
    if (pselect(0, nullptr, nullptr, nullptr, &ts, &mask) != 0)
      return 17;
  }
  return 0;
}

std::string g_self;

// Runs the session role in a child with POW_TRACE / POW_TRACE_FILE as given (nullptr:
// unset); its exit code, and its process id in *pid.
int run_child(const char *trace, const char *file, DWORD *pid) {
  SetEnvironmentVariableA("POW_TRACE", trace);
  SetEnvironmentVariableA("POW_TRACE_FILE", file);
  std::string cmd = "\"" + g_self + "\" session";
  STARTUPINFOA si = {};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi = {};
  BOOL ok = CreateProcessA(g_self.c_str(), cmd.data(), nullptr, nullptr, FALSE, 0, nullptr,
                           nullptr, &si, &pi);
  SetEnvironmentVariableA("POW_TRACE", nullptr);
  SetEnvironmentVariableA("POW_TRACE_FILE", nullptr);
  if (!ok)
    return -1;
  DWORD code = 1000;
  if (WaitForSingleObject(pi.hProcess, 60000) != WAIT_OBJECT_0) {
    std::fprintf(stderr, "FAIL: the traced child did not exit within 60 s\n");
    TerminateProcess(pi.hProcess, 1);
  }
  GetExitCodeProcess(pi.hProcess, &code);
  *pid = pi.dwProcessId;
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  return static_cast<int>(code);
}

std::vector<std::string> read_lines(const std::string &path) {
  std::vector<std::string> lines;
  std::ifstream f(path, std::ios::binary);
  for (std::string l; std::getline(f, l);)
    lines.push_back(l);
  return lines;
}

bool exists(const std::string &path) {
  return GetFileAttributesA(path.c_str()) != INVALID_FILE_ATTRIBUTES;
}

// From `from` on, the first line of the child `pid` matching `re`; its index or -1.
int find(const std::vector<std::string> &lines, int from, const std::string &pid,
         const std::string &re) {
  std::regex rx("^pow " + pid + ":(\\d+) " + re);
  for (int i = from; i < static_cast<int>(lines.size()); ++i)
    if (std::regex_search(lines[i], rx))
      return i;
  return -1;
}

std::string tid_of(const std::string &line) {
  std::smatch m;
  return std::regex_search(line, m, std::regex(R"(^pow \d+:(\d+) )")) ? m[1].str() : "";
}

void check_full_trace(const std::string &path, const std::string &pid) {
  std::vector<std::string> lines = read_lines(path);
  std::string all;
  for (const std::string &l : lines)
    all += l + "\n";
  CHECK(!lines.empty() && std::regex_search(lines[0], std::regex("^pow " + pid +
                                                                 ":\\d+ trace: POW_TRACE=1$")),
        "first line of:\n%s", all.c_str());
  std::smatch m;
  int i = find(lines, 0, pid, R"(pipe\(fds=\[(\d+), (\d+)\]\) = 0 errno=\d+)");
  CHECK(i >= 0, "no pipe line in:\n%s", all.c_str());
  std::string rfd = "?", wfd = "?", main_tid;
  if (i >= 0 && std::regex_search(lines[i], m, std::regex(R"(\[(\d+), (\d+)\])"))) {
    rfd = m[1];
    wfd = m[2];
    main_tid = tid_of(lines[i]);
  }
  int w = find(lines, i + 1, pid,
               "write\\(fd=" + wfd + R"(, buf=0x[0-9a-f]+ \"hello pow\", count=9\) = 9 errno=)");
  CHECK(w >= 0, "no write line in:\n%s", all.c_str());
  CHECK(w < 0 || (tid_of(lines[w]) != main_tid && !tid_of(lines[w]).empty()),
        "write's thread id is the main thread's (%s)", main_tid.c_str());
  int k = find(lines, w + 1, pid,
               "read\\(fd=" + rfd + R"(, buf=0x[0-9a-f]+ \"hello pow\", count=64\) = 9 errno=)");
  CHECK(k >= 0, "no read line in:\n%s", all.c_str());
  k = find(lines, k + 1, pid, "close\\(fd=" + wfd + "\\) = 0 errno=");
  CHECK(k >= 0, "no close of the write end in:\n%s", all.c_str());
  k = find(lines, k + 1, pid, "read\\(fd=" + rfd + R"(, buf=0x[0-9a-f]+, count=64\) = 0 errno=)");
  CHECK(k >= 0, "no read at end of file in:\n%s", all.c_str());
  k = find(lines, k + 1, pid, "close\\(fd=" + rfd + "\\) = 0 errno=");
  CHECK(k >= 0, "no close of the read end in:\n%s", all.c_str());
  k = find(lines, k + 1, pid, "close\\(fd=" + rfd + "\\) = -1 errno=9 EBADF$");
  CHECK(k >= 0, "no failing close in:\n%s", all.c_str());
  int p = find(lines, k + 1, pid,
               R"(pselect\(nfds=0, readfds=NULL, writefds=NULL, exceptfds=NULL, timeout=0x[0-9a-f]+, sigmask=0x[0-9a-f]+->0\) = 0 errno=)");
  CHECK(p >= 0, "no pselect line in:\n%s", all.c_str());
  CHECK(find(lines, p + 1, pid, R"(pselect\()") >= 0, "no second pselect line in:\n%s",
        all.c_str());
  int unsupported = 0;
  for (const std::string &l : lines)
    unsupported += std::regex_search(l, std::regex("^pow " + pid + ":" + main_tid +
                                                   " UNSUPPORTED pselect: the signal mask"));
  CHECK(unsupported == 1, "%d UNSUPPORTED pselect lines in:\n%s", unsupported, all.c_str());
  // Every line but the writer's is the main thread's.
  for (const std::string &l : lines)
    CHECK(l.rfind("pow " + pid + ":", 0) == 0 &&
              (tid_of(l) == main_tid || l.find(" write(") != std::string::npos),
          "line of another process or thread: %s", l.c_str());
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 2 && std::strcmp(argv[1], "session") == 0)
    return session();
  char self[MAX_PATH];
  GetModuleFileNameA(nullptr, self, sizeof self);
  g_self = self;
  const std::string base = std::string(argc > 1 ? argv[1] : ".") + "/pow-trace-" +
                           std::to_string(GetCurrentProcessId());
  DWORD pid = 0;

  // 1. Everything traced.
  std::string path = base + "-all.log";
  DeleteFileA(path.c_str());
  CHECK(run_child("1", path.c_str(), &pid) == 0, "the traced session failed");
  check_full_trace(path, std::to_string(pid));

  // 2. A filter: pipe() only. read/write/close ("fd") are gone; the unsupported line stays.
  path = base + "-pipe.log";
  DeleteFileA(path.c_str());
  CHECK(run_child("pipe", path.c_str(), &pid) == 0, "the traced session failed");
  {
    int pipes = 0, fd = 0, unsupported = 0;
    for (const std::string &l : read_lines(path)) {
      pipes += l.find(" pipe(") != std::string::npos;
      fd += l.find(" read(") != std::string::npos || l.find(" write(") != std::string::npos ||
            l.find(" close(") != std::string::npos;
      unsupported += l.find(" UNSUPPORTED pselect") != std::string::npos;
    }
    CHECK(pipes == 1, "%d pipe lines", pipes);
    CHECK(fd == 0, "%d read/write/close lines under a pipe filter", fd);
    CHECK(unsupported == 1, "%d unsupported lines", unsupported);
  }

  // 3. Off: unset, or 0, writes nothing (the file is not even created).
  for (const char *off : {static_cast<const char *>(nullptr), "0"}) {
    path = base + "-off.log";
    DeleteFileA(path.c_str());
    CHECK(run_child(off, path.c_str(), &pid) == 0, "the session failed");
    CHECK(!exists(path), "POW_TRACE=%s wrote a trace", off ? off : "(unset)");
  }
  if (g_failures == 0) {
    DeleteFileA((base + "-all.log").c_str());
    DeleteFileA((base + "-pipe.log").c_str());
    std::printf("trace test: OK\n");
  }
  return g_failures == 0 ? 0 : 1;
}
