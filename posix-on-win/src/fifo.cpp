// FIFOs: mkfifo/mknod, the stat hook, and open() of a FIFO path.
//
// The directory entry is a 64-byte marker file ("!<pow-fifo>", the mode, a random id). The
// data path is exactly a pipe()'s: a single-instance inbound named pipe, keyed by the file's
// identity (volume serial, file index, id), whose overlapped server end is every reader's
// handle and whose client end is every writer's, so FIFO fds are pipe fds (read, write,
// O_NONBLOCK, fcntl, dup2, spawn, select/poll) and EOF/EPIPE are kernel facts: the server
// end reports a broken pipe when the last client handle in any process closes, writes fail
// when the last server handle closes. Killed processes close their handles like any other.
//
// How a new open gets a handle to the one instance: a small shared registry (a named
// mapping under a named mutex) lists, per process holding the FIFO open, a private
// duplicate of its end ("keeper") with the process id and start time. An opener duplicates
// that handle out of the holder (DuplicateHandle needs nothing from the holder), after
// checking the holder is alive: dead processes' entries are dropped, no counters.
// A writer arriving when all writers have gone reconnects the instance (Disconnect, then
// Connect) once the readers have read what was left.
#include "fd.hpp"

#include <pow/fcntl_flags.h>
#include <pow/fifo.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <io.h>
#include <string>
#include <sys/stat.h>

