// Processes without fork: posix_spawn with file actions, waitpid, popen/pclose, system.
//
// The child's fd table is computed in the parent (POSIX applies the file actions in the
// child; the result is the same): the parent's fds, file actions applied in order, then
// close-on-exec fds dropped. Each remaining handle is duplicated as an inheritable handle
// for the duration of CreateProcess and handed over in the C runtime's own format
// (STARTUPINFO.lpReserved2: count, one flag byte per fd, one handle per fd), which the
// child's C runtime turns back into the same fd numbers; fds 0-2 are also its standard
// handles, for children that are plain Windows programs.
#include "fd.hpp"
#include "trace.hpp"

#include <pow/fcntl_flags.h>
#include <pow/spawn.h>
#include <pow/unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <io.h>
#include <map>
#include <sys/stat.h>
#include <string>

extern "C" char **_environ;

namespace posix_on_win {

namespace {

struct FileAction {
  enum Op { Dup2, Close, Open } op;
  int fd;
  int newfd;
  std::string path;
  int oflag;
  int mode;
};
using FileActions = std::vector<FileAction>;

FileActions *actions_of(const posix_spawn_file_actions_t *fa) {
  return fa ? static_cast<FileActions *>(fa->pow_actions) : nullptr;
}

// Children the layer started: pid -> process handle, until waited for.
std::mutex g_children_mu;
std::map<DWORD, std::shared_ptr<void>> g_children;

// popen streams -> their child.
std::mutex g_popen_mu;
std::map<FILE *, pid_t> g_popen;

constexpr int kWnohang = 1, kWuntraced = 2; // <sys/wait.h>; no stopped children here

// One entry of the child's fd table, while it is being computed.
struct ChildFd {
  HANDLE handle;
  FdKind kind;
  bool cloexec;
  std::shared_ptr<OpenDesc> file; // the parent's fds: a FIFO's open is registered for the child
};

// The C runtime's per-fd flags in lpReserved2 (msvcrt and the UCRT agree).
constexpr unsigned char kFopen = 0x01, kFpipe = 0x08, kFdev = 0x40;

// Microsoft C runtime quoting of one argument (what CommandLineToArgvW and the CRT's
// argv parsing undo).
void append_arg(std::string &cmd, const char *arg) {
  if (!cmd.empty())
    cmd += ' ';
  if (*arg && !std::strpbrk(arg, " \t\n\v\"")) {
    cmd += arg;
    return;
  }
  cmd += '"';
  for (const char *p = arg;; ++p) {
    size_t slashes = 0;
    while (*p == '\\') {
      ++slashes;
      ++p;
    }
    if (!*p) {
      cmd.append(slashes * 2, '\\'); // before the closing quote
      break;
    }
    if (*p == '"')
      cmd.append(slashes * 2 + 1, '\\');
    else
      cmd.append(slashes, '\\');
    cmd += *p;
  }
  cmd += '"';
}

bool is_file(const std::string &p) {
  DWORD a = GetFileAttributesA(p.c_str());
  return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

// CreateProcess wants the file name with its extension; POSIX programs name it without.
bool resolve_exe(const std::string &path, std::string &out) {
  if (is_file(path)) {
    out = path;
    return true;
  }
  if (is_file(path + ".exe")) {
    out = path + ".exe";
    return true;
  }
  return false;
}

bool has_dir(const char *file) { return std::strchr(file, '/') || std::strchr(file, '\\'); }

// POSIX's PATH search (';'-separated here), for posix_spawnp.
bool search_path(const char *file, std::string &out) {
  const char *path = std::getenv("PATH");
  if (path) {
    std::string all = path;
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find(';', start);
      if (end == std::string::npos)
        end = all.size();
      std::string dir = all.substr(start, end - start);
      if (!dir.empty()) {
        if (dir.back() != '\\' && dir.back() != '/')
          dir += '\\';
        if (resolve_exe(dir + file, out))
          return true;
      }
      start = end + 1;
    }
  }
  char buf[MAX_PATH];
  DWORD n = SearchPathA(nullptr, file, ".exe", sizeof buf, buf, nullptr);
  if (n > 0 && n < sizeof buf) {
    out = buf;
    return true;
  }
  return false;
}

// The environment block: envp (or ours) with the SIGPIPE disposition children inherit.
std::string env_block(char *const envp[], bool sigpipe_ignored) {
  std::string block;
  char *const *env = envp ? envp : _environ;
  for (; env && *env; ++env) {
    if (std::strncmp(*env, "POW_SIGPIPE=", 12) == 0)
      continue;
    block += *env;
    block += '\0';
  }
  if (sigpipe_ignored) {
    block += "POW_SIGPIPE=ignore";
    block += '\0';
  }
  if (block.empty())
    block += '\0';
  block += '\0';
  return block;
}

// Starts app with the command line; fills *pid. Returns 0 or an errno value.
int spawn_impl(pid_t *pid, const std::string &app, std::string cmdline, const FileActions *fa,
               const posix_spawnattr_t *attr, char *const envp[]) {
  std::lock_guard lock(fd_lock());
  std::map<int, ChildFd> table;
  for (auto &[fd, st] : fd_snapshot())
    table[fd] = ChildFd{st.handle, st.kind, st.cloexec, st.file};
  std::vector<int> opened; // fds addopen made in the parent, closed after the spawn
  auto cleanup = [&] {
    for (int fd : opened)
      _close(fd);
  };
  if (fa) {
    for (const FileAction &a : *fa) {
      switch (a.op) {
      case FileAction::Dup2: {
        auto it = table.find(a.fd);
        if (it == table.end()) {
          cleanup();
          return EBADF;
        }
        ChildFd c = it->second;
        c.cloexec = false; // dup2 onto another fd clears FD_CLOEXEC; onto itself as well
        table[a.newfd] = c;
        break;
      }
      case FileAction::Close:
        table.erase(a.fd);
        break;
      case FileAction::Open: {
        int crt = (a.oflag & ~O_NONBLOCK & ~O_CLOEXEC) | _O_BINARY | _O_NOINHERIT;
        int fd = _open(a.path.c_str(), crt, (a.mode & 0200) ? (_S_IREAD | _S_IWRITE) : _S_IREAD);
        if (fd < 0) {
          int e = errno;
          cleanup();
          return e;
        }
        opened.push_back(fd);
        table[a.fd] = ChildFd{fd_handle(fd), FdKind::Crt, (a.oflag & O_CLOEXEC) != 0, nullptr};
        break;
      }
      }
    }
  }
  for (auto it = table.begin(); it != table.end();)
    it = it->second.cloexec ? table.erase(it) : std::next(it);

  int count = table.empty() ? 3 : std::max(3, table.rbegin()->first + 1);
  std::vector<unsigned char> flags(static_cast<size_t>(count), 0);
  std::vector<HANDLE> handles(static_cast<size_t>(count), INVALID_HANDLE_VALUE);
  std::vector<HANDLE> dups;
  HANDLE self = GetCurrentProcess();
  for (auto &[fd, c] : table) {
    HANDLE dup = nullptr;
    if (!DuplicateHandle(self, c.handle, self, &dup, 0, TRUE, DUPLICATE_SAME_ACCESS))
      continue; // the child sees this fd closed
    dups.push_back(dup);
    unsigned char f = kFopen;
    if (c.kind != FdKind::Crt)
      f |= kFpipe;
    else if (GetFileType(c.handle) == FILE_TYPE_CHAR)
      f |= kFdev;
    else if (GetFileType(c.handle) == FILE_TYPE_PIPE)
      f |= kFpipe;
    flags[static_cast<size_t>(fd)] = f;
    handles[static_cast<size_t>(fd)] = dup;
  }
  std::vector<char> reserved(sizeof(int) + static_cast<size_t>(count) * (1 + sizeof(HANDLE)));
  std::memcpy(reserved.data(), &count, sizeof(int));
  std::memcpy(reserved.data() + sizeof(int), flags.data(), flags.size());
  std::memcpy(reserved.data() + sizeof(int) + flags.size(), handles.data(),
              handles.size() * sizeof(HANDLE));

  STARTUPINFOA si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = handles[0];
  si.hStdOutput = handles[1];
  si.hStdError = handles[2];
  si.cbReserved2 = static_cast<WORD>(reserved.size() > 0xFFFF ? 0 : reserved.size());
  si.lpReserved2 = si.cbReserved2 ? reinterpret_cast<BYTE *>(reserved.data()) : nullptr;

  short aflags = attr ? attr->pow_flags : 0;
  DWORD create = 0;
  if ((aflags & POSIX_SPAWN_SETPGROUP) && attr->pow_pgroup == 0)
    create |= CREATE_NEW_PROCESS_GROUP;
  else if (aflags & POSIX_SPAWN_SETPGROUP)
    POW_TRACE_UNSUPPORTED("posix_spawn", "POSIX_SPAWN_SETPGROUP with a group id: Windows "
                          "cannot join an existing process group; the child stays in ours");
  // exec keeps ignored signals ignored and resets caught ones to their default.
  bool sigpipe_ignored = sigpipe_is_ignored();
  if ((aflags & POSIX_SPAWN_SETSIGDEF) && ((attr->pow_sigdefault >> SIGPIPE) & 1))
    sigpipe_ignored = false;
  std::string env = env_block(envp, sigpipe_ignored);

  PROCESS_INFORMATION pi{};
  BOOL ok = CreateProcessA(app.c_str(), cmdline.data(), nullptr, nullptr, TRUE, create,
                           env.data(), nullptr, &si, &pi);
  DWORD err = GetLastError();
  if (ok)
    for (auto &[fd, c] : table) // FIFO ends: the child becomes a registered holder
      if (c.kind != FdKind::Crt && c.kind != FdKind::Socket &&
          handles[static_cast<size_t>(fd)] != INVALID_HANDLE_VALUE)
        fifo_handed_over(FdState{c.kind, c.handle, c.file, false, nullptr}, pi.hProcess,
                         handles[static_cast<size_t>(fd)]);
  for (HANDLE h : dups)
    CloseHandle(h);
  cleanup();
  if (!ok)
    return errno_from_win32(err);
  CloseHandle(pi.hThread);
  {
    std::lock_guard clock(g_children_mu);
    g_children[pi.dwProcessId] = std::shared_ptr<void>(pi.hProcess, CloseHandle);
  }
  if (pid)
    *pid = static_cast<pid_t>(pi.dwProcessId);
  return 0;
}

int spawn_argv(pid_t *pid, const std::string &app, const posix_spawn_file_actions_t *fa,
               const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  return spawn_impl(pid, app, command_line(argv), actions_of(fa), attr, envp);
}

// POSIX's wait status for an exit code: exceptions (and SIGPIPE's default action) are
// deaths by signal, anything else is an exit with the low 8 bits.
int status_of(DWORD code) {
  switch (code) {
  case 0xC000014B: return SIGPIPE; // STATUS_PIPE_BROKEN: see signal.cpp
  case 0xC0000005:                 // STATUS_ACCESS_VIOLATION
  case 0xC00000FD: return SIGSEGV; // STATUS_STACK_OVERFLOW
  case 0xC000001D:                 // STATUS_ILLEGAL_INSTRUCTION
  case 0xC0000096: return SIGILL;  // STATUS_PRIVILEGED_INSTRUCTION
  case 0xC000008C: case 0xC000008D: case 0xC000008E: case 0xC000008F: case 0xC0000090:
  case 0xC0000091: case 0xC0000092: case 0xC0000093: case 0xC0000094: case 0xC0000095:
    return SIGFPE;
  case 0xC000013A: return SIGINT;  // STATUS_CONTROL_C_EXIT
  case 0xC0000409: return SIGABRT; // STATUS_STACK_BUFFER_OVERRUN: __fastfail, abort()
  default:
    if ((code & ~0x7Fu) == POW_STATUS_SIGNALED) // pow_kill
      return static_cast<int>(code & 0x7F);
    return static_cast<int>((code & 0xFF) << 8);
  }
}

std::string comspec() {
  const char *c = std::getenv("COMSPEC");
  if (c && *c)
    return c;
  char dir[MAX_PATH];
  UINT n = GetSystemDirectoryA(dir, sizeof dir);
  return (n > 0 && n < sizeof dir) ? std::string(dir) + "\\cmd.exe" : "cmd.exe";
}

// Runs command under the shell: %COMSPEC% /d /s /c "command" (/s: the outer quotes are
// removed and the rest is taken as it is).
int spawn_shell(pid_t *pid, const char *command, const FileActions *fa) {
  std::string shell = comspec();
  std::string cmd;
  append_arg(cmd, shell.c_str());
  cmd += " /d /s /c \"";
  cmd += command;
  cmd += '"';
  return spawn_impl(pid, shell, cmd, fa, nullptr, nullptr);
}

} // namespace

std::string command_line(const char *const *argv) {
  std::string cmd;
  for (const char *const *a = argv; *a; ++a)
    append_arg(cmd, *a);
  return cmd;
}

int wait_status(DWORD exit_code) { return status_of(exit_code); }

} // namespace posix_on_win

