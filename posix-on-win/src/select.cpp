// select(), pselect() and poll() over any mix of fds. One core serves all three: each fd
// is probed for readiness without waiting; if none is ready, each gets something Windows
// can wait on (a zero-byte overlapped read on a pipe's read end, which completes when data
// or EOF arrives without consuming anything; the socket's WSAEventSelect event; the console
// input handle), and the caller waits on all of them at once: WaitForMultipleObjects for up
// to 64 handles, beyond that helper threads that each wait on 63 and wake the caller. No
// handle is polled on a timer, except the few for which Windows has no event (see
// needs_repoll).
#include "fd.hpp"
#include "trace.hpp"

#include <pow/poll.h>
#include <pow/select.h>

#include <winternl.h>

#include <algorithm>
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

// The events one select/poll call uses, kept per thread: a select on 1,000 fds would
// otherwise create and close 1,000 events each time.
class EventPool {
public:
  HANDLE take() {
    if (next_ == events_.size()) {
      HANDLE ev = CreateEventW(nullptr, TRUE, FALSE, nullptr);
      if (!ev)
        return nullptr;
      events_.push_back(ev);
    }
    return events_[next_++];
  }
  void release_all() { next_ = 0; }
  ~EventPool() {
    for (HANDLE ev : events_)
      CloseHandle(ev);
  }

private:
  std::vector<HANDLE> events_;
  size_t next_ = 0;
};
thread_local EventPool t_events;

enum class Src {
  Always,  // regular file, NUL, console output: never blocks
  Pipe,    // pipe or FIFO end
  Socket,  // Winsock socket
  Console, // console input
};

struct Watch {
  pow_pollfd *entry;
  FdState st;
  short want = 0;  // kIn | kOut | kPri asked for
  short ready = 0; // readiness found: kIn kOut kPri kErr kHup
  Src src = Src::Always;
  bool can_read = false, can_write = false;
  bool async = false; // pipe: a zero-byte overlapped read can wait for data
  // Armed state.
  HANDLE ev = nullptr;
  OVERLAPPED ov{};
  bool read_pending = false;
  bool socket_armed = false;
  bool repoll = false;
};

SOCKET sock(const Watch &w) { return reinterpret_cast<SOCKET>(w.st.handle); }

void classify(Watch &w) {
  HANDLE h = w.st.handle;
  if (w.st.kind == FdKind::Socket) {
    w.src = Src::Socket;
    return;
  }
  DWORD type = GetFileType(h);
  if (type == FILE_TYPE_PIPE) {
    w.src = Src::Pipe;
    if (w.st.kind == FdKind::PipeRead) {
      w.can_read = true;
    } else if (w.st.kind == FdKind::PipeWrite) {
      w.can_write = true;
    } else { // inherited, a FIFO, or a pipe the layer did not make: its handle's access says
      ACCESS_MASK a = granted_access(h);
      w.can_read = a == 0 || (a & (FILE_READ_DATA | GENERIC_READ)) != 0;
      w.can_write = (a & (FILE_WRITE_DATA | GENERIC_WRITE)) != 0;
    }
    w.async = w.can_read && handle_is_async(h);
    return;
  }
  DWORD mode = 0, n = 0;
  if (type == FILE_TYPE_CHAR && GetConsoleMode(h, &mode) && GetNumberOfConsoleInputEvents(h, &n))
    w.src = Src::Console;
  else
    w.src = Src::Always; // disk files are always ready, as on POSIX; so are character devices
}

