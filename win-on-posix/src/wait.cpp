// The wait engine: WaitForSingleObject(Ex) / WaitForMultipleObjects(Ex) over any waitable
// object, Sleep(Ex), and the monotonic clocks.
//
// Every waitable object has a WaitWord. A wait reads each word's sequence, checks the
// objects under their locks and, if the wait cannot be satisfied, sleeps on all the words
// at once (futex_waitv) until one changes or the monotonic deadline passes. Wait-all takes
// every object's lock, in one global order, and acquires only when all are ready, so an
// auto-reset event or a semaphore is never consumed by a wait-all that does not complete.
#include "object.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace wop {

void WaitWord::notify() noexcept {
  seq.fetch_add(1, std::memory_order_seq_cst);
  if (waiters.load(std::memory_order_seq_cst) != 0)
    ::syscall(SYS_futex, &seq, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

uint64_t monotonic_ns() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

void ApcQueue::push(std::function<void()> fn) {
  {
    std::lock_guard g(mu);
    calls.push_back(std::move(fn));
  }
  word.notify();
}

bool ApcQueue::run_all() {
  bool ran = false;
  for (;;) {
    std::function<void()> fn;
    {
      std::lock_guard g(mu);
      if (calls.empty())
        return ran;
      fn = std::move(calls.front());
      calls.pop_front();
    }
    fn();
    ran = true;
  }
}

namespace {
thread_local std::shared_ptr<ApcQueue> t_apc;
}

std::shared_ptr<ApcQueue> current_apc_queue() {
  if (!t_apc)
    t_apc = std::make_shared<ApcQueue>();
  return t_apc;
}

void set_current_apc_queue(std::shared_ptr<ApcQueue> q) { t_apc = std::move(q); }

namespace {

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef FUTEX_32
#define FUTEX_32 2
struct futex_waitv {
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t __reserved;
};
#endif

std::atomic<bool> g_no_waitv{false};

timespec to_timespec(uint64_t ns) {
  return timespec{static_cast<time_t>(ns / 1000000000u), static_cast<long>(ns % 1000000000u)};
}

// Sleeps until one of the words differs from its snapshot, the deadline (monotonic ns,
// 0 = none) passes, or a spurious wake-up; the caller re-checks in every case.
void sleep_on(WaitWord *const *words, const uint32_t *seen, size_t n, uint64_t deadline) {
  if (!g_no_waitv.load(std::memory_order_relaxed)) {
    futex_waitv w[MAXIMUM_WAIT_OBJECTS + 1];
    for (size_t i = 0; i < n; ++i)
      w[i] = futex_waitv{seen[i], reinterpret_cast<uintptr_t>(&words[i]->seq), FUTEX_32, 0};
    timespec ts = to_timespec(deadline);
    long r = ::syscall(SYS_futex_waitv, w, static_cast<unsigned>(n), 0u,
                       deadline ? &ts : nullptr, CLOCK_MONOTONIC);
    if (r >= 0 || errno != ENOSYS)
      return;
    g_no_waitv.store(true, std::memory_order_relaxed); // kernels before 5.16
  }
  // Fallback: sleep on the first word in short slices, so changes of the others are seen
  // within a millisecond.
  uint64_t now = monotonic_ns();
  uint64_t slice = n == 1 ? (deadline ? deadline - std::min(deadline, now) : 0) : 1000000u;
  if (deadline && n > 1)
    slice = std::min<uint64_t>(slice, deadline - std::min(deadline, now));
  timespec rel = to_timespec(slice);
  ::syscall(SYS_futex, &words[0]->seq, FUTEX_WAIT, seen[0], slice ? &rel : nullptr, nullptr, 0);
}

// GetCurrentProcess() and GetCurrentThread(): waiting for yourself to end never succeeds.
class SelfObject final : public Object {
public:
  ObjectKind kind() const noexcept override { return ObjectKind::Process; }
  WaitWord *wait_word() override { return &word_; }

private:
  WaitWord word_;
};

bool is_pseudo_handle(HANDLE h) {
  return h == reinterpret_cast<HANDLE>(-1) || h == reinterpret_cast<HANDLE>(-2);
}

DWORD wait_failed(DWORD error) {
  SetLastError(error);
  return WAIT_FAILED;
}

DWORD wait_objects(DWORD count, const HANDLE *handles, bool wait_all, DWORD timeout,
                   bool alertable = false) {
  if (count == 0 || count > MAXIMUM_WAIT_OBJECTS || !handles)
    return wait_failed(ERROR_INVALID_PARAMETER);
  ObjectPtr objs[MAXIMUM_WAIT_OBJECTS];
  WaitWord *words[MAXIMUM_WAIT_OBJECTS + 1]; // + the thread's APC word when alertable
  for (DWORD i = 0; i < count; ++i) {
    if (is_pseudo_handle(handles[i])) {
      static const ObjectPtr self = std::make_shared<SelfObject>();
      objs[i] = self;
      words[i] = self->wait_word();
      continue;
    }
    auto e = handle_lookup(handles[i]);
    if (!e || !(words[i] = e->object->wait_word()))
      return wait_failed(ERROR_INVALID_HANDLE);
    if (!(e->access & SYNCHRONIZE))
      return wait_failed(ERROR_ACCESS_DENIED);
    objs[i] = std::move(e->object);
  }
  // Wait-all: locks in one global order; one object twice is an error, as on Windows.
  DWORD order[MAXIMUM_WAIT_OBJECTS];
  DWORD nlocked = 0;
  if (wait_all) {
    for (DWORD i = 0; i < count; ++i)
      order[i] = i;
    std::sort(order, order + count, [&](DWORD a, DWORD b) {
      return objs[a]->wait_order() < objs[b]->wait_order();
    });
    for (DWORD k = 0; k < count; ++k) {
      for (DWORD j = k + 1; j < count; ++j)
        if (objs[order[k]] == objs[order[j]] ||
            (objs[order[k]]->wait_order() &&
             objs[order[k]]->wait_order() == objs[order[j]]->wait_order()))
          return wait_failed(ERROR_INVALID_PARAMETER);
    }
    nlocked = count;
  }

  WaitToken tokens[MAXIMUM_WAIT_OBJECTS];
  bool first = true; // the first check also begins the wait, under the same lock
  const uint64_t deadline =
      timeout == INFINITE ? 0 : monotonic_ns() + uint64_t{timeout} * 1000000u;
  bool registered = false;
  DWORD result = WAIT_TIMEOUT;
  std::shared_ptr<ApcQueue> apc = alertable ? current_apc_queue() : nullptr;
  const DWORD nwords = count + (apc ? 1 : 0);
  if (apc)
    words[count] = &apc->word;
  for (;;) {
    uint32_t seen[MAXIMUM_WAIT_OBJECTS + 1];
    for (DWORD i = 0; i < nwords; ++i)
      seen[i] = words[i]->seq.load(std::memory_order_seq_cst);
    // Queued APCs run first and end an alertable wait (WAIT_IO_COMPLETION).
    if (apc && apc->run_all()) {
      result = WAIT_IO_COMPLETION;
      break;
    }
    bool done = false;
    if (wait_all) {
      for (DWORD k = 0; k < nlocked; ++k)
        objs[order[k]]->wait_lock();
      WaitCheck c[MAXIMUM_WAIT_OBJECTS];
      bool all = true;
      if (first)
        for (DWORD i = 0; i < count; ++i)
          objs[i]->wait_begin(tokens[i]);
      for (DWORD i = 0; i < count && all; ++i)
        all = (c[i] = objs[i]->wait_check(tokens[i])) != WaitCheck::NotReady;
      if (all) {
        result = WAIT_OBJECT_0;
        for (DWORD i = count; i-- > 0;) {
          objs[i]->wait_acquire(tokens[i]);
          if (c[i] == WaitCheck::Abandoned)
            result = WAIT_ABANDONED_0 + i;
        }
        done = true;
      }
      for (DWORD k = nlocked; k-- > 0;)
        objs[order[k]]->wait_unlock();
    } else {
      for (DWORD i = 0; i < count && !done; ++i) {
        objs[i]->wait_lock();
        if (first)
          objs[i]->wait_begin(tokens[i]);
        WaitCheck c = objs[i]->wait_check(tokens[i]);
        if (c != WaitCheck::NotReady) {
          objs[i]->wait_acquire(tokens[i]);
          result = (c == WaitCheck::Abandoned ? WAIT_ABANDONED_0 : WAIT_OBJECT_0) + i;
          done = true;
        }
        objs[i]->wait_unlock();
      }
    }
    if (done)
      break;
    first = false; // every object has been checked (and begun) once
    uint64_t now = monotonic_ns();
    if (deadline && now >= deadline) {
      result = WAIT_TIMEOUT;
      break;
    }
    if (!registered) {
      // From now on setters must wake us; look once more before the first sleep.
      for (DWORD i = 0; i < nwords; ++i)
        words[i]->waiters.fetch_add(1, std::memory_order_seq_cst);
      registered = true;
      continue;
    }
    for (DWORD i = 0; i < count; ++i)
      objs[i]->wait_prepare_sleep(tokens[i]);
    sleep_on(words, seen, nwords, deadline);
  }
  if (registered)
    for (DWORD i = 0; i < nwords; ++i)
      words[i]->waiters.fetch_sub(1, std::memory_order_seq_cst);
  return result;
}

} // namespace

} // namespace wop

using namespace wop;

extern "C" {

DWORD WINAPI WaitForMultipleObjectsEx(DWORD count, const HANDLE *handles, BOOL wait_all,
                                      DWORD timeout, BOOL alertable) {
  return wait_objects(count, handles, wait_all != FALSE, timeout, alertable != FALSE);
}

DWORD WINAPI WaitForMultipleObjects(DWORD count, const HANDLE *handles, BOOL wait_all,
                                    DWORD timeout) {
  return wait_objects(count, handles, wait_all != FALSE, timeout);
}

DWORD WINAPI WaitForSingleObjectEx(HANDLE h, DWORD timeout, BOOL alertable) {
  return wait_objects(1, &h, false, timeout, alertable != FALSE);
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD timeout) {
  return wait_objects(1, &h, false, timeout);
}

DWORD WINAPI SleepEx(DWORD ms, BOOL alertable) {
  if (alertable) { // sleeps on the thread's APC word alone
    auto apc = current_apc_queue();
    WaitWord *w = &apc->word;
    const uint64_t deadline = ms == INFINITE ? 0 : monotonic_ns() + uint64_t{ms} * 1000000u;
    w->waiters.fetch_add(1, std::memory_order_seq_cst);
    DWORD result = 0;
    for (;;) {
      uint32_t seen = w->seq.load(std::memory_order_seq_cst);
      if (apc->run_all()) {
        result = WAIT_IO_COMPLETION;
        break;
      }
      if (deadline && monotonic_ns() >= deadline)
        break;
      if (ms == 0) {
        ::sched_yield();
        break;
      }
      sleep_on(&w, &seen, 1, deadline);
    }
    w->waiters.fetch_sub(1, std::memory_order_seq_cst);
    return result;
  }
  if (ms == 0) {
    ::sched_yield(); // Sleep(0): give up the rest of the time slice
    return 0;
  }
  if (ms == INFINITE)
    for (;;)
      ::pause();
  timespec until = to_timespec(monotonic_ns() + uint64_t{ms} * 1000000u);
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
  return 0;
}

void WINAPI Sleep(DWORD ms) { SleepEx(ms, FALSE); }

ULONGLONG WINAPI GetTickCount64(void) { return monotonic_ns() / 1000000u; }

DWORD WINAPI GetTickCount(void) { return static_cast<DWORD>(GetTickCount64()); }

BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *freq) {
  if (!freq)
    return fail(ERROR_NOACCESS);
  freq->QuadPart = 1000000000; // the counter counts nanoseconds
  return TRUE;
}

BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *count) {
  if (!count)
    return fail(ERROR_NOACCESS);
  count->QuadPart = static_cast<LONGLONG>(monotonic_ns());
  return TRUE;
}

} // extern "C"
