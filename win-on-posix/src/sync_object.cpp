// What events, mutexes and semaphores share: their shared page, named and unnamed
// creation, the per-process registry of named objects, inheritance, identities.
#include "sync_object.hpp"

#include "named_object.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <signal.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace wop {

void sync_lock(SharedSync *s) {
  if (::pthread_mutex_lock(&s->lock) == EOWNERDEAD)
    ::pthread_mutex_consistent(&s->lock); // updates are single stores: the state is whole
}

void sync_unlock(SharedSync *s) { ::pthread_mutex_unlock(&s->lock); }

SyncSegment::~SyncSegment() {
  ::munmap(page_, kSyncPageSize);
  if (named())
    named_release(fd_, path_);
  else
    ::close(fd_);
}

int SyncObject::spawn_fd(std::vector<int> &temps) const {
  if (!seg_->named())
    return seg_->fd();
  // The child gets its own locked descriptor: it holds the name from the moment it exists.
  int fd = named_reopen(seg_->fd());
  if (fd >= 0)
    temps.push_back(fd);
  return fd;
}

ObjectPtr make_sync_object(SyncSegmentPtr seg) {
  switch (seg->page()->type) {
  case SyncType::Event: return make_event_object(std::move(seg));
  case SyncType::Mutex: return make_mutex_object(std::move(seg));
  case SyncType::Semaphore: return make_semaphore_object(std::move(seg));
  }
  return nullptr;
}

DWORD map_generic_access(DWORD access, DWORD read, DWORD write, DWORD execute, DWORD all) {
  DWORD out = access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
  if (access & GENERIC_READ)
    out |= read;
  if (access & GENERIC_WRITE)
    out |= write;
  if (access & GENERIC_EXECUTE)
    out |= execute;
  if (access & GENERIC_ALL)
    out |= all;
  return out;
}

pid_t current_tid() noexcept {
  thread_local pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
  return tid;
}

uint64_t process_start_time(pid_t pid) noexcept {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  // "pid (comm) state ppid ... starttime(22nd field)": comm may hold spaces and ')'.
  char *p = std::strrchr(buf, ')');
  if (!p || p[1] != ' ')
    return 0;
  p += 2;
  if (*p == 'Z' || *p == 'X')
    return 0; // dead, not yet reaped
  for (int field = 3; field < 22; ++field) {
    p = std::strchr(p, ' ');
    if (!p)
      return 0;
    ++p;
  }
  return std::strtoull(p, nullptr, 10);
}