using namespace posix_on_win;

extern "C" {

int pow_posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa) {
  if (!fa)
    return EINVAL;
  fa->pow_actions = new (std::nothrow) FileActions;
  return fa->pow_actions ? 0 : ENOMEM;
}

int pow_posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa) {
  if (!fa || !fa->pow_actions)
    return EINVAL;
  delete actions_of(fa);
  fa->pow_actions = nullptr;
  return 0;
}

int pow_posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd) {
  if (!actions_of(fa))
    return EINVAL;
  if (fd < 0 || fd >= 2048)
    return EBADF;
  actions_of(fa)->push_back(FileAction{FileAction::Close, fd, -1, {}, 0, 0});
  return 0;
}

int pow_posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd) {
  if (!actions_of(fa))
    return EINVAL;
  if (fd < 0 || newfd < 0 || fd >= 2048 || newfd >= 2048)
    return EBADF;
  actions_of(fa)->push_back(FileAction{FileAction::Dup2, fd, newfd, {}, 0, 0});
  return 0;
}

int pow_posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa, int fd,
                                         const char *path, int oflag, int mode) {
  if (!actions_of(fa) || !path)
    return EINVAL;
  if (fd < 0 || fd >= 2048)
    return EBADF;
  actions_of(fa)->push_back(FileAction{FileAction::Open, fd, -1, path, oflag, mode});
  return 0;
}