namespace posix_on_win {

namespace {

constexpr DWORD kPipeCapacity = 65536;
constexpr size_t kMarkerSize = POW_FIFO_MARKER_SIZE;
constexpr char kMagic[] = "!<pow-fifo>\n";
// How long a wait for the other side sleeps between looks when no wake-up comes (a
// process that died cannot send one); wake-ups (PulseEvent) normally end it earlier.
constexpr DWORD kPollMs = 10;
// How long an open waits for a holder it cannot see (a process that inherited the FIFO
// and never registered) before giving up.
constexpr DWORD kUnseenHolderMs = 5000;

enum End : DWORD { kRead = 1, kWrite = 2 };

struct Slot {
  DWORD pid;
  DWORD end;
  ULONGLONG start; // process creation time, so a reused pid is not taken for the holder
  ULONGLONG handle;
  ULONGLONG gen; // write ends: the instance they were connected to
};
struct Registry {
  ULONGLONG gen; // bumped whenever a new pipe instance is created
  Slot slots[100];
};
static_assert(sizeof(Registry) <= 4096);

struct Marker {
  unsigned mode = 0;
  std::string id;
};

// The marker text: exactly kMarkerSize bytes.
std::string marker_text(unsigned mode, const std::string &id) {
  char buf[kMarkerSize + 1];
  int n = std::snprintf(buf, sizeof buf, "%smode=%06o\nid=%s\n", kMagic, mode & 07777u,
                        id.c_str());
  std::string s(buf, static_cast<size_t>(n));
  s.resize(kMarkerSize, '\n');
  return s;
}

bool parse_marker(const char *buf, size_t len, Marker &m) {
  if (len != kMarkerSize || std::memcmp(buf, kMagic, sizeof kMagic - 1) != 0)
    return false;
  std::string s(buf, len);
  unsigned mode = 0;
  char id[40] = {0};
  if (std::sscanf(s.c_str() + sizeof kMagic - 1, "mode=%6o\nid=%32[0-9a-f]\n", &mode, id) != 2)
    return false;
  m.mode = mode;
  m.id = id;
  return m.id.size() == 32;
}

// Reads the marker of path if it is a FIFO; its identity in *key.
bool read_fifo(const char *path, Marker &m, std::string *key) {
  WIN32_FILE_ATTRIBUTE_DATA fa;
  if (!GetFileAttributesExA(path, GetFileExInfoStandard, &fa) ||
      (fa.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || fa.nFileSizeHigh != 0 ||
      fa.nFileSizeLow != kMarkerSize)
    return false;
  HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE)
    return false;
  char buf[kMarkerSize];
  DWORD got = 0;
  bool ok = ReadFile(h, buf, sizeof buf, &got, nullptr) && parse_marker(buf, got, m);
  BY_HANDLE_FILE_INFORMATION info;
  if (ok && key) {
    ok = GetFileInformationByHandle(h, &info) != 0;
    char k[128];
    std::snprintf(k, sizeof k, "%08lx-%08lx%08lx-%s", info.dwVolumeSerialNumber,
                  info.nFileIndexHigh, info.nFileIndexLow, m.id.c_str());
    *key = k;
  }
  CloseHandle(h);
  return ok;
}

// ENOENT or ENOTDIR for a path whose parent is missing: ENOTDIR when some ancestor exists
// and is not a directory (Windows says "path not found" for both).
int missing_parent_errno(const char *path) {
  std::string p = path;
  for (;;) {
    size_t cut = p.find_last_of("/\\");
    if (cut == std::string::npos || cut == 0)
      return ENOENT;
    p.resize(cut);
    if (!p.empty() && p.back() == ':')
      return ENOENT;
    DWORD a = GetFileAttributesA(p.c_str());
    if (a != INVALID_FILE_ATTRIBUTES)
      return (a & FILE_ATTRIBUTE_DIRECTORY) ? ENOENT : ENOTDIR;
  }
}

std::string random_id() {
  static std::atomic<unsigned> serial{0};
  LARGE_INTEGER c;
  QueryPerformanceCounter(&c);
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  unsigned long long a = static_cast<unsigned long long>(c.QuadPart) ^
                         (static_cast<unsigned long long>(GetCurrentProcessId()) << 40);
  unsigned long long b = (static_cast<unsigned long long>(ft.dwHighDateTime) << 32 |
                          ft.dwLowDateTime) ^
                         (static_cast<unsigned long long>(serial.fetch_add(1)) << 48) ^
                         reinterpret_cast<uintptr_t>(&c);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", a, b);
  return buf;
}

ULONGLONG start_time(HANDLE process) {
  FILETIME c, e, k, u;
  if (!GetProcessTimes(process, &c, &e, &k, &u))
    return 0;
  return static_cast<ULONGLONG>(c.dwHighDateTime) << 32 | c.dwLowDateTime;
}

ULONGLONG self_start() {
  static const ULONGLONG t = start_time(GetCurrentProcess());
  return t;
}

std::wstring widen(const std::string &s) { return std::wstring(s.begin(), s.end()); }

// "r" or "w" and the pipe name (\\.\pipe\pow-fifo-KEY) of a FIFO end; empty for any
// other handle (and for a write end whose instance is gone: it has no name any more).
std::wstring pipe_end_of(HANDLE h) {
  DWORD flags = 0;
  if (!GetNamedPipeInfo(h, &flags, nullptr, nullptr, nullptr))
    return {};
  alignas(FILE_NAME_INFO) char buf[sizeof(FILE_NAME_INFO) + 512];
  if (!GetFileInformationByHandleEx(h, FileNameInfo, buf, sizeof buf))
    return {};
  auto *fi = reinterpret_cast<FILE_NAME_INFO *>(buf);
  std::wstring name(fi->FileName, fi->FileNameLength / sizeof(wchar_t));
  if (name.rfind(L"\\pow-fifo-", 0) != 0)
    return {};
  return ((flags & PIPE_SERVER_END) ? L"r" : L"w") + (L"\\\\.\\pipe" + name);
}

// One FIFO's shared objects, opened by name; and what one open() of it holds.
class Fifo {
public:
  explicit Fifo(const std::string &key)
      : pipe_name_(L"\\\\.\\pipe\\pow-fifo-" + widen(key)) {
    std::wstring base = L"Local\\pow-fifo-" + widen(key);
    mutex_ = CreateMutexW(nullptr, FALSE, (base + L"-lock").c_str());
    event_ = CreateEventW(nullptr, TRUE, FALSE, (base + L"-wake").c_str());
    mapping_ = CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, 0, 4096,
                                  (base + L"-reg").c_str());
    if (mapping_)
      reg_ = static_cast<Registry *>(MapViewOfFile(mapping_, FILE_MAP_ALL_ACCESS, 0, 0, 4096));
  }
  ~Fifo() {
    if (reg_) {
      lock();
      for (int &i : slot_)
        if (i >= 0)
          reg_->slots[i] = Slot{};
      unlock();
      PulseEvent(event_); // a writer waiting to reconnect may go on
    }
    for (HANDLE h : keeper_)
      if (h)
        CloseHandle(h);
    if (reg_)
      UnmapViewOfFile(reg_);
    for (HANDLE h : {mapping_, event_, mutex_})
      if (h)
        CloseHandle(h);
  }
  Fifo(const Fifo &) = delete;
  Fifo &operator=(const Fifo &) = delete;

