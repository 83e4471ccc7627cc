// select(), pselect() and poll() over any mix of fds. One core serves all three: each fd
// is probed for readiness without waiting; if none is ready, each gets something Windows
// can wait on (a zero-byte overlapped read on a pipe's read end, which completes when data
// or EOF arrives without consuming anything; the socket's WSAEventSelect event; the console
// input handle), and the caller waits on all of them at once: WaitForMultipleObjects for up
// to 64 handles, beyond that persistent helper threads that each wait on 63 and wake the
// caller. No handle is polled on a timer, except the few for which Windows has no event
// (see needs_repoll).
//
// A pipe read end's zero-byte read is left pending across calls (FdWatch, kept in the fd
// layer's per-fd state): probing it is a look at its OVERLAPPED's status, waiting for it
// costs nothing more, and only a read that completed (the fd was ready, or was) is issued
// again, which is also how a completed one is re-probed: a zero-byte read completes at once
// while data or EOF is there and pends otherwise.
#include "fd.hpp"
#include "trace.hpp"

#include <pow/poll.h>
#include <pow/select.h>

#include <winternl.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <cerrno>
#include <climits>
#include <vector>

namespace posix_on_win {

namespace {

constexpr short kIn = POW_POLLIN;
constexpr short kPri = POW_POLLPRI;
constexpr short kOut = POW_POLLOUT;
constexpr short kErr = POW_POLLERR;
constexpr short kHup = POW_POLLHUP;
constexpr short kNval = POW_POLLNVAL;
constexpr long long kPipeBuf = 4096; // PIPE_BUF: "writable" means this much fits
constexpr DWORD kGroup = 63;         // handles per helper wait (plus its stop event)
// The interval at which handles with no event are re-probed (see needs_repoll).
constexpr DWORD kRepollMs = 1;

// ntdll entry points (no import library for them in every toolchain).
using NtQueryInformationFileFn = NTSTATUS(NTAPI *)(HANDLE, IO_STATUS_BLOCK *, PVOID, ULONG,
                                                   ULONG);
using NtQueryObjectFn = NTSTATUS(NTAPI *)(HANDLE, ULONG, PVOID, ULONG, ULONG *);

template <typename Fn> Fn ntdll_fn(const char *name) {
  return reinterpret_cast<Fn>(
      reinterpret_cast<void *>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"), name)));
}

// Whether h was opened for overlapped I/O (FileModeInformation has neither synchronous
// flag): only then can a zero-byte read wait for us without blocking the thread.
bool handle_is_async(HANDLE h) {
  static auto query = ntdll_fn<NtQueryInformationFileFn>("NtQueryInformationFile");
  constexpr ULONG kFileModeInformation = 16;
  constexpr ULONG kSyncFlags = 0x10 | 0x20; // FILE_SYNCHRONOUS_IO_ALERT | _NONALERT
  ULONG mode = 0;
  IO_STATUS_BLOCK io{};
  if (!query || query(h, &io, &mode, sizeof mode, kFileModeInformation) != 0)
    return false;
  return (mode & kSyncFlags) == 0;
}

// The access the handle was opened with (ObjectBasicInformation), 0 if unknown.
ACCESS_MASK granted_access(HANDLE h) {
  static auto query = ntdll_fn<NtQueryObjectFn>("NtQueryObject");
  struct {
    ULONG attributes;
    ACCESS_MASK granted;
    ULONG rest[12];
  } info{};
  if (!query || query(h, 0 /* ObjectBasicInformation */, &info, sizeof info, nullptr) != 0)
    return 0;
  return info.granted;
}

// Manual-reset events of watchers and of socket waits. They are never closed, only handed
// on: a helper thread may still be waiting on one after its call ended (see HelperPool),
// and a wait on a closed-and-reused handle value could take a signal from someone else's
// auto-reset event.
std::mutex g_events_mu;
std::vector<HANDLE> &g_free_events = *new std::vector<HANDLE>;

HANDLE event_take() {
  {
    std::lock_guard lock(g_events_mu);
    if (!g_free_events.empty()) {
      HANDLE ev = g_free_events.back();
      g_free_events.pop_back();
      return ev;
    }
  }
  return CreateEventW(nullptr, TRUE, FALSE, nullptr);
}

void event_give(HANDLE ev) {
  std::lock_guard lock(g_events_mu);
  g_free_events.push_back(ev);
}

// The events one select/poll call uses for its sockets, kept per thread.
class EventPool {
public:
  HANDLE take() {
    if (next_ == events_.size()) {
      HANDLE ev = event_take();
      if (!ev)
        return nullptr;
      events_.push_back(ev);
    }
    return events_[next_++];
  }
  void release_all() { next_ = 0; }
  ~EventPool() {
    for (HANDLE ev : events_)
      event_give(ev);
  }

private:
  std::vector<HANDLE> events_;
  size_t next_ = 0;
};
thread_local EventPool t_events;

} // namespace

enum class Src {
  Always,  // regular file, NUL, console output: never blocks
  Pipe,    // pipe or FIFO end
  Socket,  // Winsock socket
  Console, // console input
};

// What select/poll keep per fd across calls: the fd's classification (GetFileType and the
// like are server calls under Wine) and, for a pipe read end opened for overlapped I/O, the
// zero-byte read left pending as a readiness watcher. Reads on a pipe complete in the order
// they were issued, and a zero-byte read consumes nothing, so a pending watcher never takes
// data from read(): it completes first, with nothing, and read() gets the data.
struct FdWatch {
  SRWLOCK lock = SRWLOCK_INIT; // over ov/issued/released (threads may select one fd at once)
  Src src = Src::Always;
  bool can_read = false, can_write = false;
  bool async = false; // pipe: a zero-byte overlapped read can wait for data
  HANDLE ev = nullptr; // the watcher read's event (manual reset; from g_free_events)
  OVERLAPPED ov{};
  bool issued = false;   // ov is a read not yet seen completed
  bool released = false; // the fd was closed: nothing is issued any more
};

namespace {

constexpr ULONG_PTR kStatusPending = 0x103; // STATUS_PENDING in OVERLAPPED::Internal

// Whether f's read is still pending: a memory read (the kernel, or Wine's client side,
// writes the status into the OVERLAPPED when the read completes). Call with f.lock held.
bool still_pending(const FdWatch &f) {
  return f.issued &&
         *reinterpret_cast<const volatile ULONG_PTR *>(&f.ov.Internal) == kStatusPending;
}

// An FdWatch whose memory outlives a read that might still be pending: if the handle was
// closed behind the layer's back (fclose of an fdopen'ed fd) the read could not be
// cancelled, and Windows may still write into it; then it is left allocated.
std::shared_ptr<FdWatch> new_watch() {
  return std::shared_ptr<FdWatch>(new FdWatch, [](FdWatch *f) {
    AcquireSRWLockExclusive(&f->lock);
    bool pending = still_pending(*f);
    ReleaseSRWLockExclusive(&f->lock);
    if (pending)
      return;
    if (f->ev)
      event_give(f->ev);
    delete f;
  });
}

struct Watch {
  pow_pollfd *entry;
  FdState st;
  FdWatch *fw = nullptr; // st.watch
  short want = 0;  // kIn | kOut | kPri asked for
  short ready = 0; // readiness found: kIn kOut kPri kErr kHup
  Src src = Src::Always;
  bool can_read = false, can_write = false;
  bool async = false; // pipe read end with a watcher (FdWatch)
  // Armed state (sockets; console and pipe read ends need no arming).
  HANDLE ev = nullptr;
  bool socket_armed = false;
  bool repoll = false;
};

SOCKET sock(const Watch &w) { return reinterpret_cast<SOCKET>(w.st.handle); }

// Classifies a new watcher's fd (once per fd: these are server calls under Wine).
bool classify(FdWatch &f, const FdState &st) {
  HANDLE h = st.handle;
  if (st.kind == FdKind::Socket) {
    f.src = Src::Socket;
    return true;
  }
  DWORD type = GetFileType(h);
  if (type == FILE_TYPE_PIPE) {
    f.src = Src::Pipe;
    if (st.kind == FdKind::PipeRead) {
      f.can_read = true;
    } else if (st.kind == FdKind::PipeWrite) {
      f.can_write = true;
    } else { // inherited, a FIFO, or a pipe the layer did not make: its handle's access says
      ACCESS_MASK a = granted_access(h);
      f.can_read = a == 0 || (a & (FILE_READ_DATA | GENERIC_READ)) != 0;
      f.can_write = (a & (FILE_WRITE_DATA | GENERIC_WRITE)) != 0;
    }
    f.async = f.can_read && handle_is_async(h);
    if (f.async) {
      f.ev = event_take();
      if (!f.ev)
        return fail_win32() == 0;
    }
    return true;
  }
  DWORD mode = 0, n = 0;
  if (type == FILE_TYPE_CHAR && GetConsoleMode(h, &mode) && GetNumberOfConsoleInputEvents(h, &n))
    f.src = Src::Console;
  else
    f.src = Src::Always; // disk files are always ready, as on POSIX; so are character devices
  return true;
}

// fd's watcher (made and classified on first use). False with errno set if it cannot be
// made; st.watch null if fd was closed meanwhile.
bool watch_of(int fd, FdState &st) {
  if (st.watch)
    return true;
  auto f = new_watch();
  if (!classify(*f, st))
    return false;
  st.watch = fd_attach_watch(fd, st.handle, std::move(f));
  return true;
}

// The read side of a pipe end by PeekNamedPipe (read ends with no watcher, and the error
// cases of those with one).
short peek_pipe(HANDLE h) {
  short r = 0;
  {
    DWORD avail = 0;
    if (PeekNamedPipe(h, nullptr, 0, nullptr, &avail, nullptr)) {
      if (avail > 0)
        r |= kIn;
    } else {
      DWORD err = GetLastError();
      if (err == ERROR_BROKEN_PIPE || err == ERROR_PIPE_NOT_CONNECTED)
        r |= kHup; // every writer gone: read gives EOF (Linux: POLLHUP, select: readable)
      else
        r |= kErr;
    }
  }
  return r;
}

// The read side of a pipe end by its watcher: a pending watcher means no data and no EOF
// (a memory read); otherwise (first use, or it completed: data came, EOF, a read() drained
// the pipe since, the issuing thread exited and Windows cancelled it) the zero-byte read is
// issued again, which completes at once if data is there and pends if not.
short probe_watch(FdWatch &f, HANDLE h) {
  AcquireSRWLockExclusive(&f.lock);
  short r = 0;
  if (f.released) {
    r = kNval; // closed by another thread during the call
  } else if (!still_pending(f)) {
    f.issued = false;
    f.ov = OVERLAPPED{};
    f.ov.hEvent = f.ev;
    char dummy;
    if (ReadFile(h, &dummy, 0, nullptr, &f.ov))
      r = kIn;
    else if (GetLastError() == ERROR_IO_PENDING)
      f.issued = true;
    else
      r = -1; // EOF, no writer yet, an error: the peek tells them apart
  }
  ReleaseSRWLockExclusive(&f.lock);
  return r < 0 ? peek_pipe(h) : r;
}

short probe_pipe(const Watch &w) {
  short r = 0;
  HANDLE h = w.st.handle;
  if (w.can_read)
    r = w.async ? probe_watch(*w.fw, h) : peek_pipe(h);
  if (w.can_write) {
    bool closing = false;
    long long quota = pipe_write_quota(h, &closing);
    if (closing)
      r |= kOut | kErr; // no reader: a write fails at once with EPIPE (Linux: POLLERR)
    else if (quota < 0 || quota >= kPipeBuf)
      r |= kOut; // quota unknown (Wine does not report it): the write itself decides
  }
  return r;
}

short probe_console(const Watch &w) {
  HANDLE h = w.st.handle;
  DWORD n = 0;
  if (!GetNumberOfConsoleInputEvents(h, &n))
    return kErr;
  if (n == 0)
    return 0;
  std::vector<INPUT_RECORD> recs(n);
  DWORD got = 0;
  if (!PeekConsoleInputW(h, recs.data(), n, &got))
    return kErr;
  for (DWORD i = 0; i < got; ++i) {
    const auto &rec = recs[i];
    if (rec.EventType == KEY_EVENT && rec.Event.KeyEvent.bKeyDown &&
        rec.Event.KeyEvent.uChar.UnicodeChar != 0)
      return kIn;
  }
  // Only events read() skips (mouse, focus, key-up, shift): drop them, or the handle stays
  // signalled and the wait would spin.
  ReadConsoleInputW(h, recs.data(), got, &got);
  return 0;
}

// Probes every socket watch with one non-blocking WSAPoll.
void probe_sockets(std::vector<Watch> &ws, const std::vector<size_t> &which) {
  std::vector<WSAPOLLFD> pfds;
  std::vector<Watch *> owners;
  for (size_t i : which)
    if (ws[i].src == Src::Socket) {
      pfds.push_back(WSAPOLLFD{sock(ws[i]), POLLRDNORM | POLLRDBAND | POLLWRNORM, 0});
      owners.push_back(&ws[i]);
    }
  if (pfds.empty())
    return;
  if (WSAPoll(pfds.data(), static_cast<ULONG>(pfds.size()), 0) == SOCKET_ERROR) {
    for (Watch *w : owners)
      w->ready = kErr;
    return;
  }
  for (size_t i = 0; i < pfds.size(); ++i) {
    SHORT re = pfds[i].revents;
    short r = 0;
    if (re & POLLRDNORM)
      r |= kIn;
    if (re & POLLRDBAND)
      r |= kPri;
    if (re & POLLWRNORM)
      r |= kOut;
    if (re & POLLERR)
      r |= kErr;
    if (re & POLLHUP) {
      // The peer closed: a read gives EOF (Linux: POLLIN; AF_UNIX adds POLLHUP, and our
      // socketpair stands in for AF_UNIX).
      r |= kIn;
      if (owners[i]->st.file->local_pair)
        r |= kHup;
    }
    if (re & POLLNVAL)
      r |= kNval;
    owners[i]->ready = r;
  }
}

void probe(std::vector<Watch> &ws, const std::vector<size_t> &which) {
  for (size_t i : which) {
    Watch &w = ws[i];
    switch (w.src) {
    case Src::Always:
      w.ready = kIn | kOut;
      break;
    case Src::Pipe:
      w.ready = probe_pipe(w);
      break;
    case Src::Console:
      w.ready = probe_console(w);
      break;
    case Src::Socket:
      break;
    }
  }
  probe_sockets(ws, which);
}

// What the caller sees of w's readiness: poll's revents, or for select the ready bits of
// the three sets (as Linux maps them: hang-up and error make an fd readable, error makes
// it writable too).
short revents_of(const Watch &w) {
  short ev = w.entry->events, r = 0;
  if (w.ready & kIn)
    r |= ev & (POW_POLLIN | POW_POLLRDNORM);
  if (w.ready & kOut)
    r |= ev & (POW_POLLOUT | POW_POLLWRNORM | POW_POLLWRBAND);
  if (w.ready & kPri)
    r |= ev & (POW_POLLPRI | POW_POLLRDBAND);
  return static_cast<short>(r | (w.ready & (kErr | kHup | kNval)));
}

// Whether w ends the wait: poll reports any revents; select only what its three sets show.
bool hit(const Watch &w, bool for_select) {
  if (!for_select)
    return revents_of(w) != 0;
  return ((w.want & kIn) && (w.ready & (kIn | kHup | kErr))) ||
         ((w.want & kOut) && (w.ready & (kOut | kErr))) || ((w.want & kPri) && (w.ready & kPri));
}

// A pipe end that would have to be waited on but has no event: a full pipe's write end
// (Windows signals nothing when the reader makes room) and a read end opened for
// synchronous I/O by someone else (a zero-byte read on it would block this thread).
bool needs_repoll(const Watch &w) {
  if (w.src != Src::Pipe)
    return false;
  if (w.can_read && !w.async)
    return true;
  return w.can_write && (w.want & kOut) && !(w.ready & kOut);
}

// Makes w waitable. Returns false with errno set if it cannot.
bool arm(Watch &w) {
  if (w.src == Src::Always)
    return true;
  if (needs_repoll(w)) {
    w.repoll = true;
    if (!(w.can_read && w.async))
      return true;
  }
  if (w.src == Src::Console)
    return true; // the input handle itself is signalled while input is queued
  if (w.src == Src::Pipe) {
    // A read end's watcher is pending since the probe (it would have said ready otherwise).
    if (w.can_read && w.async)
      w.ev = w.fw->ev;
    return true;
  }
  w.ev = t_events.take();
  if (!w.ev)
    return fail_win32() == 0;
  // Socket: Winsock signals the event when one of these happens, and records at once
  // those already true when WSAEventSelect is called (data queued, room to send, a
  // connection to accept, the peer's close), so nothing is missed between probe and wait.
  long mask = FD_CLOSE;
  if (w.want & kIn)
    mask |= FD_READ | FD_ACCEPT;
  if (w.want & kOut)
    mask |= FD_WRITE | FD_CONNECT;
  if (w.want & kPri)
    mask |= FD_OOB;
  ResetEvent(w.ev);
  if (WSAEventSelect(sock(w), w.ev, mask) != 0)
    return fail_wsa() == 0;
  w.socket_armed = true;
  return true;
}

// Undoes arm (sockets only: a pipe read end's watcher stays pending for the next call).
void disarm(Watch &w) {
  if (w.socket_armed) {
    // WSAEventSelect made the socket non-blocking; the fd's own mode is the layer's flag.
    WSAEventSelect(sock(w), nullptr, 0);
    u_long nb = w.st.file->nonblock ? 1 : 0;
    ioctlsocket(sock(w), FIONBIO, &nb);
    w.socket_armed = false;
  }
}

// Re-arms w after its handle fired without w becoming ready (a socket event we do not
// report). A pipe watcher was issued again by the probe that found it not ready.
void rearm(Watch &w) {
  if (w.src == Src::Socket && w.socket_armed) {
    WSANETWORKEVENTS ne;
    WSAEnumNetworkEvents(sock(w), w.ev, &ne); // clears the record and resets the event
  }
}

// The time left until a deadline, in QueryPerformanceCounter ticks.
class Deadline {
public:
  static Deadline never() { return Deadline(); }
  static Deadline after_us(long long us) {
    Deadline d;
    d.infinite_ = false;
    d.end_ = now() + us_to_ticks(us);
    return d;
  }
  bool infinite() const { return infinite_; }
  long long left_us() const {
    long long t = end_ - now();
    return t <= 0 ? 0 : t * 1000000 / freq();
  }
  bool passed() const { return !infinite_ && now() >= end_; }
  // The wait in whole milliseconds, rounded up: a wait never ends early.
  DWORD wait_ms() const {
    if (infinite_)
      return INFINITE;
    long long t = end_ - now();
    if (t <= 0)
      return 0;
    long long ms = (t * 1000 + freq() - 1) / freq();
    return ms >= INFINITE ? INFINITE - 1 : static_cast<DWORD>(ms);
  }

private:
  static long long freq() {
    static long long f = [] {
      LARGE_INTEGER v;
      QueryPerformanceFrequency(&v);
      return v.QuadPart;
    }();
    return f;
  }
  static long long now() {
    LARGE_INTEGER v;
    QueryPerformanceCounter(&v);
    return v.QuadPart;
  }
  static long long us_to_ticks(long long us) {
    // Split to avoid overflow for long timeouts; rounded up.
    long long f = freq();
    return (us / 1000000) * f + ((us % 1000000) * f + 999999) / 1000000;
  }
  bool infinite_ = true;
  long long end_ = 0;
};

// The handles of a wait and which watch each belongs to. Handles other than pipe watchers'
// events come first (with more than 64, the caller's own wait covers the first 63: a
// console handle, the only handle here that is not the layer's own event, stays there).
struct WaitSet {
  std::vector<HANDLE> handles;
  std::vector<size_t> owner;
  size_t others = 0;         // handles[0, others): sockets and consoles
  std::vector<size_t> pipes; // watches waited on through their watcher's event
};

// Appends to fired the owners of handles [from, to) of set that are signalled now.
void collect_signalled(const WaitSet &set, size_t from, size_t to, std::vector<size_t> &fired) {
  while (from < to) {
    DWORD cnt = static_cast<DWORD>(std::min<size_t>(MAXIMUM_WAIT_OBJECTS, to - from));
    DWORD r = WaitForMultipleObjects(cnt, set.handles.data() + from, FALSE, 0);
    if (r < WAIT_OBJECT_0 + cnt) {
      fired.push_back(set.owner[from + r]);
      from += r + 1;
    } else if (r >= WAIT_ABANDONED_0 && r < WAIT_ABANDONED_0 + cnt) {
      from += (r - WAIT_ABANDONED_0) + 1;
    } else {
      from += cnt;
    }
  }
}

// Appends to fired the watches of set whose handle has fired: pipe watchers by their
// OVERLAPPED (no system call), the other handles by a zero-timeout wait per 64.
void sweep(const WaitSet &set, const std::vector<Watch> &ws, std::vector<size_t> &fired) {
  for (size_t i : set.pipes) {
    FdWatch &f = *ws[i].fw;
    AcquireSRWLockExclusive(&f.lock);
    bool pending = still_pending(f);
    ReleaseSRWLockExclusive(&f.lock);
    if (!pending)
      fired.push_back(i);
  }
  collect_signalled(set, 0, set.others, fired);
}

// A helper thread of the >64 handle wait. Helpers persist (per calling thread) and keep
// waiting on their set after the call that gave it returns: the next call with the same
// fds (a server loop's usual case; watcher events persist with their fds) finds them
// already waiting and costs nothing to set up. A helper that saw a handle signalled (or was
// interrupted) parks until it is given a set again.
struct PoolHelper {
  std::atomic<int> refs{2}; // the pool's and the thread's
  SRWLOCK lock = SRWLOCK_INIT;
  CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
  HANDLE interrupt = nullptr; // auto-reset: ends a wait so that the set can change
  HANDLE wake = nullptr;      // the owner's wake event (a duplicate: the helper may outlive it)
  HANDLE handles[MAXIMUM_WAIT_OBJECTS];
  DWORD count = 0; // handles[count] is interrupt
  bool running = false; // waiting (or about to): handles must not change
  bool quit = false;
  DWORD result = WAIT_TIMEOUT; // how the last wait ended
  void unref() {
    if (--refs == 0) {
      CloseHandle(interrupt);
      CloseHandle(wake);
      delete this;
    }
  }
};

DWORD WINAPI pool_main(void *arg) {
  auto *h = static_cast<PoolHelper *>(arg);
  AcquireSRWLockExclusive(&h->lock);
  for (;;) {
    while (!h->running && !h->quit)
      SleepConditionVariableSRW(&h->cv, &h->lock, INFINITE, 0);
    if (h->quit)
      break;
    DWORD n = h->count;
    ReleaseSRWLockExclusive(&h->lock);
    DWORD r = WaitForMultipleObjects(n + 1, h->handles, FALSE, INFINITE);
    AcquireSRWLockExclusive(&h->lock);
    h->running = false;
    h->result = r;
    WakeAllConditionVariable(&h->cv);
    if (r != WAIT_OBJECT_0 + n)
      SetEvent(h->wake); // a handle (or a failure): the owner looks
  }
  ReleaseSRWLockExclusive(&h->lock);
  h->unref();
  return 0;
}

class HelperPool {
public:
  HANDLE wake = nullptr; // set by a helper that saw a handle signalled