short probe_pipe(const Watch &w) {
  short r = 0;
  HANDLE h = w.st.handle;
  if (w.can_read) {
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

// Starts the zero-byte read on a pipe's read end. Returns true if it finished at once
// (data or EOF is there).
bool start_zero_read(Watch &w) {
  w.ov = OVERLAPPED{};
  w.ov.hEvent = w.ev;
  char dummy;
  if (ReadFile(w.st.handle, &dummy, 0, nullptr, &w.ov))
    return true;
  if (GetLastError() == ERROR_IO_PENDING) {
    w.read_pending = true;
    return false;
  }
  return true; // EOF or an error: the probe will say which
}

// Makes w waitable. Returns false with errno set if it cannot.
bool arm(Watch &w, bool &fired) {
  if (w.src == Src::Always)
    return true;
  if (needs_repoll(w)) {
    w.repoll = true;
    if (!(w.can_read && w.async))
      return true;
  }
  if (w.src == Src::Console)
    return true; // the input handle itself is signalled while input is queued
  w.ev = t_events.take();
  if (!w.ev)
    return fail_win32() == 0;
  if (w.src == Src::Pipe) {
    if (w.can_read && w.async && start_zero_read(w))
      fired = true;
    return true;
  }
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

void disarm(Watch &w) {
  if (w.read_pending) {
    DWORD n = 0;
    CancelIoEx(w.st.handle, &w.ov);
    GetOverlappedResult(w.st.handle, &w.ov, &n, TRUE);
    w.read_pending = false;
  }
  if (w.socket_armed) {
    // WSAEventSelect made the socket non-blocking; the fd's own mode is the layer's flag.
    WSAEventSelect(sock(w), nullptr, 0);
    u_long nb = w.st.file->nonblock ? 1 : 0;
    ioctlsocket(sock(w), FIONBIO, &nb);
    w.socket_armed = false;
  }
}

// Re-arms w after its handle fired without w becoming ready (another thread read the
// data, a socket event we do not report).
void rearm(Watch &w, bool &fired) {
  if (w.src == Src::Pipe && w.can_read && w.async) {
    if (w.read_pending) {
      DWORD n = 0;
      if (!GetOverlappedResult(w.st.handle, &w.ov, &n, FALSE) &&
          GetLastError() == ERROR_IO_INCOMPLETE)
        return; // still waiting
      w.read_pending = false;
    }
    if (start_zero_read(w))
      fired = true;
  } else if (w.src == Src::Socket && w.socket_armed) {
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

// The handles of a wait and which watch each belongs to.
struct WaitSet {
  std::vector<HANDLE> handles;
  std::vector<size_t> owner;
};

// Appends to fired the owners of the handles of ws that are signalled now.
void collect_signalled(const WaitSet &set, size_t from, std::vector<size_t> &fired) {
  size_t n = set.handles.size();
  while (from < n) {
    DWORD cnt = static_cast<DWORD>(std::min<size_t>(MAXIMUM_WAIT_OBJECTS, n - from));
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

// Per-thread events of the helper waits: wake (a helper saw a handle signalled) and stop.
struct HelperEvents {
  HANDLE wake = nullptr, stop = nullptr;
  bool ok() {
    if (!wake)
      wake = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (!stop)
      stop = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    return wake && stop;
  }
  ~HelperEvents() {
    if (wake)
      CloseHandle(wake);
    if (stop)
      CloseHandle(stop);
  }
};
thread_local HelperEvents t_helper;

struct Helper {
  HANDLE handles[MAXIMUM_WAIT_OBJECTS];
  DWORD count; // handles to watch; handles[count] is the stop event
  HANDLE wake;
  HANDLE thread;
};

DWORD WINAPI helper_main(void *arg) {
  auto *h = static_cast<Helper *>(arg);
  DWORD r = WaitForMultipleObjects(h->count + 1, h->handles, FALSE, INFINITE);
  if (r < WAIT_OBJECT_0 + h->count || (r >= WAIT_ABANDONED_0 && r < WAIT_ABANDONED_0 + h->count))
    SetEvent(h->wake);
  return 0;
}

// Waits until a handle of set is signalled or ms pass; fills fired with the owners of the
// signalled handles. Returns false with errno set on failure.
bool wait_any(const WaitSet &set, DWORD ms, std::vector<size_t> &fired) {
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
    collect_signalled(set, 0, fired);
    return true;
  }
  // More than 64: the first 63 are ours, the rest are split between helper threads that
  // each wait on 63 and the shared stop event, and set `wake` when one is signalled.
  if (!t_helper.ok())
    return fail_win32() == 0;
  ResetEvent(t_helper.wake);
  ResetEvent(t_helper.stop);
  size_t own = kGroup;
  std::vector<Helper> helpers((n - own + kGroup - 1) / kGroup);
  size_t started = 0;
  bool ok = true;
  for (size_t g = 0; g < helpers.size(); ++g) {
    Helper &h = helpers[g];
    size_t from = own + g * kGroup;
    h.count = static_cast<DWORD>(std::min<size_t>(kGroup, n - from));
    std::copy_n(set.handles.data() + from, h.count, h.handles);
    h.handles[h.count] = t_helper.stop;
    h.wake = t_helper.wake;
    h.thread = CreateThread(nullptr, 64 * 1024, helper_main, &h,
                            STACK_SIZE_PARAM_IS_A_RESERVATION, nullptr);
    if (!h.thread) {
      ok = fail_win32() == 0;
      break;
    }
    ++started;
  }
  if (ok) {
    HANDLE mine[MAXIMUM_WAIT_OBJECTS];
    mine[0] = t_helper.wake;
    std::copy_n(set.handles.data(), own, mine + 1);
    DWORD r = WaitForMultipleObjects(static_cast<DWORD>(own + 1), mine, FALSE, ms);
    if (r == WAIT_FAILED)
      ok = fail_win32() == 0;
  }
  SetEvent(t_helper.stop);
  for (size_t i = 0; i < started; i += MAXIMUM_WAIT_OBJECTS) {
    HANDLE threads[MAXIMUM_WAIT_OBJECTS];
    DWORD cnt = static_cast<DWORD>(std::min<size_t>(MAXIMUM_WAIT_OBJECTS, started - i));
    for (DWORD k = 0; k < cnt; ++k)
      threads[k] = helpers[i + k].thread;
    WaitForMultipleObjects(cnt, threads, TRUE, INFINITE);
    for (DWORD k = 0; k < cnt; ++k)
      CloseHandle(threads[k]);
  }
  if (ok)
    collect_signalled(set, 0, fired);
  return ok;
}

// The core of select and poll over entries (fd < 0: skipped; fd not open: POLLNVAL).
// Returns the count of entries with revents set, or -1 with errno set.
int poll_core(pow_pollfd *entries, size_t n, const Deadline &deadline, bool for_select) {
  std::vector<Watch> ws;
  ws.reserve(n); // never reallocated: the OVERLAPPEDs inside must stay where they are
  int nval = 0;
  for (size_t i = 0; i < n; ++i) {
    pow_pollfd &e = entries[i];
    e.revents = 0;
    if (e.fd < 0)
      continue;
    auto st = fd_state(e.fd);
    if (!st) {
      e.revents = kNval;
      ++nval;
      continue;
    }
    Watch w;
    w.entry = &e;
    w.st = *st;
    if (e.events & (POW_POLLIN | POW_POLLRDNORM))
      w.want |= kIn;
    if (e.events & (POW_POLLOUT | POW_POLLWRNORM | POW_POLLWRBAND))
      w.want |= kOut;
    if (e.events & (POW_POLLPRI | POW_POLLRDBAND))
      w.want |= kPri;
    classify(w);
    if (w.src == Src::Socket && !winsock_init())
      return -1;
    ws.push_back(w);
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
        if (!wait_any(WaitSet{}, deadline.wait_ms(), none))
          return -1;
    }
    for (Watch &w : ws)
      w.entry->revents = revents_of(w);
    return count;
  }

  // Nothing ready: arm every watch and wait.
  t_events.release_all();
  int result = 0;
  bool failed = false;
  std::vector<size_t> fired;
  for (size_t i = 0; i < ws.size() && !failed; ++i) {
    bool now = false;
    if (!arm(ws[i], now))
      failed = true;
    else if (now)
      fired.push_back(i);
  }
  WaitSet set;
  std::vector<size_t> repoll;
  for (size_t i = 0; i < ws.size(); ++i) {
    if (ws[i].repoll)
      repoll.push_back(i);
    HANDLE h = ws[i].src == Src::Console ? ws[i].st.handle : ws[i].ev;
    if (h) {
      set.handles.push_back(h);
      set.owner.push_back(i);
    }
  }
  while (!failed) {
    if (fired.empty()) {
      DWORD ms = deadline.wait_ms();
      if (!repoll.empty() && ms > kRepollMs)
        ms = kRepollMs;
      if (!wait_any(set, ms, fired)) {
        failed = true;
        break;
      }
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
    std::vector<size_t> again;
    for (size_t i : fired) {
      bool now = false;
      rearm(ws[i], now);
      if (now)
        again.push_back(i);
    }
    fired.swap(again);
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
    if (!fd_state(fd))
      return fail_errno(EBADF);
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