  bool ok() const { return mutex_ && event_ && reg_; }

  // The read end (server end of the instance), made if no reader has it.
  // INVALID_HANDLE_VALUE with errno set on failure.
  HANDLE open_read() {
    ULONGLONG deadline = GetTickCount64() + kUnseenHolderMs;
    for (;;) {
      lock();
      HANDLE s = dup_live(kRead);
      if (!s) {
        s = CreateNamedPipeW(pipe_name_.c_str(),
                             PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED |
                                 FILE_FLAG_FIRST_PIPE_INSTANCE,
                             PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                                 PIPE_REJECT_REMOTE_CLIENTS,
                             1, 0, kPipeCapacity, 0, nullptr);
        if (s == INVALID_HANDLE_VALUE) {
          s = nullptr;
          DWORD err = GetLastError();
          if (err != ERROR_ACCESS_DENIED && err != ERROR_PIPE_BUSY) {
            unlock();
            fail_win32(err);
            return INVALID_HANDLE_VALUE;
          }
          // The instance exists but no registered process holds its read end (one that
          // inherited it and has not used it yet): wait for it to close or register.
        } else {
          ++reg_->gen; // earlier write ends belong to an instance that is gone
        }
      }
      if (s) {
        bool reg = keep(s, kRead);
        unlock();
        if (!reg) {
          CloseHandle(s);
          return INVALID_HANDLE_VALUE;
        }
        PulseEvent(event_);
        return s;
      }
      unlock();
      if (GetTickCount64() > deadline) {
        errno = EBUSY;
        return INVALID_HANDLE_VALUE;
      }
      wait();
    }
  }

  // Waits until a writer is connected to the read end s (a blocking O_RDONLY open).
  void wait_for_writer(HANDLE s) {
    for (;;) {
      DWORD avail = 0;
      if (PeekNamedPipe(s, nullptr, 0, nullptr, &avail, nullptr))
        return;
      wait();
    }
  }

  // The write end, connected to the instance readers hold. Without a reader: ENXIO if
  // nonblock, else waits for one. INVALID_HANDLE_VALUE with errno set on failure.
  HANDLE open_write(bool nonblock) {
    ULONGLONG deadline = GetTickCount64() + kUnseenHolderMs;
    for (;;) {
      lock();
      HANDLE reader = dup_live(kRead);
      if (!reader) {
        unlock();
        if (nonblock) {
          errno = ENXIO;
          return INVALID_HANDLE_VALUE;
        }
        wait();
        continue;
      }
      HANDLE c = dup_live(kWrite);
      if (!c)
        c = connect(reader);
      CloseHandle(reader);
      if (c == INVALID_HANDLE_VALUE) {
        unlock();
        return c;
      }
      if (c) {
        bool reg = keep(c, kWrite);
        unlock();
        if (!reg) {
          CloseHandle(c);
          return INVALID_HANDLE_VALUE;
        }
        PulseEvent(event_);
        return c;
      }
      unlock();
      // The instance cannot take a writer yet: readers still have data of the writers
      // that left to read, or a process that was not seen holds the write end.
      if (GetTickCount64() > deadline && nonblock) {
        errno = EAGAIN;
        return INVALID_HANDLE_VALUE;
      }
      wait();
    }
  }

private:
  void lock() {
    // WAIT_ABANDONED: a holder died inside; every change here is a single slot's, so the
    // registry is still consistent.
    WaitForSingleObject(mutex_, INFINITE);
  }
  void unlock() { ReleaseMutex(mutex_); }
  void wait() { WaitForSingleObject(event_, kPollMs); }