  bool ok() {
    if (!wake)
      wake = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    return wake != nullptr;
  }

  // Makes helper g wait on hs[0, cnt). Returns false with errno set on failure.
  bool assign(size_t g, const HANDLE *hs, DWORD cnt) {
    while (helpers_.size() <= g)
      if (!spawn())
        return false;
    PoolHelper *h = helpers_[g];
    AcquireSRWLockExclusive(&h->lock);
    if (h->running) {
      if (h->count == cnt && std::equal(hs, hs + cnt, h->handles)) {
        ReleaseSRWLockExclusive(&h->lock);
        return true; // already waiting on exactly these
      }
      ReleaseSRWLockExclusive(&h->lock);
      SetEvent(h->interrupt);
      AcquireSRWLockExclusive(&h->lock);
      while (h->running)
        SleepConditionVariableSRW(&h->cv, &h->lock, INFINITE, 0);
      if (h->result != WAIT_OBJECT_0 + h->count)
        ResetEvent(h->interrupt); // it stopped for a handle before seeing the interrupt
    }
    std::copy_n(hs, cnt, h->handles);
    h->count = cnt;
    h->handles[cnt] = h->interrupt;
    h->result = WAIT_TIMEOUT;
    h->running = true;
    WakeAllConditionVariable(&h->cv);
    ReleaseSRWLockExclusive(&h->lock);
    return true;
  }