int pow_posix_spawnattr_init(posix_spawnattr_t *attr) {
  if (!attr)
    return EINVAL;
  *attr = posix_spawnattr_t{};
  return 0;
}

int pow_posix_spawnattr_destroy(posix_spawnattr_t *attr) { return attr ? 0 : EINVAL; }

int pow_posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags) {
  if (!attr || (flags & ~(POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                          POSIX_SPAWN_SETSIGMASK)))
    return EINVAL;
  attr->pow_flags = flags;
  return 0;
}

int pow_posix_spawnattr_getflags(const posix_spawnattr_t *attr, short *flags) {
  if (!attr || !flags)
    return EINVAL;
  *flags = attr->pow_flags;
  return 0;
}

int pow_posix_spawnattr_setpgroup(posix_spawnattr_t *attr, pid_t pgroup) {
  if (!attr || pgroup < 0)
    return EINVAL;
  attr->pow_pgroup = pgroup;
  return 0;
}

int pow_posix_spawnattr_getpgroup(const posix_spawnattr_t *attr, pid_t *pgroup) {
  if (!attr || !pgroup)
    return EINVAL;
  *pgroup = attr->pow_pgroup;
  return 0;
}

int pow_posix_spawnattr_setsigdefault(posix_spawnattr_t *attr, const pow_sigset_t *set) {
  if (!attr || !set)
    return EINVAL;
  attr->pow_sigdefault = *set;
  return 0;
}

