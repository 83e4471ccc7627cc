// The monitor thread: turns descriptor readiness (a child's pidfd, the pidfd of a process
// owning a mutex we wait for) into WaitWord notifications, so the wait engine sleeps on
// futex words alone. Started on first use; holds no lock while a callback runs.
#include "wait.hpp"

#include <cerrno>
#include <fcntl.h>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sys/epoll.h>
#include <thread>
#include <unistd.h>

namespace wop {

namespace {

class Monitor {
public:
  void watch(int fd, uint64_t key, std::function<void()> on_ready) {
    std::unique_lock lock(mu_);
    if (key && keys_.count(key)) {
      lock.unlock();
      ::close(fd);
      return;
    }
    if (epfd_ < 0) {
      epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
      if (epfd_ < 0) {
        lock.unlock();
        ::close(fd);
        return;
      }
      std::thread([this] { run(); }).detach();
    }
    uint64_t id = ++next_id_;
    watches_[id] = Watch{fd, key, std::move(on_ready)};
    if (key)
      keys_.insert(key);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = id;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
      Watch w = std::move(watches_[id]);
      watches_.erase(id);
      if (key)
        keys_.erase(key);
      lock.unlock();
      ::close(fd);
      w.on_ready(); // cannot watch it: let the waiter look again rather than sleep blind
    }
  }

  // The same for a duplicate of fd and any epoll events; returns the watch's id (0 if it
  // could not be made: the callback has then run at once).
  uint64_t watch_events(int fd, uint32_t events, std::function<void()> on_ready) {
    int d = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    std::unique_lock lock(mu_);
    if (d >= 0 && epfd_ < 0) {
      epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
      if (epfd_ >= 0)
        std::thread([this] { run(); }).detach();
    }
    uint64_t id = ++next_id_;
    epoll_event ev{};
    ev.events = events | EPOLLONESHOT;
    ev.data.u64 = id;
    if (d < 0 || epfd_ < 0 || ::epoll_ctl(epfd_, EPOLL_CTL_ADD, d, &ev) < 0) {
      lock.unlock();
      if (d >= 0)
        ::close(d);
      on_ready(); // cannot watch: let the caller look again rather than wait blind
      return 0;
    }
    watches_[id] = Watch{d, 0, std::move(on_ready)};
    return id;
  }

  bool unwatch(uint64_t id) {
    Watch w; // destroyed after the lock is released: its callback may own objects
    {
      std::lock_guard lock(mu_);
      auto it = watches_.find(id);
      if (it == watches_.end())
        return false;
      w = std::move(it->second);
      watches_.erase(it);
      ::epoll_ctl(epfd_, EPOLL_CTL_DEL, w.fd, nullptr);
    }
    ::close(w.fd);
    return true;
  }

  // Persistent watches (Winsock's reactor): the callback gets the epoll events at every
  // report until unwatch_persistent; the caller owns fd.
  uint64_t watch_persistent(int fd, uint32_t events, std::function<void(uint32_t)> fn) {
    std::lock_guard lock(mu_);
    if (epfd_ < 0) {
      epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
      if (epfd_ < 0)
        return 0;
      std::thread([this] { run(); }).detach();
    }
    uint64_t id = ++next_id_;
    persistent_[id] = std::make_shared<std::function<void(uint32_t)>>(std::move(fn));
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
      persistent_.erase(id);
      return 0;
    }
    return id;
  }

  void unwatch_persistent(uint64_t id, int fd) {
    std::lock_guard lock(mu_);
    if (persistent_.erase(id) && epfd_ >= 0)
      ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  }

private:
  struct Watch {
    int fd = -1;
    uint64_t key = 0;
    std::function<void()> on_ready;
  };

  void run() {
    epoll_event evs[16];
    for (;;) {
      int n = ::epoll_wait(epfd_, evs, 16, -1);
      if (n < 0 && errno != EINTR)
        return;
      for (int i = 0; i < n; ++i) {
        Watch w;
        {
          std::unique_lock lock(mu_);
          auto pit = persistent_.find(evs[i].data.u64);
          if (pit != persistent_.end()) {
            auto fn = pit->second; // runs unlocked; unwatch may drop the entry meanwhile
            lock.unlock();
            (*fn)(evs[i].events);
            continue;
          }
          auto it = watches_.find(evs[i].data.u64);
          if (it == watches_.end())
            continue;
          w = std::move(it->second);
          watches_.erase(it);
          if (w.key)
            keys_.erase(w.key);
          ::epoll_ctl(epfd_, EPOLL_CTL_DEL, w.fd, nullptr);
        }
        ::close(w.fd);
        w.on_ready();
      }
    }
  }

  std::mutex mu_;
  int epfd_ = -1;
  uint64_t next_id_ = 0;
  std::map<uint64_t, Watch> watches_;
  std::set<uint64_t> keys_;
  std::map<uint64_t, std::shared_ptr<std::function<void(uint32_t)>>> persistent_;
};

Monitor &monitor() {
  static Monitor *m = new Monitor; // never destroyed: its thread outlives static destructors
  return *m;
}

} // namespace

void monitor_watch(int fd, uint64_t key, std::function<void()> on_ready) {
  monitor().watch(fd, key, std::move(on_ready));
}

uint64_t monitor_watch_events(int fd, uint32_t events, std::function<void()> on_ready) {
  return monitor().watch_events(fd, events, std::move(on_ready));
}

bool monitor_unwatch(uint64_t id) { return id != 0 && monitor().unwatch(id); }

uint64_t monitor_watch_persistent(int fd, uint32_t events,
                                  std::function<void(uint32_t)> on_events) {
  return monitor().watch_persistent(fd, events, std::move(on_events));
}

void monitor_unwatch_persistent(uint64_t id, int fd) { monitor().unwatch_persistent(id, fd); }

} // namespace wop