  // A handle of ours to the live end `end`, duplicated out of a registered holder (dead
  // holders' entries are dropped on the way); nullptr if none. Call locked.
  HANDLE dup_live(End end) {
    for (Slot &s : reg_->slots) {
      if (s.pid == 0 || s.end != end || (end == kWrite && s.gen != reg_->gen))
        continue;
      HANDLE proc = s.pid == GetCurrentProcessId()
                        ? GetCurrentProcess()
                        : OpenProcess(PROCESS_DUP_HANDLE | PROCESS_QUERY_LIMITED_INFORMATION |
                                          SYNCHRONIZE,
                                      FALSE, s.pid);
      bool alive = proc && WaitForSingleObject(proc, 0) == WAIT_TIMEOUT &&
                   start_time(proc) == s.start;
      HANDLE out = nullptr;
      if (alive &&
          !DuplicateHandle(proc, reinterpret_cast<HANDLE>(static_cast<uintptr_t>(s.handle)),
                           GetCurrentProcess(), &out, 0, FALSE, DUPLICATE_SAME_ACCESS))
        out = nullptr;
      // A keeper of another process stays valid while it is registered; a handle handed
      // to a child may have been closed and its value reused: check what it is.
      if (out && s.pid != GetCurrentProcessId() && pipe_end_of(out) != end_key(end)) {
        CloseHandle(out);
        out = nullptr;
      }
      if (proc && proc != GetCurrentProcess())
        CloseHandle(proc);
      if (out)
        return out;
      if (!alive || (proc && !out))
        s = Slot{}; // its process is gone (or its entry is unusable)
    }
    return nullptr;
  }

  // Connects a new write end to the instance whose read end is `reader`. nullptr when it
  // cannot now (try again later); INVALID_HANDLE_VALUE with errno on failure. Call locked.
  HANDLE connect(HANDLE reader) {
    HANDLE c = CreateFileW(pipe_name_.c_str(), GENERIC_WRITE | FILE_READ_ATTRIBUTES, 0,
                           nullptr, OPEN_EXISTING, 0, nullptr);
    if (c != INVALID_HANDLE_VALUE)
      return c; // the instance was waiting for its first writer
    DWORD err = GetLastError();
    if (err == ERROR_FILE_NOT_FOUND)
      return nullptr; // the readers have just gone
    if (err != ERROR_PIPE_BUSY) {
      fail_win32(err);
      return INVALID_HANDLE_VALUE;
    }
    // Busy: connected to a writer we cannot see, or every writer has gone (broken) or
    // a reconnect was cut short (disconnected).
    DWORD avail = 0;
    if (PeekNamedPipe(reader, nullptr, 0, nullptr, &avail, nullptr))
      return nullptr; // a writer is connected, or the readers have not read all yet
    err = GetLastError();
    if (err != ERROR_BROKEN_PIPE && err != ERROR_PIPE_NOT_CONNECTED && err != ERROR_BAD_PIPE)
      return nullptr; // (BAD_PIPE: disconnected, a reconnect cut short by a death)
    // Every writer has gone and nothing is left to read: take the instance over.
    DisconnectNamedPipe(reader);
    OVERLAPPED ov{};
    ov.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (!ov.hEvent) {
      fail_win32();
      return INVALID_HANDLE_VALUE;
    }
    bool pending = false;
    if (!ConnectNamedPipe(reader, &ov)) {
      err = GetLastError();
      pending = err == ERROR_IO_PENDING;
      if (!pending && err != ERROR_PIPE_CONNECTED) {
        CloseHandle(ov.hEvent);
        return nullptr;
      }
    }
    c = CreateFileW(pipe_name_.c_str(), GENERIC_WRITE | FILE_READ_ATTRIBUTES, 0, nullptr,
                    OPEN_EXISTING, 0, nullptr);
    if (pending) {
      if (c == INVALID_HANDLE_VALUE)
        CancelIoEx(reader, &ov);
      DWORD n = 0;
      GetOverlappedResult(reader, &ov, &n, TRUE);
    }
    CloseHandle(ov.hEvent);
    return c == INVALID_HANDLE_VALUE ? nullptr : c;
  }

public:
  // Registers handle `value` of process `child` (a handle spawn handed over). Call
  // unlocked. The child also gets a handle to the registry, so that it outlives us.
  void register_child(HANDLE child, HANDLE value, End end) {
    HANDLE reg_in_child = nullptr;
    DuplicateHandle(GetCurrentProcess(), mapping_, child, &reg_in_child, 0, FALSE,
                    DUPLICATE_SAME_ACCESS); // closed when the child exits
    lock();
    for (Slot &s : reg_->slots)
      if (s.pid == 0) {
        s = Slot{GetProcessId(child), end, start_time(child),
                 static_cast<ULONGLONG>(reinterpret_cast<uintptr_t>(value)), reg_->gen};
        break;
      }
    unlock();
  }
  std::wstring end_key(End end) const { return (end == kRead ? L"r" : L"w") + pipe_name_; }

private:
  // Registers a private duplicate of h as this process's holding of `end`. Call locked.
  bool keep(HANDLE h, End end) {
    HANDLE k = nullptr;
    if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &k, 0, FALSE,
                         DUPLICATE_SAME_ACCESS)) {
      fail_win32();
      return false;
    }
    for (int i = 0; i < static_cast<int>(sizeof reg_->slots / sizeof reg_->slots[0]); ++i) {
      Slot &s = reg_->slots[i];
      if (s.pid != 0)
        continue;
      s = Slot{GetCurrentProcessId(), end, self_start(),
               static_cast<ULONGLONG>(reinterpret_cast<uintptr_t>(k)), reg_->gen};
      slot_[end == kRead ? 0 : 1] = i;
      keeper_[end == kRead ? 0 : 1] = k;
      return true;
    }
    // Full: the open works, later opens just cannot join through this process.
    keeper_[end == kRead ? 0 : 1] = k;
    return true;
  }

  std::wstring pipe_name_;
  HANDLE mutex_ = nullptr, event_ = nullptr, mapping_ = nullptr;
  Registry *reg_ = nullptr;
  int slot_[2] = {-1, -1};
  HANDLE keeper_[2] = {nullptr, nullptr};
};