int pow_posix_spawnattr_getsigdefault(const posix_spawnattr_t *attr, pow_sigset_t *set) {
  if (!attr || !set)
    return EINVAL;
  *set = attr->pow_sigdefault;
  return 0;
}

int pow_posix_spawnattr_setsigmask(posix_spawnattr_t *attr, const pow_sigset_t *set) {
  if (!attr || !set)
    return EINVAL;
  attr->pow_sigmask = *set;
  return 0;
}

int pow_posix_spawnattr_getsigmask(const posix_spawnattr_t *attr, pow_sigset_t *set) {
  if (!attr || !set)
    return EINVAL;
  *set = attr->pow_sigmask;
  return 0;
}

int pow_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                    const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  if (!path || !argv)
    return EINVAL;
  if (fa && !actions_of(fa))
    return EINVAL;
  std::string app;
  if (!*path || !resolve_exe(path, app))
    return ENOENT;
  return spawn_argv(pid, app, fa, attr, argv, envp);
}

int pow_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                     const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  if (!file || !argv)
    return EINVAL;
  if (fa && !actions_of(fa))
    return EINVAL;
  if (has_dir(file))
    return pow_posix_spawn(pid, file, fa, attr, argv, envp);
  std::string app;
  if (!*file || !search_path(file, app))
    return ENOENT;
  return spawn_argv(pid, app, fa, attr, argv, envp);
}