  // Whether helper g's last wait failed (a handle that is no longer valid).
  bool failed(size_t g) {
    PoolHelper *h = helpers_[g];
    AcquireSRWLockExclusive(&h->lock);
    bool f = !h->running && h->result == WAIT_FAILED;
    ReleaseSRWLockExclusive(&h->lock);
    return f;
  }

  ~HelperPool() {
    // Not waited for: this may run where thread exits are serialised (process exit).
    for (PoolHelper *h : helpers_) {
      SetEvent(h->interrupt);
      AcquireSRWLockExclusive(&h->lock);
      h->quit = true;
      WakeAllConditionVariable(&h->cv);
      ReleaseSRWLockExclusive(&h->lock);
      h->unref();
    }
    if (wake)
      CloseHandle(wake);
  }

private:
  bool spawn() {
    auto *h = new PoolHelper;
    HANDLE self = GetCurrentProcess();
    h->interrupt = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    if (!h->interrupt ||
        !DuplicateHandle(self, wake, self, &h->wake, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
      DWORD err = GetLastError();
      if (h->interrupt)
        CloseHandle(h->interrupt);
      delete h;
      return fail_win32(err) == 0;
    }
    HANDLE t = CreateThread(nullptr, 64 * 1024, pool_main, h, STACK_SIZE_PARAM_IS_A_RESERVATION,
                            nullptr);
    if (!t) {
      DWORD err = GetLastError();
      CloseHandle(h->interrupt);
      CloseHandle(h->wake);
      delete h;
      return fail_win32(err) == 0;
    }
    CloseHandle(t);
    helpers_.push_back(h);
    return true;
  }

  std::vector<PoolHelper *> helpers_;
};
thread_local HelperPool t_pool;

// Waits until a handle of set is signalled or ms pass; fills fired with the watches whose
// handles fired. Returns false with errno set on failure.
bool wait_any(const WaitSet &set, const std::vector<Watch> &ws, DWORD ms,
              std::vector<size_t> &fired) {
  fired.clear();
  size_t n = set.handles.size();
  if (n == 0) {
    if (ms != 0)
      Sleep(ms); // nothing to wait for but the time (a select used as a sleep)
    return true;
  }
  if (n <= MAXIMUM_WAIT_OBJECTS) {
    DWORD r = WaitForMultipleObjects(static_cast<DWORD>(n), set.handles.data(), FALSE, ms);
    if (r == WAIT_TIMEOUT)
      return true;
    if (r == WAIT_FAILED)
      return fail_win32() == 0;
    sweep(set, ws, fired);
    return true;
  }
  // More than 64: the first 63 are the caller's, the rest go to helpers, 63 each.
  if (!t_pool.ok())
    return fail_win32() == 0;
  // Unsignalled before looking: a helper that fires from now on is seen by the wait.
  ResetEvent(t_pool.wake);
  sweep(set, ws, fired); // what fired before (helpers of an earlier call may have parked)
  if (!fired.empty())
    return true;
  size_t own = kGroup;
  size_t groups = (n - own + kGroup - 1) / kGroup;
  for (size_t g = 0; g < groups; ++g) {
    size_t from = own + g * kGroup;
    if (!t_pool.assign(g, set.handles.data() + from,
                       static_cast<DWORD>(std::min<size_t>(kGroup, n - from))))
      return false;
  }
  HANDLE mine[MAXIMUM_WAIT_OBJECTS];
  mine[0] = t_pool.wake;
  std::copy_n(set.handles.data(), own, mine + 1);
  DWORD r = WaitForMultipleObjects(static_cast<DWORD>(own + 1), mine, FALSE, ms);
  if (r == WAIT_FAILED)
    return fail_win32() == 0;
  if (r == WAIT_TIMEOUT)
    return true;
  for (size_t g = 0; g < groups; ++g)
    if (t_pool.failed(g))
      return fail_errno(EBADF) == 0;
  sweep(set, ws, fired);
  return true;
}

} // namespace

void watch_release(FdWatch &f, HANDLE h) {
  AcquireSRWLockExclusive(&f.lock);
  if (still_pending(f)) {
    // Its memory must not be reused before Windows is done with it: cancel, then wait.
    DWORD n = 0;
    CancelIoEx(h, &f.ov);
    GetOverlappedResult(h, &f.ov, &n, TRUE);
  }
  f.issued = false;
  f.released = true;
  ReleaseSRWLockExclusive(&f.lock);
}

namespace {

// The core of select and poll over entries (fd < 0: skipped; fd not open: POLLNVAL).
// Returns the count of entries with revents set, or -1 with errno set.
int poll_core(pow_pollfd *entries, size_t n, const Deadline &deadline, bool for_select) {
  std::vector<Watch> ws;
  ws.reserve(n);
  int nval = 0;
  for (size_t i = 0; i < n; ++i) {
    pow_pollfd &e = entries[i];
    e.revents = 0;
    if (e.fd < 0)
      continue;
    auto st = fd_state(e.fd);
    if (!st) {
      if (for_select) // select: a set fd that is not open fails the call
        return fail_errno(EBADF);
      e.revents = kNval;
      ++nval;
      continue;
    }
    if (!watch_of(e.fd, *st))
      return -1;
    if (!st->watch) { // closed by another thread just now
      e.revents = kNval;
      ++nval;
      continue;
    }
    Watch w;
    w.entry = &e;
    w.st = *st;
    w.fw = st->watch.get();
    w.src = w.fw->src;
    w.can_read = w.fw->can_read;
    w.can_write = w.fw->can_write;
    w.async = w.fw->async;
    if (e.events & (POW_POLLIN | POW_POLLRDNORM))
      w.want |= kIn;
    if (e.events & (POW_POLLOUT | POW_POLLWRNORM | POW_POLLWRBAND))
      w.want |= kOut;
    if (e.events & (POW_POLLPRI | POW_POLLRDBAND))
      w.want |= kPri;
    if (w.src == Src::Socket && !winsock_init())
      return -1;
    ws.push_back(std::move(w));
  }
  std::vector<size_t> all(ws.size());
  for (size_t i = 0; i < ws.size(); ++i)
    all[i] = i;
  probe(ws, all);
  int count = nval;
  for (const Watch &w : ws)
    count += hit(w, for_select) ? 1 : 0;
  if (count > 0 || deadline.passed() || ws.empty()) {
    if (count == 0 && ws.empty() && !deadline.passed()) {
      // Nothing to watch: sleep out the timeout (select(0, NULL, NULL, NULL, &tv) idiom).
      std::vector<size_t> none;
      while (!deadline.passed())
        if (!wait_any(WaitSet{}, ws, deadline.wait_ms(), none))
          return -1;
    }
    for (Watch &w : ws)
      w.entry->revents = revents_of(w);
    return count;
  }

  // Nothing ready: arm what needs arming (sockets) and wait.
  t_events.release_all();
  int result = 0;
  bool failed = false;
  for (size_t i = 0; i < ws.size() && !failed; ++i)
    if (!arm(ws[i]))
      failed = true;
  WaitSet set;
  std::vector<size_t> repoll;
  for (size_t i = 0; i < ws.size(); ++i) {
    if (ws[i].repoll)
      repoll.push_back(i);
    if (ws[i].src == Src::Console || ws[i].src == Src::Socket) {
      HANDLE h = ws[i].src == Src::Console ? ws[i].st.handle : ws[i].ev;
      if (h) {
        set.handles.push_back(h);
        set.owner.push_back(i);
      }
    }
  }
  set.others = set.handles.size();
  // A watcher's event once, however often its fd is listed (poll allows repeats; a wait
  // may not list a handle twice); every entry of that fd is swept.
  std::vector<const FdWatch *> seen;
  for (size_t i = 0; i < ws.size(); ++i)
    if (ws[i].src == Src::Pipe && ws[i].ev) {
      set.pipes.push_back(i);
      seen.push_back(ws[i].fw);
    }
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  for (size_t i : set.pipes) {
    auto it = std::lower_bound(seen.begin(), seen.end(), ws[i].fw);
    if (it != seen.end() && *it == ws[i].fw) {
      seen.erase(it);
      set.handles.push_back(ws[i].ev);
      set.owner.push_back(i);
    }
  }
  std::vector<size_t> fired;
  while (!failed) {
    DWORD ms = deadline.wait_ms();
    if (!repoll.empty() && ms > kRepollMs)
      ms = kRepollMs;
    if (!wait_any(set, ws, ms, fired)) {
      failed = true;
      break;
    }
    std::vector<size_t> check = fired;
    check.insert(check.end(), repoll.begin(), repoll.end());
    std::sort(check.begin(), check.end());
    check.erase(std::unique(check.begin(), check.end()), check.end());
    probe(ws, check);
    for (size_t i : check)
      result += hit(ws[i], for_select) ? 1 : 0;
    if (result > 0 || deadline.passed())
      break;
    // Woken for nothing we report: wait for the next event of those handles.
    for (size_t i : fired)
      rearm(ws[i]);
  }
  int e = errno;
  for (Watch &w : ws)
    disarm(w);
  t_events.release_all();
  if (failed)
    return fail_errno(e);
  // Readiness of the watches not probed since the wait began is the same as before it
  // (not ready); those probed say what they found.
  for (Watch &w : ws)
    w.entry->revents = revents_of(w);
  return result;
}

long long timeval_us(const struct timeval &tv) {
  long long s = tv.tv_sec, us = tv.tv_usec;
  if (s > LLONG_MAX / 2000000)
    return LLONG_MAX / 2;
  return s * 1000000 + us;
}

int select_core(int nfds, pow_fd_set *r, pow_fd_set *w, pow_fd_set *x, const Deadline &dl) {
  if (nfds < 0 || nfds > POW_FD_SETSIZE)
    return fail_errno(EINVAL);
  std::vector<pow_pollfd> entries;
  for (int fd = 0; fd < nfds; ++fd) {
    short ev = 0;
    if (r && POW_FD_ISSET(fd, r))
      ev |= POW_POLLIN;
    if (w && POW_FD_ISSET(fd, w))
      ev |= POW_POLLOUT;
    if (x && POW_FD_ISSET(fd, x))
      ev |= POW_POLLPRI;
    if (!ev)
      continue;
    entries.push_back(pow_pollfd{fd, ev, 0});
  }
  int got = poll_core(entries.data(), entries.size(), dl, true);
  if (got < 0)
    return -1;
  pow_fd_set rr{}, ww{}, xx{};
  int count = 0;
  for (const auto &e : entries) {
    // Linux's mapping: hang-up and error count as readable, error as writable too.
    if ((e.events & POW_POLLIN) && (e.revents & (POW_POLLIN | kHup | kErr))) {
      POW_FD_SET(e.fd, &rr);
      ++count;
    }
    if ((e.events & POW_POLLOUT) && (e.revents & (POW_POLLOUT | kErr))) {
      POW_FD_SET(e.fd, &ww);
      ++count;
    }
    if ((e.events & POW_POLLPRI) && (e.revents & POW_POLLPRI)) {
      POW_FD_SET(e.fd, &xx);
      ++count;
    }
  }
  if (r)
    *r = rr;
  if (w)
    *w = ww;
  if (x)
    *x = xx;
  return count;
}

} // namespace

} // namespace posix_on_win

using namespace posix_on_win;

extern "C" {

int pow_select(int nfds, pow_fd_set *readfds, pow_fd_set *writefds, pow_fd_set *exceptfds,
               struct timeval *timeout) {
  if (timeout && (timeout->tv_sec < 0 || timeout->tv_usec < 0))
    return fail_errno(EINVAL);
  Deadline dl = timeout ? Deadline::after_us(timeval_us(*timeout)) : Deadline::never();
  int r = select_core(nfds, readfds, writefds, exceptfds, dl);
  if (timeout && !(r < 0 && errno == EINVAL)) {
    // Linux writes the time not slept back.
    long long left = dl.left_us();
    timeout->tv_sec = static_cast<long>(left / 1000000);
    timeout->tv_usec = static_cast<long>(left % 1000000);
  }
  return r;
}

int pow_pselect(int nfds, pow_fd_set *readfds, pow_fd_set *writefds, pow_fd_set *exceptfds,
                const struct timespec *timeout, const pow_sigset_t *sigmask) {
  // No asynchronous signals to block or unblock (see pow/select.h).
  if (sigmask)
    POW_TRACE_UNSUPPORTED("pselect", "the signal mask is ignored: the layer raises no "
                          "asynchronous signals (SIGPIPE only, synchronously), so no wait is "
                          "interrupted and there is no EINTR");
  if (timeout && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000))
    return fail_errno(EINVAL);
  Deadline dl = Deadline::never();
  if (timeout) {
    long long s = timeout->tv_sec;
    long long us = s > LLONG_MAX / 2000000 ? LLONG_MAX / 2
                                           : s * 1000000 + (timeout->tv_nsec + 999) / 1000;
    dl = Deadline::after_us(us);
  }
  return select_core(nfds, readfds, writefds, exceptfds, dl);
}

int pow_poll(struct pow_pollfd *fds, pow_nfds_t nfds, int timeout) {
  if (nfds > 0 && !fds)
    return fail_errno(EFAULT);
  if (nfds > 2048) // more entries than the C runtime has fds (Linux: RLIMIT_NOFILE)
    return fail_errno(EINVAL);
  Deadline dl = timeout < 0 ? Deadline::never() : Deadline::after_us(timeout * 1000LL);
  return poll_core(fds, nfds, dl, false);
}

} // extern "C"
