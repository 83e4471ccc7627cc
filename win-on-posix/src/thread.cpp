// Threads: CreateThread (pthreads underneath), ExitThread, GetExitCodeThread, ResumeThread,
// GetCurrentThread(Id), GetThreadId; and the per-thread record of owned mutexes, which a
// thread abandons when it ends however it ends (return, ExitThread, pthread_exit).
#include "sync_object.hpp"

#include <algorithm>
#include <atomic>
#include <climits>
#include <pthread.h>
#include <unistd.h>

namespace wop {

// A thread handle's state: signalled (done) when the thread has ended.
struct ThreadState {
  WaitWord word;
  std::atomic<uint32_t> tid{0};
  std::atomic<uint32_t> suspend{0}; // CREATE_SUSPENDED: the thread waits until it is 0
  std::atomic<bool> done{false};
  std::atomic<DWORD> exit_code{STILL_ACTIVE};
  std::shared_ptr<ApcQueue> apc; // the thread's APC queue (QueueUserAPC)

  void finish(DWORD code) {
    exit_code.store(code);
    done.store(true);
    word.notify();
  }
};

namespace {

class ThreadObject final : public Object {
public:
  explicit ThreadObject(std::shared_ptr<ThreadState> s) : state(std::move(s)) {}
  ObjectKind kind() const noexcept override { return ObjectKind::Thread; }
  WaitWord *wait_word() override { return &state->word; }
  WaitCheck wait_check(WaitToken &) override {
    return state->done.load() ? WaitCheck::Ready : WaitCheck::NotReady;
  }
  std::shared_ptr<ThreadState> state;
};

// What ends with the thread: its mutexes are abandoned first, then its handle signalled.
struct ThreadSelf {
  std::shared_ptr<ThreadState> state; // threads made by CreateThread
  DWORD exit_code = 0;
  std::vector<std::weak_ptr<SyncSegment>> owned_mutexes;
  ~ThreadSelf() {
    abandon_mutexes(owned_mutexes);
    if (state)
      state->finish(exit_code);
  }
};
thread_local ThreadSelf t_self;

struct StartArgs {
  LPTHREAD_START_ROUTINE fn;
  void *param;
  std::shared_ptr<ThreadState> state;
};

void *trampoline(void *p) {
  std::unique_ptr<StartArgs> a(static_cast<StartArgs *>(p));
  t_self.state = a->state;
  set_current_apc_queue(a->state->apc);
  a->state->tid.store(static_cast<uint32_t>(current_tid()));
  a->state->tid.notify_all();
  for (uint32_t s; (s = a->state->suspend.load()) != 0;)
    a->state->suspend.wait(s);
  t_self.exit_code = a->fn(a->param);
  return nullptr;
}

const HANDLE kCurrentThread = reinterpret_cast<HANDLE>(-2);

} // namespace

ObjectPtr current_thread_object() {
  if (!t_self.state) { // a thread CreateThread did not make: its state starts now
    t_self.state = std::make_shared<ThreadState>();
    t_self.state->tid.store(static_cast<uint32_t>(current_tid()));
    t_self.state->apc = current_apc_queue();
  }
  return std::make_shared<ThreadObject>(t_self.state);
}

void thread_track_mutex(const SyncSegmentPtr &seg) { t_self.owned_mutexes.push_back(seg); }

void thread_untrack_mutex(const SyncSegment *seg) {
  std::erase_if(t_self.owned_mutexes, [seg](const std::weak_ptr<SyncSegment> &w) {
    auto p = w.lock();
    return !p || p.get() == seg;
  });
}

// The exit code of a CreateProcess primary-thread handle (process.cpp).
bool primary_thread_exit_code(const ObjectPtr &obj, DWORD *code);
DWORD primary_thread_id(const ObjectPtr &obj); // 0 if obj is not one

} // namespace wop

using namespace wop;