pid_t pow_waitpid(pid_t pid, int *status, int options) {
  if (options & ~(kWnohang | kWuntraced))
    return fail_errno(EINVAL);
  DWORD timeout = (options & kWnohang) ? 0 : INFINITE;
  std::vector<std::pair<DWORD, std::shared_ptr<void>>> cands;
  {
    std::lock_guard lock(g_children_mu);
    if (pid > 0) {
      auto it = g_children.find(static_cast<DWORD>(pid));
      if (it != g_children.end())
        cands.emplace_back(*it);
    } else {
      for (auto &c : g_children)
        cands.emplace_back(c);
    }
  }
  if (cands.empty())
    return fail_errno(ECHILD);
  for (;;) {
    // WaitForMultipleObjects takes 64 handles: wait on the first 64 while polling the rest.
    std::vector<HANDLE> hs;
    for (auto &c : cands)
      hs.push_back(c.second.get());
    size_t ready = hs.size();
    for (size_t base = 0; base < hs.size() && ready == hs.size(); base += MAXIMUM_WAIT_OBJECTS) {
      DWORD n = static_cast<DWORD>(std::min<size_t>(MAXIMUM_WAIT_OBJECTS, hs.size() - base));
      bool last = base + n >= hs.size();
      DWORD w = WaitForMultipleObjects(n, hs.data() + base, FALSE,
                                       (last && hs.size() <= MAXIMUM_WAIT_OBJECTS) ? timeout : 0);
      if (w < WAIT_OBJECT_0 + n)
        ready = base + (w - WAIT_OBJECT_0);
      else if (w == WAIT_FAILED)
        return fail_win32();
    }
    if (ready == hs.size()) {
      if (timeout == 0)
        return 0; // WNOHANG: nothing has exited
      if (hs.size() > MAXIMUM_WAIT_OBJECTS)
        WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, hs.data(), FALSE, 50); // bounded poll
      continue;
    }
    DWORD child = cands[ready].first;
    DWORD code = 0;
    if (!GetExitCodeProcess(hs[ready], &code))
      return fail_win32();
    {
      std::lock_guard lock(g_children_mu);
      auto it = g_children.find(child);
      if (it == g_children.end() || it->second != cands[ready].second) {
        // Another thread reaped it first.
        if (pid > 0)
          return fail_errno(ECHILD);
        cands.erase(cands.begin() + static_cast<long>(ready));
        if (cands.empty())
          return fail_errno(ECHILD);
        continue;
      }
      g_children.erase(it);
    }
    if (status)
      *status = wait_status(code);
    return static_cast<pid_t>(child);
  }
}

pid_t pow_wait(int *status) { return pow_waitpid(-1, status, 0); }

FILE *pow_popen(const char *command, const char *mode) {
  if (!command || !mode || (mode[0] != 'r' && mode[0] != 'w')) {
    errno = EINVAL;
    return nullptr;
  }
  for (const char *m = mode + 1; *m; ++m)
    if (*m != 'b' && *m != 'e') { // 'e': close-on-exec, which popen's end always is here
      errno = EINVAL;
      return nullptr;
    }
  bool reading = mode[0] == 'r';
  int fds[2];
  if (pow_pipe2(fds, O_CLOEXEC) != 0)
    return nullptr;
  int mine = reading ? fds[0] : fds[1];
  int theirs = reading ? fds[1] : fds[0];
  FileActions fa{FileAction{FileAction::Dup2, theirs, reading ? 1 : 0, {}, 0, 0}};
  pid_t pid = 0;
  int e = spawn_shell(&pid, command, &fa);
  pow_close(theirs);
  if (e != 0) {
    pow_close(mine);
    errno = e;
    return nullptr;
  }
  FILE *f = _fdopen(mine, reading ? "rb" : "wb");
  if (!f) {
    int saved = errno;
    pow_close(mine);
    pow_waitpid(pid, nullptr, 0);
    errno = saved;
    return nullptr;
  }
  std::lock_guard lock(g_popen_mu);
  g_popen[f] = pid;
  return f;
}

int pow_pclose(FILE *stream) {
  pid_t pid;
  {
    std::lock_guard lock(g_popen_mu);
    auto it = g_popen.find(stream);
    if (it == g_popen.end())
      return fail_errno(ECHILD);
    pid = it->second;
    g_popen.erase(it);
  }
  fclose(stream); // the child sees EOF (mode "w") or may get EPIPE (mode "r")
  int status = 0;
  if (pow_waitpid(pid, &status, 0) < 0)
    return -1;
  return status;
}

int pow_system(const char *command) {
  if (!command)
    return is_file(comspec()) ? 1 : 0;
  pid_t pid = 0;
  int e = spawn_shell(&pid, command, nullptr);
  if (e != 0) {
    // POSIX: the shell could not run: status as if it exited with 127.
    return 127 << 8;
  }
  int status = 0;
  if (pow_waitpid(pid, &status, 0) < 0)
    return -1;
  return status;
}

} // extern "C"