// Keeps a Fifo and, for O_RDWR, the write end, as long as the open file description.
struct FifoOpen {
  std::unique_ptr<Fifo> fifo;
  std::string key;
  End end = kRead; // the end that is the fd's handle
  HANDLE write_end = nullptr;
  ~FifoOpen() {
    if (write_end)
      CloseHandle(write_end);
  }
};

} // namespace

void fifo_handed_over(const FdState &st, HANDLE child, HANDLE value_in_child) {
  std::string key;
  End end;
  if (auto *open = static_cast<FifoOpen *>(st.file ? st.file->fifo.get() : nullptr)) {
    key = open->key; // opened here: no need to ask the handle
    end = open->end;
  } else if (st.kind == FdKind::Pipe) {
    // Inherited: ask its name. (Not for pipe() ends: a query on a synchronous handle
    // waits for another thread's pending I/O on Windows.)
    std::wstring name = pipe_end_of(st.handle);
    const std::wstring prefix = L"r\\\\.\\pipe\\pow-fifo-";
    if (name.size() <= prefix.size())
      return; // not a FIFO, or a FIFO end whose instance is gone
    key.assign(name.begin() + static_cast<long>(prefix.size()), name.end());
    end = name[0] == L'r' ? kRead : kWrite;
  } else {
    return;
  }
  Fifo f(key);
  if (f.ok())
    f.register_child(child, value_in_child, end);
}

