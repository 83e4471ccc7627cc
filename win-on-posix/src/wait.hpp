// The wait engine's internal interface: what every waitable object provides (object.hpp
// declares the hooks), and the futex word waiters sleep on.
#pragma once

#include <windows.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <sys/types.h>

namespace wop {

// A waitable object's notification word. Whoever changes the object so that a waiter may
// now be satisfied bumps seq and wakes; a waiter reads seq before checking the object and
// sleeps only while seq still has that value, so no change is missed. waiters counts the
// threads that may sleep on it, so an uncontended SetEvent makes no system call. Works
// across processes when it lives in shared memory (no FUTEX_PRIVATE_FLAG anywhere).
struct WaitWord {
  std::atomic<uint32_t> seq{0};
  std::atomic<uint32_t> waiters{0};
  // After the change is visible: bump and wake every sleeper.
  void notify() noexcept;
};
static_assert(std::atomic<uint32_t>::is_always_lock_free, "futex words must be plain words");
static_assert(sizeof(WaitWord) == 8, "WaitWord lives in shared memory");

enum class WaitCheck { NotReady, Ready, Abandoned };

// Per (waiter, object) state an object may keep across the checks of one wait.
struct WaitToken {
  uint32_t pulse_gen = 0;   // events: PulseEvent generation when the wait began
  pid_t owner_pid = 0;      // mutexes: the owner seen last, to watch for its death
  pid_t owner_tid = 0;
  uint64_t owner_start = 0;
};

// Monotonic clock in milliseconds / nanoseconds (wait.cpp).
uint64_t monotonic_ns() noexcept;

// Runs on_ready once on the monitor thread when fd polls readable; takes ownership of fd.
// The monitor thread starts on first use (monitor.cpp). key != 0 de-duplicates watches:
// a second watch with a key still pending is dropped (and its fd closed).
void monitor_watch(int fd, uint64_t key, std::function<void()> on_ready);


// Watches fd for the given epoll events (EPOLLIN, EPOLLOUT, EPOLLRDHUP...), one-shot, on
// the monitor thread; fd is duplicated, the caller keeps its own. Returns an id for
// monitor_unwatch, which removes a watch that has not fired (true) so its callback never
// runs; false if it already ran or is running.
uint64_t monitor_watch_events(int fd, uint32_t events, std::function<void()> on_ready);
bool monitor_unwatch(uint64_t id);

// A thread's queue of asynchronous procedure calls (QueueUserAPC, ReadFileEx/WriteFileEx
// completion routines). They run only in the thread's alertable waits (SleepEx,
// WaitFor...Ex, GetOverlappedResultEx with bAlertable), which then return
// WAIT_IO_COMPLETION. word is bumped on every push so an alertable sleeper wakes.
struct ApcQueue {
  std::mutex mu;
  std::deque<std::function<void()>> calls;
  WaitWord word;
  void push(std::function<void()> fn);
  // Runs every queued call (and those they queue); true if any ran.
  bool run_all();
};
// The calling thread's queue, created on first use.
std::shared_ptr<ApcQueue> current_apc_queue();
// A new thread adopts the queue CreateThread made for it (APCs may be queued before it runs).
void set_current_apc_queue(std::shared_ptr<ApcQueue> q);

// A persistent watch on the same thread (Winsock's reactor): on_events(epoll events) runs at
// every report for fd (events holds EPOLLET etc. as epoll_ctl takes them) until
// monitor_unwatch_persistent. The caller keeps fd open until monitor_unwatch_persistent returns; a callback may
// still be running then, so it must hold only weak references. Returns 0 (errno set) if
// fd cannot be watched.
uint64_t monitor_watch_persistent(int fd, uint32_t events,
                                  std::function<void(uint32_t)> on_events);
void monitor_unwatch_persistent(uint64_t id, int fd);

} // namespace wop