extern "C" {

HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES sa, SIZE_T stack_size,
                           LPTHREAD_START_ROUTINE start, LPVOID param, DWORD flags,
                           LPDWORD thread_id) {
  if (!start) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  auto state = std::make_shared<ThreadState>();
  state->apc = std::make_shared<ApcQueue>();
  if (flags & CREATE_SUSPENDED)
    state->suspend.store(1);
  pthread_attr_t attr;
  ::pthread_attr_init(&attr);
  ::pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (stack_size) {
    size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    size_t size = std::max<size_t>(stack_size, PTHREAD_STACK_MIN);
    ::pthread_attr_setstacksize(&attr, (size + page - 1) / page * page);
  }
  auto *args = new StartArgs{start, param, state};
  pthread_t t;
  int err = ::pthread_create(&t, &attr, trampoline, args);
  ::pthread_attr_destroy(&attr);
  if (err != 0) {
    delete args;
    SetLastError(err == EAGAIN ? ERROR_NOT_ENOUGH_MEMORY : win32_error_from_errno(err));
    return nullptr;
  }
  // The id is the new thread's Linux tid, which only it can tell: wait for it.
  for (uint32_t id; (id = state->tid.load()) == 0;)
    state->tid.wait(0);
  HANDLE h = handle_insert(std::make_shared<ThreadObject>(state), THREAD_ALL_ACCESS,
                           inherit_flags(sa));
  if (h && thread_id)
    *thread_id = state->tid.load();
  return h;
}

void WINAPI ExitThread(DWORD code) {
  t_self.exit_code = code;
  ::pthread_exit(nullptr); // unwinds; ThreadSelf's destructor publishes the code
}

BOOL WINAPI GetExitCodeThread(HANDLE h, LPDWORD code) {
  if (!code)
    return fail(ERROR_INVALID_PARAMETER);
  if (h == kCurrentThread) {
    *code = STILL_ACTIVE;
    return TRUE;
  }
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  if (auto t = std::dynamic_pointer_cast<ThreadObject>(e->object)) {
    *code = t->state->exit_code.load();
    return TRUE;
  }
  return primary_thread_exit_code(e->object, code);
}

DWORD WINAPI ResumeThread(HANDLE h) {
  if (h == kCurrentThread)
    return 0;
  auto e = handle_lookup(h);
  if (!e)
    return static_cast<DWORD>(-1);
  if (auto t = std::dynamic_pointer_cast<ThreadObject>(e->object)) {
    uint32_t prev = t->state->suspend.load();
    while (prev > 0 && !t->state->suspend.compare_exchange_weak(prev, prev - 1)) {
    }
    if (prev == 1)
      t->state->suspend.notify_all();
    return prev;
  }
  if (e->object->kind() == ObjectKind::Thread)
    return 0; // a CreateProcess primary thread: never suspended
  SetLastError(ERROR_INVALID_HANDLE);
  return static_cast<DWORD>(-1);
}

HANDLE WINAPI GetCurrentThread(void) { return kCurrentThread; }

DWORD WINAPI GetCurrentThreadId(void) { return static_cast<DWORD>(current_tid()); }

DWORD WINAPI QueueUserAPC(PAPCFUNC fn, HANDLE h, ULONG_PTR data) {
  if (!fn)
    return fail(ERROR_INVALID_PARAMETER);
  std::shared_ptr<ApcQueue> q;
  if (h == kCurrentThread) {
    q = current_apc_queue();
  } else {
    auto e = handle_lookup(h);
    if (!e)
      return FALSE;
    auto t = std::dynamic_pointer_cast<ThreadObject>(e->object);
    if (!t || !t->state->apc) // a process's primary thread in another process: not reachable
      return fail(ERROR_INVALID_HANDLE);
    if (!(e->access & THREAD_SET_CONTEXT))
      return fail(ERROR_ACCESS_DENIED);
    if (t->state->done.load())
      return fail(ERROR_GEN_FAILURE);
    q = t->state->apc;
  }
  q->push([fn, data] { fn(data); });
  return TRUE;
}

DWORD WINAPI GetThreadId(HANDLE h) {
  if (h == kCurrentThread)
    return GetCurrentThreadId();
  auto e = handle_lookup(h);
  if (!e)
    return 0;
  if (auto t = std::dynamic_pointer_cast<ThreadObject>(e->object))
    return t->state->tid.load();
  if (DWORD id = primary_thread_id(e->object))
    return id;
  SetLastError(ERROR_INVALID_HANDLE);
  return 0;
}

} // extern "C"
