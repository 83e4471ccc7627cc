// Mutexes: CreateMutex(Ex), OpenMutex, ReleaseMutex; recursive ownership by a thread, and
// abandonment when the owning thread or process ends without releasing.
//
// A thread that ends releases its mutexes as abandoned (thread.cpp calls abandon_mutexes).
// A process that is killed runs nothing, so its waiters find out themselves: a waiter
// checks that the owner still lives (pid and start time, so a reused pid is not taken for
// it) and, before sleeping, asks the monitor thread to wake it when the owner's pidfd says
// the process ended.
#include "sync_object.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace wop {

namespace {

uint64_t self_start_time() {
  static uint64_t t = process_start_time(::getpid());
  return t;
}

bool owned_by_me(const SharedSync *s) {
  return s->owner_tid == current_tid() && s->owner_pid == ::getpid();
}

bool owner_alive(const SharedSync *s) {
  if (s->owner_pid == ::getpid())
    return ::syscall(SYS_tgkill, s->owner_pid, s->owner_tid, 0) == 0 || errno != ESRCH;
  uint64_t start = process_start_time(s->owner_pid);
  return start != 0 && start == s->owner_start;
}

// Under the lock: the owner is gone, the mutex is free and marked abandoned.
void mark_abandoned(SharedSync *s) {
  s->owner_tid = 0;
  s->owner_pid = 0;
  s->owner_start = 0;
  s->recursion = 0;
  s->abandoned = 1;
}

void take(SharedSync *s) {
  s->owner_tid = current_tid();
  s->owner_pid = ::getpid();
  s->owner_start = self_start_time();
  s->recursion = 1;
  s->abandoned = 0;
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

class MutexObject final : public SyncObject {
public:
  using SyncObject::SyncObject;
  ObjectKind kind() const noexcept override { return ObjectKind::Mutex; }

  WaitCheck wait_check(WaitToken &t) override {
    SharedSync *s = state();
    if (s->owner_tid == 0)
      return s->abandoned ? WaitCheck::Abandoned : WaitCheck::Ready;
    if (owned_by_me(s))
      return WaitCheck::Ready;
    if (!owner_alive(s)) {
      mark_abandoned(s);
      return WaitCheck::Abandoned;
    }
    t.owner_pid = s->owner_pid;
    t.owner_tid = s->owner_tid;
    t.owner_start = s->owner_start;
    return WaitCheck::NotReady;
  }

  void wait_acquire(WaitToken &) override {
    SharedSync *s = state();
    if (owned_by_me(s)) {
      ++s->recursion;
      return;
    }
    take(s);
    thread_track_mutex(seg_);
  }

  void wait_prepare_sleep(WaitToken &t) override {
    if (t.owner_pid == 0 || t.owner_pid == ::getpid())
      return; // a thread of ours abandons its mutexes itself when it ends
    std::weak_ptr<SyncSegment> weak = seg_;
    auto wake = [weak] {
      if (auto seg = weak.lock())
        seg->page()->word.notify();
    };
    int fd = pidfd_open(t.owner_pid);
    if (fd < 0 || process_start_time(t.owner_pid) != t.owner_start) {
      if (fd >= 0)
        ::close(fd);
      wake(); // already gone: look again at once
      return;
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    // One watch per (mutex, owner process) however many threads wait.
    uint64_t key = state()->id ^ (static_cast<uint64_t>(t.owner_pid) * 0x9E3779B97F4A7C15ull) ^
                   t.owner_start;
    monitor_watch(fd, key ? key : 1, wake);
  }
};

struct MutexInit {
  bool owned;
};

void init_mutex(SharedSync *s, const void *arg) {
  if (static_cast<const MutexInit *>(arg)->owned)
    take(s);
}

DWORD mutex_access(DWORD access) {
  return map_generic_access(access, READ_CONTROL | MUTANT_QUERY_STATE, READ_CONTROL,
                            SYNCHRONIZE, MUTEX_ALL_ACCESS);
}

HANDLE create_mutex(LPSECURITY_ATTRIBUTES sa, const ObjectName &name, bool owned,
                    DWORD access) {
  MutexInit init{owned};
  bool existed = false;
  auto obj = sync_create(SyncType::Mutex, name, init_mutex, &init, &existed);
  if (obj && owned && !existed)
    thread_track_mutex(obj->segment());
  return sync_handle(obj, existed, mutex_access(access), sa);
}

HANDLE create_mutex_ex(LPSECURITY_ATTRIBUTES sa, const ObjectName &name, DWORD flags,
                       DWORD access) {
  if (flags & ~DWORD{CREATE_MUTEX_INITIAL_OWNER}) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  return create_mutex(sa, name, flags & CREATE_MUTEX_INITIAL_OWNER, access);
}

} // namespace

ObjectPtr make_mutex_object(SyncSegmentPtr seg) {
  return std::make_shared<MutexObject>(std::move(seg));
}

void abandon_mutexes(std::vector<std::weak_ptr<SyncSegment>> &owned) {
  for (auto &weak : owned) {
    auto seg = weak.lock();
    if (!seg)
      continue;
    SharedSync *s = seg->page();
    sync_lock(s);
    bool mine = owned_by_me(s);
    if (mine)
      mark_abandoned(s);
    sync_unlock(s);
    if (mine)
      s->word.notify();
  }
  owned.clear();
}

} // namespace wop

using namespace wop;

extern "C" {

HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES sa, BOOL owned, LPCSTR name) {
  return create_mutex(sa, object_name(name), owned, MUTEX_ALL_ACCESS);
}

HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES sa, BOOL owned, LPCWSTR name) {
  return create_mutex(sa, object_name(name), owned, MUTEX_ALL_ACCESS);
}

HANDLE WINAPI CreateMutexExA(LPSECURITY_ATTRIBUTES sa, LPCSTR name, DWORD flags, DWORD access) {
  return create_mutex_ex(sa, object_name(name), flags, access);
}

HANDLE WINAPI CreateMutexExW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name, DWORD flags, DWORD access) {
  return create_mutex_ex(sa, object_name(name), flags, access);
}

HANDLE WINAPI OpenMutexA(DWORD access, BOOL inherit, LPCSTR name) {
  return sync_open_handle(SyncType::Mutex, object_name(name), mutex_access(access), inherit);
}

HANDLE WINAPI OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name) {
  return sync_open_handle(SyncType::Mutex, object_name(name), mutex_access(access), inherit);
}

BOOL WINAPI ReleaseMutex(HANDLE h) {
  auto m = handle_object<MutexObject>(h);
  if (!m)
    return FALSE;
  SharedSync *s = m->state();
  sync_lock(s);
  if (!owned_by_me(s)) {
    sync_unlock(s);
    return fail(ERROR_NOT_OWNER);
  }
  bool freed = --s->recursion == 0;
  if (freed) {
    s->owner_tid = 0;
    s->owner_pid = 0;
    s->owner_start = 0;
  }
  sync_unlock(s);
  if (freed) {
    thread_untrack_mutex(m->segment().get());
    s->word.notify();
  }
  return TRUE;
}

} // extern "C"
