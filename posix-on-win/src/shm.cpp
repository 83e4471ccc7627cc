// System V shared memory on the object store (sysv_store.hpp). A segment's pages are its
// object file in the store directory, mapped with a file-backed section: the file keeps
// the data while no process has it attached, so a segment outlives every process until
// IPC_RMID. An attachment is a view plus the process's record in the store (its count of
// attachments); shm_nattch is the sum over live processes' records, so a process that exits
// or is killed stops counting as soon as anyone next looks.
#include "fd.hpp"
#include "sysv_store.hpp"

#include <pow/shm.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace posix_on_win {
namespace {

using namespace sysv;

constexpr unsigned long long kShmMax = ~0ULL - (1ULL << 24); // Linux's defaults
constexpr unsigned long long kShmAll = ~0ULL - (1ULL << 24);
constexpr unsigned long long kPage = 4096;

struct ShmData {
  uint64_t segsz;
  int64_t atime, dtime;
  int64_t cpid, lpid;
};

// This process's attachments, by address (shmdt takes only the address).
struct Attachment {
  int index;
  uint64_t cookie;
};
std::mutex g_mu;
std::map<uintptr_t, Attachment> g_attached;

void on_reap(Entry &e, const ProcRecord &r) {
  // The process is gone: as if it had detached everything when it died.
  ShmData &d = kind_data<ShmData>(e);
  d.lpid = r.pid;
  d.dtime = now();
}
const KindOps kShmOps{on_reap, nullptr};
const bool kRegistered = (register_kind(Kind::Shm, &kShmOps), true);

void *fail_ptr(int e) {
  errno = e;
  return reinterpret_cast<void *>(-1);
}

void fill_stat(Entry &e, int index, struct shmid_ds *buf) {
  ShmData &d = kind_data<ShmData>(e);
  *buf = shmid_ds{};
  buf->shm_perm.__key = e.key;
  buf->shm_perm.uid = e.uid;
  buf->shm_perm.gid = e.gid;
  buf->shm_perm.cuid = e.cuid;
  buf->shm_perm.cgid = e.cgid;
  buf->shm_perm.mode = static_cast<unsigned short>(e.mode);
  buf->shm_perm.__seq = static_cast<unsigned short>(e.seq);
  buf->shm_segsz = static_cast<size_t>(d.segsz);
  buf->shm_atime = static_cast<time_t>(d.atime);
  buf->shm_dtime = static_cast<time_t>(d.dtime);
  buf->shm_ctime = static_cast<time_t>(e.ctime);
  buf->shm_cpid = static_cast<pid_t>(d.cpid);
  buf->shm_lpid = static_cast<pid_t>(d.lpid);
  buf->shm_nattch = static_cast<shmatt_t>(record_count(Kind::Shm, index));
}

unsigned long long total_pages() {
  unsigned long long pages = 0;
  for (int i = 0; i < kMaxEntries; ++i) {
    Entry &e = entry_at(Kind::Shm, i);
    if (e.state == kLive)
      pages += (kind_data<ShmData>(e).segsz + kPage - 1) / kPage;
  }
  return pages;
}

// A new segment of `size` zero bytes: its entry, then its file at full size.
int create_segment(int32_t key, size_t size, int flg) {
  if (size < 1 || size > kShmMax) {
    errno = EINVAL;
    return -1;
  }
  unsigned long long pages = (static_cast<unsigned long long>(size) + kPage - 1) / kPage;
  if (total_pages() + pages > kShmAll) {
    errno = ENOSPC;
    return -1;
  }
  int err = 0;
  int index = begin_create(Kind::Shm, key, flg & 0777, &err);
  if (index < 0) {
    errno = err;
    return -1;
  }
  Entry &e = entry_at(Kind::Shm, index);
  ShmData &d = kind_data<ShmData>(e);
  d.segsz = size;
  d.cpid = self().pid;
  HANDLE f = open_object_file(Kind::Shm, e, true, true);
  bool ok = f != INVALID_HANDLE_VALUE;
  if (ok) {
    LARGE_INTEGER li;
    li.QuadPart = static_cast<LONGLONG>(size);
    ok = SetFilePointerEx(f, li, nullptr, FILE_BEGIN) && SetEndOfFile(f);
  }
  DWORD werr = GetLastError();
  if (f != INVALID_HANDLE_VALUE)
    CloseHandle(f);
  if (!ok) {
    abandon_create(Kind::Shm, index);
    errno = (werr == ERROR_DISK_FULL || werr == ERROR_HANDLE_DISK_FULL) ? ENOSPC : ENOMEM;
    return -1;
  }
  publish(Kind::Shm, index);
  return index;
}

// Drops one attachment of this process from the store's count.
void store_detach(int index, uint64_t cookie) {
  StoreLock lock;
  if (!lock)
    return;
  Entry &e = entry_at(Kind::Shm, index);
  if (e.state != kLive || e.cookie != cookie)
    return;
  ShmData &d = kind_data<ShmData>(e);
  d.dtime = now();
  d.lpid = self().pid;
  if (ProcRecord *r = find_record(Kind::Shm, index, self())) {
    if (--r->count <= 0)
      release_record(r); // destroys a removed segment with no one left
  }
}

} // namespace
} // namespace posix_on_win

