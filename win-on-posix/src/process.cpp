// Processes: CreateProcess (posix_spawn, never fork), process and thread handles that are
// waitable (pidfd), exit codes, TerminateProcess, standard handles, GetStartupInfo.
#include "cmdline.hpp"
#include "object.hpp"
#include "text.hpp"
#include "trace.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <poll.h>
#include <mutex>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace wop {

namespace {

// Raw syscalls: glibc 2.36's <sys/pidfd.h> has no C++ linkage guards.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_kill(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// What the process handle and the thread handle of one child share.
class ProcessState : public std::enable_shared_from_this<ProcessState> {
public:
  ProcessState(pid_t pid, int pidfd, int agent_fd)
      : pid_(pid), pidfd_(pidfd), agent_fd_(agent_fd) {}
  ~ProcessState() {
    if (agent_fd_ >= 0)
      ::close(agent_fd_);
    if (reaped_ || pid_ == getpid()) { // our own process object: nothing to reap
      ::close(pidfd_);
      return;
    }
    // Nobody holds a handle any more but the child still runs: reap it when it exits, so
    // it does not linger as a zombie (Windows has none).
    int fd = pidfd_;
    std::thread([fd] {
      siginfo_t info;
      while (::waitid(P_PIDFD, static_cast<id_t>(fd), &info, WEXITED) < 0 && errno == EINTR) {
      }
      ::close(fd);
    }).detach();
  }
  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_; }
  WaitWord word; // notified by the monitor thread when the pidfd says the child ended

  // Before a waiter sleeps: have the monitor thread watch the pidfd (once).
  void watch_exit() {
    if (watched_.exchange(true))
      return;
    int fd = ::fcntl(pidfd_, F_DUPFD_CLOEXEC, 0);
    std::weak_ptr<ProcessState> weak = weak_from_this();
    auto wake = [weak] {
      if (auto s = weak.lock())
        s->word.notify();
    };
    if (fd < 0)
      wake();
    else
      monitor_watch(fd, 0, wake);
  }

  // Reaps the child if it has exited; true once it has.
  bool exited() {
    std::lock_guard lock(mu_);
    if (reaped_)
      return true;
    siginfo_t info{};
    if (::waitid(P_PIDFD, static_cast<id_t>(pidfd_), &info, WEXITED | WNOHANG) < 0 ||
        info.si_pid == 0)
      return false;
    reaped_ = true;
    exit_code_ = exit_code_from(info);
    return true;
  }

  DWORD exit_code() {
    if (!exited())
      return STILL_ACTIVE;
    std::lock_guard lock(mu_);
    return exit_code_;
  }