int fifo_open(const char *path, int flags) {
  Marker m;
  std::string key;
  if (!read_fifo(path, m, &key))
    return -2;
  if ((flags & O_CREAT) && (flags & O_EXCL))
    return fail_errno(EEXIST);
  int acc = flags & O_ACCMODE;
  if (acc != O_RDONLY && acc != O_WRONLY && acc != O_RDWR)
    return fail_errno(EINVAL);
  bool nonblock = (flags & O_NONBLOCK) != 0;
  bool cloexec = (flags & O_CLOEXEC) != 0;
  auto hold = std::make_shared<FifoOpen>();
  hold->fifo = std::make_unique<Fifo>(key);
  hold->key = key;
  hold->end = acc == O_WRONLY ? kWrite : kRead;
  if (!hold->fifo->ok())
    return fail_win32();
  HANDLE h = INVALID_HANDLE_VALUE;
  FdKind kind = FdKind::PipeRead;
  if (acc == O_WRONLY) {
    h = hold->fifo->open_write(nonblock);
    kind = FdKind::PipeWrite;
  } else {
    h = hold->fifo->open_read();
    if (h == INVALID_HANDLE_VALUE)
      return -1;
    if (acc == O_RDWR) {
      // Linux: O_RDWR opens at once; this open is a reader and a writer.
      hold->write_end = hold->fifo->open_write(true);
      if (hold->write_end == INVALID_HANDLE_VALUE) {
        hold->write_end = nullptr;
        int e = errno;
        CloseHandle(h);
        return fail_errno(e);
      }
      kind = FdKind::Pipe;
    } else if (!nonblock) {
      hold->fifo->wait_for_writer(h);
    }
  }
  if (h == INVALID_HANDLE_VALUE)
    return -1;
  std::lock_guard lock(fd_lock());
  int fd = fd_adopt(h, (acc == O_RDONLY ? _O_RDONLY : acc == O_WRONLY ? _O_WRONLY : _O_RDWR) |
                           _O_BINARY,
                    kind, cloexec, nonblock);
  if (fd < 0)
    return -1;
  auto st = fd_state(fd);
  st->file->fifo = hold;
  st->file->fifo_write = hold->write_end;
  if (nonblock && kind != FdKind::PipeRead && pipe_set_nonblock(*st, true) != 0) {
    int e = errno;
    fd_forget(fd);
    _close(fd);
    return fail_errno(e);
  }
  return fd;
}

} // namespace posix_on_win

using namespace posix_on_win;

extern "C" {

int pow_mkfifo(const char *path, unsigned mode) {
  if (!path)
    return fail_errno(EFAULT);
  if (!*path)
    return fail_errno(ENOENT);
  if (GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES)
    return fail_errno(EEXIST);
  int mask = _umask(0);
  _umask(mask);
  // SYSTEM: a hint to Windows tools that this small file is not ordinary data (Cygwin
  // marks its special files the same way); the layer itself goes by the content.
  HANDLE h = CreateFileA(path, GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_SYSTEM,
                         nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD err = GetLastError();
    if (err == ERROR_PATH_NOT_FOUND)
      return fail_errno(missing_parent_errno(path));
    if (err == ERROR_FILE_EXISTS || err == ERROR_ALREADY_EXISTS)
      return fail_errno(EEXIST);
    return fail_win32(err);
  }
  std::string text = marker_text(mode & ~static_cast<unsigned>(mask) & 0777u, random_id());
  DWORD put = 0;
  bool ok = WriteFile(h, text.data(), static_cast<DWORD>(text.size()), &put, nullptr) &&
            put == text.size();
  DWORD err = GetLastError();
  CloseHandle(h);
  if (!ok) {
    DeleteFileA(path);
    return fail_win32(err ? err : ERROR_DISK_FULL);
  }
  return 0;
}

int pow_mknod(const char *path, unsigned mode, unsigned dev) {
  (void)dev;
  switch (mode & _S_IFMT) {
  case _S_IFIFO:
    return pow_mkfifo(path, mode & 07777u);
  case 0:
  case _S_IFREG: {
    if (!path)
      return fail_errno(EFAULT);
    HANDLE h = CreateFileA(path, GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL,
                           nullptr);
    if (h == INVALID_HANDLE_VALUE) {
      DWORD err = GetLastError();
      if (err == ERROR_PATH_NOT_FOUND)
        return fail_errno(missing_parent_errno(path));
      return fail_win32(err == ERROR_FILE_EXISTS ? ERROR_ALREADY_EXISTS : err);
    }
    CloseHandle(h);
    return 0;
  }
  case _S_IFCHR:
  case 0x6000: // S_IFBLK
    return fail_errno(EPERM);
  default:
    return fail_errno(EINVAL);
  }
}

int pow_fifo_mode(const char *path) {
  Marker m;
  if (!path || !read_fifo(path, m, nullptr))
    return 0;
  return static_cast<int>(_S_IFIFO | (m.mode & 0777u));
}

} // extern "C"