namespace {

SharedSync *map_page(int fd) {
  struct stat st;
  if (::fstat(fd, &st) < 0 || st.st_size < static_cast<off_t>(kSyncPageSize)) {
    errno = EINVAL; // not one of ours (a short file would fault when read)
    return nullptr;
  }
  void *p = ::mmap(nullptr, kSyncPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<SharedSync *>(p);
}

uint64_t random_id() {
  uint64_t id = 0;
  while (id == 0)
    if (::getrandom(&id, sizeof id, 0) != sizeof id)
      id = monotonic_ns() ^ (static_cast<uint64_t>(::getpid()) << 40);
  return id;
}

bool init_page(int fd, SyncType t, void (*init)(SharedSync *, const void *), const void *arg) {
  if (::ftruncate(fd, kSyncPageSize) < 0)
    return fail_errno(errno);
  SharedSync *s = map_page(fd);
  if (!s)
    return fail_errno(errno);
  std::memset(static_cast<void *>(s), 0, sizeof *s);
  s->type = t;
  s->id = random_id();
  pthread_mutexattr_t a;
  ::pthread_mutexattr_init(&a);
  ::pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  ::pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  ::pthread_mutex_init(&s->lock, &a);
  ::pthread_mutexattr_destroy(&a);
  init(s, arg);
  s->magic = kSyncMagic;
  ::munmap(s, kSyncPageSize);
  return true;
}

// Named objects this process has open, by file: opening a name twice gives one object.
std::mutex g_registry_mu;
std::map<std::string, std::weak_ptr<SyncObject>> g_registry;

// The object over an opened named file (fd is taken), checked to be of type t.
std::shared_ptr<SyncObject> wrap_named(int fd, const std::string &path, SyncType t) {
  SharedSync *s = map_page(fd);
  if (!s) {
    int e = errno;
    named_release(fd, path);
    fail_errno(e);
    return nullptr;
  }
  auto seg = std::make_shared<SyncSegment>(fd, s, path);
  if (s->magic != kSyncMagic || s->type != t) {
    fail(ERROR_INVALID_HANDLE); // the name belongs to an object of another type
    return nullptr;
  }
  auto obj = std::static_pointer_cast<SyncObject>(make_sync_object(seg));
  g_registry[path] = obj;
  return obj;
}

std::shared_ptr<SyncObject> named_sync(SyncType t, const std::string &name, bool create,
                                       void (*init)(SharedSync *, const void *),
                                       const void *arg, bool *existed) {
  std::lock_guard lock(g_registry_mu);
  auto nf = named_open(name, create, [&](int fd) { return init_page(fd, t, init, arg); });
  if (!nf)
    return nullptr;
  if (existed)
    *existed = !nf->created;
  // Already open here: share the object (and drop the extra descriptor).
  if (auto it = g_registry.find(nf->path); it != g_registry.end()) {
    if (auto obj = it->second.lock()) {
      named_release(nf->fd, nf->path);
      if (obj->state()->type != t) {
        fail(ERROR_INVALID_HANDLE); // the name belongs to an object of another type
        return nullptr;
      }
      return obj;
    }
    g_registry.erase(it);
  }
  return wrap_named(nf->fd, nf->path, t);
}

} // namespace

std::shared_ptr<SyncObject> sync_create(SyncType t, const ObjectName &name,
                                        void (*init)(SharedSync *, const void *),
                                        const void *arg, bool *existed) {
  *existed = false;
  if (name.present && !name.utf8.empty())
    return named_sync(t, name.utf8, true, init, arg, existed);
  int fd = ::memfd_create("win-on-posix-sync", MFD_CLOEXEC);
  if (fd < 0) {
    fail_errno(errno);
    return nullptr;
  }
  SharedSync *s = init_page(fd, t, init, arg) ? map_page(fd) : nullptr;
  if (!s) {
    DWORD e = GetLastError();
    ::close(fd);
    fail(e);
    return nullptr;
  }
  return std::static_pointer_cast<SyncObject>(
      make_sync_object(std::make_shared<SyncSegment>(fd, s, std::string())));
}

HANDLE sync_open_handle(SyncType t, const ObjectName &name, DWORD access, BOOL inherit) {
  if (!openable_name(name))
    return nullptr;
  auto obj = named_sync(t, name.utf8, false, nullptr, nullptr, nullptr);
  return obj ? handle_insert(obj, access, inherit ? HANDLE_FLAG_INHERIT : 0) : nullptr;
}

ObjectPtr sync_adopt(int fd) {
  std::string path;
  if ((fd = named_adopt(fd, &path)) < 0)
    return nullptr;
  std::lock_guard lock(g_registry_mu);
  SharedSync *s = map_page(fd);
  if (!s || s->magic != kSyncMagic) {
    if (s)
      ::munmap(s, kSyncPageSize);
    if (path.empty())
      ::close(fd);
    else
      named_release(fd, path);
    return nullptr;
  }
  auto obj = std::static_pointer_cast<SyncObject>(
      make_sync_object(std::make_shared<SyncSegment>(fd, s, path)));
  if (!path.empty())
    g_registry[path] = obj;
  return obj;
}

HANDLE sync_handle(const std::shared_ptr<SyncObject> &obj, bool existed, DWORD access,
                   const SECURITY_ATTRIBUTES *sa) {
  if (!obj)
    return nullptr;
  HANDLE h = handle_insert(obj, access, inherit_flags(sa));
  if (h)
    SetLastError(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
  return h;
}

} // namespace wop