  // The child's handle agent, once it has said it runs one (handle_transfer.cpp). It says
  // so at load time, so a child of ours answers at once; a program that is not ours
  // never does, and is given a few seconds.
  std::optional<AgentLink> agent() {
    std::lock_guard lock(agent_mu_);
    if (agent_fd_ < 0) {
      WOP_TRACE_UNSUPPORTED("DuplicateHandle", "the other process was not started by "
                            "CreateProcess of this layer (it runs no handle agent) -> "
                            "ERROR_NOT_SUPPORTED");
      SetLastError(ERROR_NOT_SUPPORTED);
      return std::nullopt;
    }
    if (!agent_ready_) {
      pollfd p[2] = {{agent_fd_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
      int n;
      do
        n = ::poll(p, 2, kAgentHelloMs);
      while (n < 0 && errno == EINTR);
      char hello = 0;
      if (p[0].revents & POLLIN && ::recv(agent_fd_, &hello, 1, MSG_DONTWAIT) == 1 &&
          hello == 'H') {
        agent_ready_ = true;
      } else if (p[1].revents || exited()) {
        SetLastError(ERROR_ACCESS_DENIED); // Windows: the process is terminating
        return std::nullopt;
      } else {
        WOP_TRACE_UNSUPPORTED("DuplicateHandle", "the other process did not announce a handle "
                              "agent (not a program linked with this layer) -> "
                              "ERROR_NOT_SUPPORTED");
        SetLastError(ERROR_NOT_SUPPORTED);
        return std::nullopt;
      }
    }
    return AgentLink{agent_fd_, pidfd_};
  }

  bool terminate(UINT code) {
    if (exited()) // reaps an exited child first: a zombie would accept the signal
      return fail(ERROR_ACCESS_DENIED); // Windows: the process has already terminated
    std::lock_guard lock(mu_);
    if (!terminate_code_)
      terminate_code_ = code;
    if (pidfd_kill(pidfd_, SIGKILL) < 0 && errno != ESRCH)
      return fail_errno(errno);
    return true;
  }

private:
  DWORD exit_code_from(const siginfo_t &info) const {
    if (info.si_code == CLD_EXITED)
      return static_cast<DWORD>(info.si_status);
    if (info.si_status == SIGKILL && terminate_code_)
      return *terminate_code_;
    switch (info.si_status) { // a crash, as Windows would report it
    case SIGSEGV:
    case SIGBUS: return 0xC0000005u;  // STATUS_ACCESS_VIOLATION
    case SIGILL: return 0xC000001Du;  // STATUS_ILLEGAL_INSTRUCTION
    case SIGFPE: return 0xC0000094u;  // STATUS_INTEGER_DIVIDE_BY_ZERO
    case SIGINT: return 0xC000013Au;  // STATUS_CONTROL_C_EXIT
    case SIGABRT: return 3;           // what the C runtime's abort() exits with
    default: return 128u + static_cast<DWORD>(info.si_status);
    }
  }

  static constexpr int kAgentHelloMs = 5000;
  std::mutex mu_;
  std::atomic<bool> watched_{false};
  pid_t pid_;
  int pidfd_;
  std::mutex agent_mu_;
  int agent_fd_;
  bool agent_ready_ = false;
  bool reaped_ = false;
  DWORD exit_code_ = STILL_ACTIVE;
  std::optional<DWORD> terminate_code_;
};

// A process handle, or the handle of the child's main thread: both are signalled when the
// process ends, and share its state.
class ProcessObject final : public Object {
public:
  ProcessObject(std::shared_ptr<ProcessState> s, ObjectKind k) : state(std::move(s)), kind_(k) {}
  ObjectKind kind() const noexcept override { return kind_; }
  WaitWord *wait_word() override { return &state->word; }
  WaitCheck wait_check(WaitToken &) override {
    return state->exited() ? WaitCheck::Ready : WaitCheck::NotReady;
  }
  void wait_prepare_sleep(WaitToken &) override { state->watch_exit(); }
  std::shared_ptr<ProcessState> state;

private:
  ObjectKind kind_;
};

// ---- standard handles ----

std::mutex g_std_mu;
HANDLE g_std[3];
bool g_std_init = false;

int std_index(DWORD n) {
  switch (n) {
  case STD_INPUT_HANDLE: return 0;
  case STD_OUTPUT_HANDLE: return 1;
  case STD_ERROR_HANDLE: return 2;
  default: return -1;
  }
}

void init_std_handles_locked() {
  if (g_std_init)
    return;
  g_std_init = true;
  const Inheritance &inh = inheritance();
  for (int i = 0; i < 3; ++i) {
    if (inh.std_handles[i] && handle_lookup(inh.std_handles[i])) {
      g_std[i] = inh.std_handles[i];
      continue;
    }
    if (::fcntl(i, F_GETFD) < 0) {
      g_std[i] = nullptr; // no such stream: Windows reports NULL
      continue;
    }
    DWORD access = i == 0 ? GENERIC_READ : GENERIC_WRITE;
    g_std[i] = handle_insert(make_fd_object(i), access | SYNCHRONIZE, HANDLE_FLAG_INHERIT);
  }
}

// ---- program lookup ----

bool is_executable_file(const std::string &p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

bool ends_with_exe(const std::string &s) {
  return s.size() > 4 && strcasecmp(s.c_str() + s.size() - 4, ".exe") == 0;
}

// "prog" is tried as prog.exe then prog (Windows appends .exe; Linux builds have none);
// "prog.exe" as itself then without the suffix.
std::vector<std::string> name_variants(const std::string &name, bool append_exe) {
  auto slash = name.find_last_of('/');
  std::string last = slash == std::string::npos ? name : name.substr(slash + 1);
  if (ends_with_exe(name))
    return {name, name.substr(0, name.size() - 4)};
  if (append_exe && last.find('.') == std::string::npos)
    return {name + ".exe", name};
  return {name};
}

std::string self_dir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return ".";
  std::string p(buf, static_cast<size_t>(n));
  return p.substr(0, p.find_last_of('/'));
}

// Resolves the program as CreateProcess does: an application name is taken as given
// (relative to the current directory); a command line's first token is searched for in the
// parent's directory, the current directory and PATH when it has no directory part.
std::optional<std::string> resolve_program(const std::string &name, bool from_cmdline,
                                           const std::string &cwd) {
  auto in_cwd = [&](const std::string &p) {
    return p.empty() || p[0] == '/' || cwd.empty() ? p : cwd + "/" + p;
  };
  std::vector<std::string> dirs;
  if (name.find('/') != std::string::npos || !from_cmdline) {
    dirs.push_back("");
  } else {
    dirs.push_back(self_dir());
    dirs.push_back(cwd.empty() ? "." : cwd);
    const char *path = std::getenv("PATH");
    std::string ps = path ? path : "/usr/local/bin:/usr/bin:/bin";
    size_t start = 0;
    while (start <= ps.size()) {
      size_t end = ps.find(':', start);
      if (end == std::string::npos)
        end = ps.size();
      dirs.push_back(end > start ? ps.substr(start, end - start) : ".");
      start = end + 1;
    }
  }
  for (const auto &d : dirs)
    for (const auto &v : name_variants(name, from_cmdline)) {
      std::string p = d.empty() ? in_cwd(v) : d + "/" + v;
      if (is_executable_file(p))
        return p;
    }
  return std::nullopt;
}

std::string first_token(const std::string &cmdline) {
  auto args = split_command_line(cmdline);
  return args.empty() ? std::string() : args[0];
}

std::string quote_if_needed(const std::string &s) {
  return s.find_first_of(" \t") == std::string::npos ? s : "\"" + s + "\"";
}

// ---- the spawn ----

struct SpawnRequest {
  std::optional<std::string> application;
  std::optional<std::string> command_line;
  bool inherit = false;
  DWORD creation_flags = 0;
  std::optional<std::vector<std::string>> environment;
  std::optional<std::string> directory;
  bool use_std_handles = false;
  HANDLE std_handles[3] = {nullptr, nullptr, nullptr};
  LPSECURITY_ATTRIBUTES process_sa = nullptr, thread_sa = nullptr;
};

std::string hex(uintptr_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

BOOL spawn(SpawnRequest &rq, LPPROCESS_INFORMATION pi) {
  if (!pi || (!rq.application && !rq.command_line))
    return fail(ERROR_INVALID_PARAMETER);
  constexpr DWORD kUnsupported = CREATE_SUSPENDED | DEBUG_PROCESS | DEBUG_ONLY_THIS_PROCESS;
  if (rq.creation_flags & kUnsupported) { // see docs/porting-win32-to-linux.md
    if (rq.creation_flags & CREATE_SUSPENDED)
      WOP_TRACE_UNSUPPORTED("CreateProcess", "CREATE_SUSPENDED: a Linux process cannot be "
                            "started with its main thread suspended -> ERROR_NOT_SUPPORTED");
    else
      WOP_TRACE_UNSUPPORTED("CreateProcess", "DEBUG_PROCESS/DEBUG_ONLY_THIS_PROCESS: there is "
                            "no Win32 debugging API -> ERROR_NOT_SUPPORTED");
    return fail(ERROR_NOT_SUPPORTED);
  }

  std::string cwd;
  if (rq.directory) {
    cwd = posix_path(*rq.directory);
    struct stat st;
    if (::stat(cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return fail(ERROR_DIRECTORY);
  }
  std::string cmdline = rq.command_line ? *rq.command_line : quote_if_needed(*rq.application);
  std::optional<std::string> exe =
      rq.application ? resolve_program(posix_path(*rq.application), false, cwd)
                     : resolve_program(posix_path(first_token(cmdline)), true, cwd);
  if (!exe)
    return fail(ERROR_FILE_NOT_FOUND);

  std::vector<std::string> args = split_command_line(cmdline);
  if (args.empty() || args[0].empty())
    args.insert(args.begin(), *exe);

  // Descriptors for the child: its std handles on 0..2, then every inheritable handle.
  std::vector<int> temps_to_close; // /dev/null stand-ins, descriptors opened for the child
  auto devnull = [&]() {
    int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0)
      temps_to_close.push_back(fd);
    return fd;
  };
  struct Pass {
    int src;
    int target;
  };
  std::vector<Pass> passes;
  std::map<Object *, int> child_fd_of; // one descriptor per object, shared by duplicates
  std::map<Object *, int> extra_src_of; // spawn_fds's extra descriptor, until it has a target
  HANDLE std_values[3];
  for (int i = 0; i < 3; ++i) {
    HANDLE h = rq.use_std_handles ? rq.std_handles[i]
                                  : GetStdHandle(i == 0 ? STD_INPUT_HANDLE
                                                        : i == 1 ? STD_OUTPUT_HANDLE
                                                                 : STD_ERROR_HANDLE);
    std_values[i] = h;
    int src = -1;
    if (auto e = h ? handle_lookup(h) : std::nullopt) {
      int extra = -1;
      src = e->object->spawn_fds(temps_to_close, &extra);
      if (src >= 0 && !child_fd_of.count(e->object.get())) {
        child_fd_of[e->object.get()] = i;
        if (extra >= 0)
          extra_src_of[e->object.get()] = extra;
      }
    }
    if (src < 0)
      src = devnull();
    passes.push_back({src, i});
  }
  // The child's handle agent end (handle_transfer.cpp), on the first descriptor after the
  // inherited ones.
  int agent[2] = {-1, -1};
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, agent) < 0)
    return fail_errno(errno);
  temps_to_close.push_back(agent[1]);
  std::string inherit_list;
  int next = 3;
  if (rq.inherit) {
    std::map<Object *, int> extra_target_of;
    for (auto &[h, e] : handle_snapshot()) {
      if (!(e.flags & HANDLE_FLAG_INHERIT) || e.object->inherit_fd() < 0)
        continue;
      Object *o = e.object.get();
      auto it = child_fd_of.find(o);
      int target;
      if (it != child_fd_of.end()) {
        target = it->second;
      } else {
        int extra = -1;
        int fd = e.object->spawn_fds(temps_to_close, &extra);
        if (fd < 0)
          continue;
        target = next++;
        child_fd_of[o] = target;
        passes.push_back({fd, target});
        if (extra >= 0)
          extra_src_of[o] = extra;
      }
      if (auto x = extra_src_of.find(o); x != extra_src_of.end() && !extra_target_of.count(o)) {
        extra_target_of[o] = next;
        passes.push_back({x->second, next++});
      }
      if (!inherit_list.empty())
        inherit_list += ',';
      inherit_list += hex(reinterpret_cast<uintptr_t>(h)) + "=" + hex(static_cast<uintptr_t>(target));
      if (auto x = extra_target_of.find(o); x != extra_target_of.end())
        inherit_list += "+" + hex(static_cast<uintptr_t>(x->second));
      inherit_list += std::string(":") + e.object->inherit_kind() + ":" + hex(e.access) + ":" +
                      hex(e.flags);
    }
  }
  const int agent_target = next;
  passes.push_back({agent[1], agent_target});

  // Two rounds of dup2 through descriptors above every source and target, so no target
  // overwrites a source still to be copied; then everything above the targets is closed.
  int top = 3;
  for (auto &p : passes)
    top = std::max({top, p.src + 1, p.target + 1});
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (size_t k = 0; k < passes.size(); ++k)
    posix_spawn_file_actions_adddup2(&fa, passes[k].src, top + static_cast<int>(k));
  for (size_t k = 0; k < passes.size(); ++k)
    posix_spawn_file_actions_adddup2(&fa, top + static_cast<int>(k), passes[k].target);
  int first_free = 3;
  for (auto &p : passes)
    first_free = std::max(first_free, p.target + 1);
  posix_spawn_file_actions_addclosefrom_np(&fa, first_free);
  if (!cwd.empty())
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());

  std::vector<std::string> env;
  if (rq.environment)
    env = *rq.environment;
  else
    for (char **e = environ; *e; ++e)
      env.emplace_back(*e);
  std::erase_if(env, [](const std::string &s) {
    return s.rfind(std::string(kInheritEnv) + "=", 0) == 0 ||
           s.rfind(std::string(kAgentEnv) + "=", 0) == 0;
  });
  env.push_back(std::string(kAgentEnv) + "=" + hex(static_cast<uintptr_t>(agent_target)));
  env.push_back(std::string(kInheritEnv) + "=" + hex(static_cast<uintptr_t>(getpid())) + ";" +
                inherit_list + ";" + hex(reinterpret_cast<uintptr_t>(std_values[0])) + "," +
                hex(reinterpret_cast<uintptr_t>(std_values[1])) + "," +
                hex(reinterpret_cast<uintptr_t>(std_values[2])));

  std::vector<char *> argv, envp;
  for (auto &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto &e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int err = ::posix_spawn(&pid, exe->c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  for (int fd : temps_to_close)
    ::close(fd);
  if (err != 0)
    ::close(agent[0]);
  if (err != 0)
    return fail(err == ENOENT ? ERROR_FILE_NOT_FOUND
                : err == ENOEXEC ? ERROR_BAD_EXE_FORMAT
                                 : win32_error_from_errno(err));
  int pidfd = pidfd_open(pid);
  if (pidfd < 0) {
    int e = errno;
    ::close(agent[0]);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return fail_errno(e);
  }
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  auto state = std::make_shared<ProcessState>(pid, pidfd, agent[0]);
  HANDLE hp = handle_insert(std::make_shared<ProcessObject>(state, ObjectKind::Process), 0x1FFFFF,
                            inherit_flags(rq.process_sa));
  HANDLE ht = handle_insert(std::make_shared<ProcessObject>(state, ObjectKind::Thread), 0x1FFFFF,
                            inherit_flags(rq.thread_sa));
  if (!hp || !ht) {
    DWORD e = GetLastError();
    if (hp)
      handle_close(hp);
    if (ht)
      handle_close(ht);
    return fail(e);
  }
  pi->hProcess = hp;
  pi->hThread = ht;
  pi->dwProcessId = static_cast<DWORD>(pid);
  pi->dwThreadId = static_cast<DWORD>(pid); // the main thread's id is the pid on Linux
  return TRUE;
}

std::vector<std::string> environment_block_a(const char *p) {
  std::vector<std::string> env;
  while (*p) {
    env.emplace_back(p);
    p += env.back().size() + 1;
  }
  return env;
}

std::vector<std::string> environment_block_w(const WCHAR *p) {
  std::vector<std::string> env;
  while (*p) {
    size_t n = 0;
    while (p[n])
      ++n;
    env.push_back(utf8_from_utf16(p, n));
    p += n + 1;
  }
  return env;
}

std::shared_ptr<ProcessState> process_state(HANDLE h) {
  auto e = handle_lookup(h);
  if (!e)
    return nullptr;
  auto p = std::dynamic_pointer_cast<ProcessObject>(e->object);
  if (p && p->kind() == ObjectKind::Process)
    return p->state;
  SetLastError(ERROR_INVALID_HANDLE);
  return nullptr;
}

} // namespace

namespace {

// What CreateProcessA and CreateProcessW share once their strings are UTF-8.
template <class StartupInfo>
BOOL create_process(std::optional<std::string> app, std::optional<std::string> cmdline,
                    LPSECURITY_ATTRIBUTES psa, LPSECURITY_ATTRIBUTES tsa, BOOL inherit,
                    DWORD flags, LPVOID env, std::optional<std::string> dir, StartupInfo *si,
                    LPPROCESS_INFORMATION pi) {
  if (!si)
    return wop::fail(ERROR_INVALID_PARAMETER);
  wop::SpawnRequest rq;
  rq.application = std::move(app);
  rq.command_line = std::move(cmdline);
  rq.inherit = inherit;
  rq.creation_flags = flags;
  if (env)
    rq.environment = (flags & CREATE_UNICODE_ENVIRONMENT)
                         ? wop::environment_block_w(static_cast<const WCHAR *>(env))
                         : wop::environment_block_a(static_cast<const char *>(env));
  rq.directory = std::move(dir);
  rq.use_std_handles = si->cb >= sizeof(StartupInfo) && (si->dwFlags & STARTF_USESTDHANDLES);
  rq.std_handles[0] = si->hStdInput;
  rq.std_handles[1] = si->hStdOutput;
  rq.std_handles[2] = si->hStdError;
  rq.process_sa = psa;
  rq.thread_sa = tsa;
  return wop::spawn(rq, pi);
}

template <class Char, class Convert>
std::optional<std::string> opt(const Char *s, Convert convert) {
  return s ? std::optional<std::string>(convert(s)) : std::nullopt;
}

} // namespace

ObjectPtr current_process_object() {
  int pidfd = pidfd_open(getpid());
  if (pidfd < 0) {
    fail_errno(errno);
    return nullptr;
  }
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  return std::make_shared<ProcessObject>(std::make_shared<ProcessState>(getpid(), pidfd, -1),
                                         ObjectKind::Process);
}

std::optional<AgentLink> process_agent(HANDLE h) {
  auto state = process_state(h);
  if (!state)
    return std::nullopt;
  return state->agent();
}

// For thread.cpp: the primary-thread handles CreateProcess returns end with the process.
bool primary_thread_exit_code(const ObjectPtr &obj, DWORD *code) {
  auto p = std::dynamic_pointer_cast<ProcessObject>(obj);
  if (!p || p->kind() != ObjectKind::Thread)
    return fail(ERROR_INVALID_HANDLE);
  *code = p->state->exit_code();
  return true;
}

DWORD primary_thread_id(const ObjectPtr &obj) {
  auto p = std::dynamic_pointer_cast<ProcessObject>(obj);
  return p && p->kind() == ObjectKind::Thread ? static_cast<DWORD>(p->state->pid()) : 0;
}

} // namespace wop

using namespace wop;

extern "C" {

BOOL WINAPI CreateProcessA(LPCSTR app, LPSTR cmdline, LPSECURITY_ATTRIBUTES psa,
                           LPSECURITY_ATTRIBUTES tsa, BOOL inherit, DWORD flags, LPVOID env,
                           LPCSTR dir, LPSTARTUPINFOA si, LPPROCESS_INFORMATION pi) {
  auto id = [](const char *s) { return std::string(s); };
  return create_process(opt(app, id), opt(cmdline, id), psa, tsa, inherit, flags, env,
                        opt(dir, id), si, pi);
}

BOOL WINAPI CreateProcessW(LPCWSTR app, LPWSTR cmdline, LPSECURITY_ATTRIBUTES psa,
                           LPSECURITY_ATTRIBUTES tsa, BOOL inherit, DWORD flags, LPVOID env,
                           LPCWSTR dir, LPSTARTUPINFOW si, LPPROCESS_INFORMATION pi) {
  auto u8 = [](const WCHAR *s) { return utf8_from_utf16(s); };
  return create_process(opt(app, u8), opt(cmdline, u8), psa, tsa, inherit, flags, env,
                        opt(dir, u8), si, pi);
}

BOOL WINAPI GetExitCodeProcess(HANDLE h, LPDWORD code) {
  if (!code)
    return fail(ERROR_INVALID_PARAMETER);
  if (h == GetCurrentProcess()) {
    *code = STILL_ACTIVE;
    return TRUE;
  }
  auto s = process_state(h);
  if (!s)
    return FALSE;
  *code = s->exit_code();
  return TRUE;
}

BOOL WINAPI TerminateProcess(HANDLE h, UINT code) {
  if (h == GetCurrentProcess())
    std::_Exit(static_cast<int>(code));
  auto s = process_state(h);
  if (!s)
    return FALSE;
  return s->terminate(code);
}

void WINAPI ExitProcess(UINT code) { std::exit(static_cast<int>(code)); }

DWORD WINAPI GetCurrentProcessId(void) { return static_cast<DWORD>(getpid()); }

DWORD WINAPI GetProcessId(HANDLE h) {
  if (h == GetCurrentProcess())
    return GetCurrentProcessId();
  auto s = process_state(h);
  return s ? static_cast<DWORD>(s->pid()) : 0;
}

DWORD WINAPI GetModuleFileNameA(HMODULE module, LPSTR buf, DWORD size) {
  if (module) {
    SetLastError(ERROR_MOD_NOT_FOUND); // only the main program is known here
    return 0;
  }
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n < 0) {
    fail_errno(errno);
    return 0;
  }
  if (!buf || size == 0) {
    SetLastError(ERROR_INSUFFICIENT_BUFFER);
    return 0;
  }
  if (static_cast<DWORD>(n) >= size) { // truncated and terminated, as Windows does
    std::memcpy(buf, path, size - 1);
    buf[size - 1] = '\0';
    SetLastError(ERROR_INSUFFICIENT_BUFFER);
    return size;
  }
  std::memcpy(buf, path, static_cast<size_t>(n));
  buf[n] = '\0';
  SetLastError(NO_ERROR);
  return static_cast<DWORD>(n);
}

DWORD WINAPI GetModuleFileNameW(HMODULE module, LPWSTR buf, DWORD size) {
  char path[PATH_MAX];
  if (GetModuleFileNameA(module, path, sizeof path) == 0)
    return 0;
  std::u16string w = utf16_from_utf8(path);
  if (!buf || size == 0) {
    SetLastError(ERROR_INSUFFICIENT_BUFFER);
    return 0;
  }
  DWORD n = static_cast<DWORD>(std::min<size_t>(w.size(), size - 1));
  for (DWORD i = 0; i < n; ++i)
    buf[i] = static_cast<WCHAR>(w[i]);
  buf[n] = 0;
  SetLastError(w.size() >= size ? ERROR_INSUFFICIENT_BUFFER : NO_ERROR);
  return w.size() >= size ? size : n;
}

HANDLE WINAPI GetStdHandle(DWORD which) {
  int i = std_index(which);
  if (i < 0) {
    SetLastError(ERROR_INVALID_HANDLE);
    return INVALID_HANDLE_VALUE;
  }
  std::lock_guard lock(g_std_mu);
  init_std_handles_locked();
  return g_std[i];
}

BOOL WINAPI SetStdHandle(DWORD which, HANDLE h) {
  int i = std_index(which);
  if (i < 0)
    return fail(ERROR_INVALID_HANDLE);
  std::lock_guard lock(g_std_mu);
  init_std_handles_locked();
  g_std[i] = h; // as on Windows: the value is recorded, not checked or duplicated
  return TRUE;
}

void WINAPI GetStartupInfoA(LPSTARTUPINFOA si) {
  if (!si)
    return;
  std::memset(si, 0, sizeof *si);
  si->cb = sizeof *si;
  if (inheritance().from_parent) {
    si->dwFlags = STARTF_USESTDHANDLES;
    si->hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si->hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si->hStdError = GetStdHandle(STD_ERROR_HANDLE);
  }
}

void WINAPI GetStartupInfoW(LPSTARTUPINFOW si) {
  if (!si)
    return;
  STARTUPINFOA a;
  GetStartupInfoA(&a);
  std::memset(si, 0, sizeof *si);
  si->cb = sizeof *si;
  si->dwFlags = a.dwFlags;
  si->hStdInput = a.hStdInput;
  si->hStdOutput = a.hStdOutput;
  si->hStdError = a.hStdError;
}

} // extern "C"
