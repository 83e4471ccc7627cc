// Events, mutexes and semaphores share one representation: a page of shared memory (a
// memfd when unnamed, a file in the per-user runtime directory when named) holding the
// object's state, a robust process-shared lock and its WaitWord. Handles in several
// processes (named, or inherited) map the same page, so the state and the wake-ups are
// shared; the kernel frees the page with the last descriptor, so a killed process leaks
// nothing.
#pragma once

#include "named_object.hpp"
#include "object.hpp"

#include <pthread.h>
#include <string>

namespace wop {

enum class SyncType : uint32_t { Event = 1, Mutex = 2, Semaphore = 3 };

struct SharedSync {
  uint32_t magic;
  SyncType type;
  uint64_t id; // unique, random: the wait-all lock order
  pthread_mutex_t lock; // robust: a process dying inside never blocks the others
  WaitWord word;
  // event
  uint32_t manual_reset;
  uint32_t signalled;
  uint32_t pulse_gen; // PulseEvent: waiters that began before a pulse see it
  uint32_t pulse_left; // auto-reset PulseEvent: one such waiter may still take it
  // mutex: owner thread (Linux tid, unique system-wide) and its process's identity
  pid_t owner_tid;
  pid_t owner_pid;
  uint64_t owner_start; // the owner process's start time, so a reused pid is not it
  uint32_t recursion;
  uint32_t abandoned;
  // semaphore
  int32_t count;
  int32_t maximum;
};
constexpr uint32_t kSyncMagic = 0x53504F57; // "WOPS"
constexpr size_t kSyncPageSize = 4096;
static_assert(sizeof(SharedSync) <= kSyncPageSize);

// The mapping of one object's page in this process. Named segments hold a shared flock on
// their file while mapped; the last process to let go removes the name (named_object.cpp).
class SyncSegment {
public:
  SyncSegment(int fd, SharedSync *page, std::string path)
      : fd_(fd), page_(page), path_(std::move(path)) {}
  ~SyncSegment();
  SyncSegment(const SyncSegment &) = delete;
  SyncSegment &operator=(const SyncSegment &) = delete;
  SharedSync *operator->() const { return page_; }
  SharedSync *page() const { return page_; }
  int fd() const { return fd_; }
  bool named() const { return !path_.empty(); }
  const std::string &path() const { return path_; }

private:
  int fd_;
  SharedSync *page_;
  std::string path_; // the name's file; empty when unnamed
};
using SyncSegmentPtr = std::shared_ptr<SyncSegment>;

// Locks the page's robust lock (recovering it if its holder died).
void sync_lock(SharedSync *s);
void sync_unlock(SharedSync *s);

// The object over a segment: the wait hooks shared by all three types, the type-specific
// ones in event.cpp / mutex.cpp / semaphore.cpp.
class SyncObject : public Object {
public:
  explicit SyncObject(SyncSegmentPtr seg) : seg_(std::move(seg)) {}
  WaitWord *wait_word() override { return &seg_->page()->word; }
  uint64_t wait_order() const override { return seg_->page()->id; }
  void wait_lock() override { sync_lock(seg_->page()); }
  void wait_unlock() override { sync_unlock(seg_->page()); }
  int inherit_fd() const override { return seg_->fd(); }
  char inherit_kind() const override { return 's'; }
  int spawn_fd(std::vector<int> &temps) const override;
  SharedSync *state() const { return seg_->page(); }
  const SyncSegmentPtr &segment() const { return seg_; }

protected:
  SyncSegmentPtr seg_;
};

ObjectPtr make_event_object(SyncSegmentPtr seg);
ObjectPtr make_mutex_object(SyncSegmentPtr seg);
ObjectPtr make_semaphore_object(SyncSegmentPtr seg);
ObjectPtr make_sync_object(SyncSegmentPtr seg);

// Creates an object of type t, or opens the existing named one: the segment's page is
// initialised by init (only when created). existed says which; nullptr with the last
// error set on failure (ERROR_INVALID_HANDLE when the name is another type's).
std::shared_ptr<SyncObject> sync_create(SyncType t, const ObjectName &name,
                                        void (*init)(SharedSync *, const void *),
                                        const void *arg, bool *existed);
// OpenEvent/OpenMutex/OpenSemaphore: a handle to the existing named object of type t with
// the (already mapped) access; NULL with ERROR_FILE_NOT_FOUND if there is none.
HANDLE sync_open_handle(SyncType t, const ObjectName &name, DWORD access, BOOL inherit);
// Rebuilds an inherited object from its descriptor (inherit.cpp).
ObjectPtr sync_adopt(int fd);

// Hands out a handle to a freshly created/opened object: last error ERROR_ALREADY_EXISTS
// or 0 as Windows sets it; access is what the handle grants.
HANDLE sync_handle(const std::shared_ptr<SyncObject> &obj, bool existed, DWORD access,
                   const SECURITY_ATTRIBUTES *sa);

// Generic rights (GENERIC_READ...) mapped to a type's specific ones, as Windows does.
DWORD map_generic_access(DWORD access, DWORD read, DWORD write, DWORD execute, DWORD all);

// Mutexes the current thread owns (thread.cpp keeps the list per thread): when the thread
// ends they are abandoned (mutex.cpp), so the next waiter gets WAIT_ABANDONED.
void thread_track_mutex(const SyncSegmentPtr &seg);
void thread_untrack_mutex(const SyncSegment *seg);
void abandon_mutexes(std::vector<std::weak_ptr<SyncSegment>> &owned);

// Current thread identity, as stored in mutex owners.
pid_t current_tid() noexcept;
uint64_t process_start_time(pid_t pid) noexcept; // 0 if the process is gone or a zombie

} // namespace wop