using namespace posix_on_win;
using namespace posix_on_win::sysv;

extern "C" {

int pow_shmget(key_t key, size_t size, int shmflg) {
  StoreLock lock;
  if (!lock)
    return fail_errno(lock.error());
  reap_dead();
  return get_object(
      Kind::Shm, key, shmflg,
      [&](int index) {
        // Linux: an existing segment smaller than asked is EINVAL (0 asks for any size).
        return size > kind_data<ShmData>(entry_at(Kind::Shm, index)).segsz ? EINVAL : 0;
      },
      [&](int32_t k, int flg) { return create_segment(k, size, flg); });
}

void *pow_shmat(int shmid, const void *shmaddr, int shmflg) {
  if (shmid < 0)
    return fail_ptr(EINVAL);
  uintptr_t addr = reinterpret_cast<uintptr_t>(shmaddr);
  if (addr & (SHMLBA - 1)) {
    if (!(shmflg & SHM_RND))
      return fail_ptr(EINVAL);
    addr &= ~static_cast<uintptr_t>(SHMLBA - 1);
  }
  if ((shmflg & SHM_REMAP) && addr == 0)
    return fail_ptr(EINVAL);
  bool ro = (shmflg & SHM_RDONLY) != 0;
  bool exec = (shmflg & SHM_EXEC) != 0;
  int acc = (ro ? 0444 : 0666) | (exec ? 0111 : 0);

  // SHM_REMAP over one of our own attachments: it goes first, as Linux replaces it.
  if (addr && (shmflg & SHM_REMAP)) {
    std::optional<Attachment> old;
    {
      std::lock_guard g(g_mu);
      auto it = g_attached.find(addr);
      if (it != g_attached.end()) {
        old = it->second;
        g_attached.erase(it);
      }
    }
    if (old) {
      UnmapViewOfFile(reinterpret_cast<void *>(addr));
      store_detach(old->index, old->cookie);
    }
  }

  StoreLock lock;
  if (!lock)
    return fail_ptr(lock.error());
  reap_dead();
  int index = -1, err = 0;
  Entry *e = entry_by_id(Kind::Shm, shmid, &index, &err);
  if (!e)
    return fail_ptr(err);
  if (!has_perm(*e, acc))
    return fail_ptr(EACCES);
  ShmData &d = kind_data<ShmData>(*e);
  DWORD access = GENERIC_READ | (ro ? 0 : GENERIC_WRITE) | (exec ? GENERIC_EXECUTE : 0);
  HANDLE f = CreateFileW(object_path(Kind::Shm, *e).c_str(), access,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_EXISTING, 0, nullptr);
  if (f == INVALID_HANDLE_VALUE)
    return fail_ptr(EIDRM);
  DWORD prot = exec ? (ro ? PAGE_EXECUTE_READ : PAGE_EXECUTE_READWRITE)
                    : (ro ? PAGE_READONLY : PAGE_READWRITE);
  HANDLE m = CreateFileMappingW(f, nullptr, prot, static_cast<DWORD>(d.segsz >> 32),
                                static_cast<DWORD>(d.segsz), nullptr);
  CloseHandle(f);
  if (!m)
    return fail_ptr(ENOMEM);
  // Read-only attachments are read-only views: a write faults (STATUS_ACCESS_VIOLATION,
  // which waitpid reports as SIGSEGV), as it does on Linux.
  DWORD view = (ro ? FILE_MAP_READ : FILE_MAP_WRITE) | (exec ? FILE_MAP_EXECUTE : 0);
  void *p = MapViewOfFileEx(m, view, 0, 0, static_cast<SIZE_T>(d.segsz),
                            reinterpret_cast<void *>(addr));
  CloseHandle(m);
  if (!p)
    return fail_ptr(addr ? EINVAL : ENOMEM); // Linux: an address in use is EINVAL
  ProcRecord *r = add_record(Kind::Shm, index);
  if (!r) {
    UnmapViewOfFile(p);
    return fail_ptr(ENOMEM);
  }
  ++r->count;
  d.atime = now();
  d.lpid = self().pid;
  {
    std::lock_guard g(g_mu);
    g_attached[reinterpret_cast<uintptr_t>(p)] = Attachment{index, e->cookie};
  }
  return p;
}

int pow_shmdt(const void *shmaddr) {
  Attachment a;
  {
    std::lock_guard g(g_mu);
    auto it = g_attached.find(reinterpret_cast<uintptr_t>(shmaddr));
    if (it == g_attached.end())
      return fail_errno(EINVAL);
    a = it->second;
    g_attached.erase(it);
  }
  UnmapViewOfFile(shmaddr);
  store_detach(a.index, a.cookie);
  return 0;
}

int pow_shmctl(int shmid, int cmd, struct shmid_ds *buf) {
  switch (cmd) {
  case IPC_INFO:
  case SHM_INFO:
  case SHM_STAT:
  case SHM_STAT_ANY:
  case IPC_STAT:
  case IPC_SET:
  case IPC_RMID:
  case SHM_LOCK:
  case SHM_UNLOCK:
    break;
  default:
    return fail_errno(EINVAL);
  }
  if ((cmd == IPC_INFO || cmd == SHM_INFO || cmd == IPC_SET) && !buf)
    return fail_errno(EFAULT);
  StoreLock lock;
  if (!lock)
    return fail_errno(lock.error());
  reap_dead();
  if (cmd == IPC_INFO) {
    auto *info = reinterpret_cast<struct shminfo *>(buf);
    *info = shminfo{};
    info->shmmax = kShmMax;
    info->shmmin = 1;
    info->shmmni = kMaxEntries;
    info->shmseg = kMaxEntries;
    info->shmall = kShmAll;
    return std::max(max_index(Kind::Shm), 0);
  }
  if (cmd == SHM_INFO) {
    auto *info = reinterpret_cast<struct shm_info *>(buf);
    *info = shm_info{};
    info->used_ids = used_count(Kind::Shm);
    info->shm_tot = total_pages();
    info->shm_rss = info->shm_tot; // file pages: resident or in the file, never swap
    return std::max(max_index(Kind::Shm), 0);
  }
  int index = -1, err = 0;
  Entry *e = nullptr;
  if (cmd == SHM_STAT || cmd == SHM_STAT_ANY) {
    // shmid is an index into the table here (Linux keeps its low 15 bits); the answer is
    // the segment's id.
    index = shmid < 0 ? -1 : (shmid & ((1 << kIdShift) - 1));
    if (index < 0 || index >= kMaxEntries || entry_at(Kind::Shm, index).state != kLive)
      return fail_errno(EINVAL);
    e = &entry_at(Kind::Shm, index);
  } else {
    e = entry_by_id(Kind::Shm, shmid, &index, &err);
    if (!e)
      return fail_errno(err);
  }
  switch (cmd) {
  case SHM_STAT:
  case SHM_STAT_ANY:
  case IPC_STAT:
    if (cmd != SHM_STAT_ANY && !has_perm(*e, 0444))
      return fail_errno(EACCES);
    if (!buf)
      return fail_errno(EFAULT);
    fill_stat(*e, index, buf);
    return cmd == IPC_STAT ? 0 : entry_id(*e, index);
  case IPC_SET:
    if (!is_owner(*e))
      return fail_errno(EPERM);
    e->uid = buf->shm_perm.uid;
    e->gid = buf->shm_perm.gid;
    e->mode = (e->mode & ~0777u) | (buf->shm_perm.mode & 0777u);
    e->ctime = now();
    return 0;
  case IPC_RMID:
    if (!is_owner(*e))
      return fail_errno(EPERM);
    e->mode |= SHM_DEST;
    mark_removed(Kind::Shm, index);
    return 0;
  case SHM_LOCK:
  case SHM_UNLOCK:
    // Accepted for the owner as on Linux; the pages are file pages Windows keeps as it likes.
    if (!is_owner(*e))
      return fail_errno(EPERM);
    if (cmd == SHM_LOCK)
      e->mode |= SHM_LOCKED;
    else
      e->mode &= ~static_cast<uint32_t>(SHM_LOCKED);
    return 0;
  default:
    return fail_errno(EINVAL);
  }
}

} // extern "C"
