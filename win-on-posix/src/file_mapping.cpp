// File mappings: CreateFileMapping, OpenFileMapping, MapViewOfFile(Ex), UnmapViewOfFile,
// FlushViewOfFile, VirtualQuery, GetSystemInfo.
//
// A mapping ("section") is a header page followed, for page-file-backed mappings, by the
// data: a memfd when unnamed, a file in the named-object namespace when named (so every
// process mapping the name maps the same pages, and the name goes with the last handle while
// views keep the memory, as on Windows). A file-backed mapping keeps the file's descriptor;
// its header records the file's path and identity so that a process opening the name or
// inheriting the handle reopens the same file.
#include "named_object.hpp"
#include "object.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wop {

namespace {

constexpr uint32_t kSectionMagic = 0x53504F57; // shared with sync_object.hpp's pages
constexpr uint32_t kSectionType = 4;            // after SyncType's Event, Mutex, Semaphore
constexpr size_t kHeaderSize = 4096;
constexpr uint64_t kGranularity = 65536; // Windows' allocation granularity

struct SectionHeader {
  uint32_t magic;
  uint32_t type;
  uint64_t size;
  uint32_t protect;
  uint32_t file_backed;
  uint64_t file_dev;
  uint64_t file_ino;
  char file_path[3072];
};
static_assert(sizeof(SectionHeader) <= kHeaderSize);

bool writable_protect(DWORD p) { return p == PAGE_READWRITE || p == PAGE_EXECUTE_READWRITE; }

DWORD base_protect(DWORD flags) { return flags & 0xFF; }

bool valid_protect(DWORD p) {
  switch (p) {
  case PAGE_READONLY:
  case PAGE_READWRITE:
  case PAGE_WRITECOPY:
  case PAGE_EXECUTE_READ:
  case PAGE_EXECUTE_READWRITE:
  case PAGE_EXECUTE_WRITECOPY: return true;
  default: return false;
  }
}

// The section rights a handle gets: what the protection allows, as Windows grants it.
DWORD section_access(DWORD access) {
  DWORD out = access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
  if (access & GENERIC_READ)
    out |= SECTION_QUERY | SECTION_MAP_READ | READ_CONTROL;
  if (access & GENERIC_WRITE)
    out |= SECTION_MAP_WRITE | READ_CONTROL;
  if (access & GENERIC_EXECUTE)
    out |= SECTION_MAP_EXECUTE | READ_CONTROL;
  if (access & GENERIC_ALL)
    out |= SECTION_ALL_ACCESS;
  return out;
}

class SectionObject final : public Object {
public:
  // header_fd: the header (and, page-file-backed, the data); data_fd: the file of a
  // file-backed mapping, else -1. path: the name's file, empty when unnamed.
  SectionObject(int header_fd, int data_fd, std::string path, const SectionHeader &h)
      : header_fd_(header_fd), data_fd_(data_fd), path_(std::move(path)), size_(h.size),
        protect_(h.protect) {}
  ~SectionObject() override {
    if (data_fd_ >= 0)
      ::close(data_fd_);
    if (!path_.empty())
      named_release(header_fd_, path_);
    else
      ::close(header_fd_);
  }
  ObjectKind kind() const noexcept override { return ObjectKind::Section; }
  int inherit_fd() const override { return header_fd_; }
  char inherit_kind() const override { return 'm'; }
  int spawn_fd(std::vector<int> &temps) const override {
    if (path_.empty())
      return header_fd_;
    int fd = named_reopen(header_fd_); // the child holds the name from its first moment
    if (fd >= 0)
      temps.push_back(fd);
    return fd;
  }

  uint64_t size() const { return size_; }
  DWORD protect() const { return protect_; }
  int data_fd() const { return data_fd_ >= 0 ? data_fd_ : header_fd_; }
  off_t data_offset() const { return data_fd_ >= 0 ? 0 : static_cast<off_t>(kHeaderSize); }

private:
  int header_fd_;
  int data_fd_;
  std::string path_;
  uint64_t size_;
  DWORD protect_;
};

bool read_header(int fd, SectionHeader *h) {
  struct stat st;
  if (::fstat(fd, &st) < 0 || st.st_size < static_cast<off_t>(kHeaderSize))
    return false;
  return ::pread(fd, h, sizeof *h, 0) == static_cast<ssize_t>(sizeof *h) &&
         h->magic == kSectionMagic;
}

bool write_header(int fd, const SectionHeader &h, uint64_t data_size) {
  if (::ftruncate(fd, static_cast<off_t>(kHeaderSize + data_size)) < 0 ||
      ::pwrite(fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h))
    return fail_errno(errno);
  return true;
}

// Reopens the file a file-backed header names, if it is still the same file.
int reopen_backing_file(const SectionHeader &h) {
  int fd = ::open(h.file_path, (writable_protect(h.protect) ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && (::fstat(fd, &st) < 0 || static_cast<uint64_t>(st.st_dev) != h.file_dev ||
                  static_cast<uint64_t>(st.st_ino) != h.file_ino)) {
    ::close(fd);
    errno = ENOENT;
    return -1;
  }
  return fd;
}

// The object over a header descriptor (taken), or nullptr with the last error set.
std::shared_ptr<SectionObject> section_from(int fd, std::string path) {
  SectionHeader h;
  auto give_up = [&](DWORD err) -> std::shared_ptr<SectionObject> {
    if (path.empty())
      ::close(fd);
    else
      named_release(fd, path);
    SetLastError(err);
    return nullptr;
  };
  if (!read_header(fd, &h) || h.type != kSectionType)
    return give_up(ERROR_INVALID_HANDLE); // the name is another type's
  int data = -1;
  if (h.file_backed && (data = reopen_backing_file(h)) < 0)
    return give_up(win32_error_from_errno(errno));
  return std::make_shared<SectionObject>(fd, data, std::move(path), h);
}

HANDLE create_mapping(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD flags, DWORD size_hi,
                      DWORD size_lo, const ObjectName &name) {
  DWORD protect = base_protect(flags);
  DWORD sec = flags & ~0xFFu;
  if (!valid_protect(protect) ||
      (sec & ~DWORD{SEC_COMMIT | SEC_RESERVE | SEC_NOCACHE}) != 0 ||
      ((sec & SEC_COMMIT) && (sec & SEC_RESERVE))) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  uint64_t size = (uint64_t{size_hi} << 32) | size_lo;
  SectionHeader h{};
  h.magic = kSectionMagic;
  h.type = kSectionType;
  h.protect = protect;
  int data = -1;
  if (file == INVALID_HANDLE_VALUE) {
    if (size == 0) {
      SetLastError(ERROR_INVALID_PARAMETER); // a page-file-backed mapping needs a size
      return nullptr;
    }
  } else {
    auto e = handle_lookup(file);
    if (!e)
      return nullptr;
    bool can_read = false, can_write = false;
    int fd = e->object->mapping_fd(&can_read, &can_write);
    if (fd < 0) {
      SetLastError(ERROR_INVALID_HANDLE);
      return nullptr;
    }
    if (!can_read || (writable_protect(protect) && !can_write)) {
      SetLastError(ERROR_ACCESS_DENIED);
      return nullptr;
    }
    struct stat st;
    if (::fstat(fd, &st) < 0) {
      fail_errno(errno);
      return nullptr;
    }
    uint64_t file_size = static_cast<uint64_t>(st.st_size);
    if (size == 0) {
      if (file_size == 0) {
        SetLastError(ERROR_FILE_INVALID);
        return nullptr;
      }
      size = file_size;
    } else if (size > file_size) {
      if (!writable_protect(protect)) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY); // STATUS_SECTION_TOO_BIG
        return nullptr;
      }
      if (::ftruncate(fd, static_cast<off_t>(size)) < 0) {
        fail_errno(errno);
        return nullptr;
      }
    }
    std::string self = "/proc/self/fd/" + std::to_string(fd);
    ssize_t n = ::readlink(self.c_str(), h.file_path, sizeof h.file_path - 1);
    h.file_path[n > 0 ? n : 0] = '\0';
    h.file_backed = 1;
    h.file_dev = static_cast<uint64_t>(st.st_dev);
    h.file_ino = static_cast<uint64_t>(st.st_ino);
    data = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (data < 0) {
      fail_errno(errno);
      return nullptr;
    }
  }
  h.size = size;
  const uint64_t data_size = h.file_backed ? 0 : size;
  const DWORD inherit = inherit_flags(sa);
  std::shared_ptr<SectionObject> obj;
  bool existed = false;
  if (name.present && !name.utf8.empty()) {
    auto nf = named_open(name.utf8, true,
                         [&](int fd) { return write_header(fd, h, data_size); });
    if (!nf) {
      if (data >= 0)
        ::close(data);
      return nullptr;
    }
    existed = !nf->created;
    if (existed) {
      if (data >= 0)
        ::close(data); // the existing mapping keeps its own backing
      obj = section_from(nf->fd, nf->path);
    } else {
      obj = std::make_shared<SectionObject>(nf->fd, data, nf->path, h);
    }
  } else {
    int fd = ::memfd_create("win-on-posix-section", MFD_CLOEXEC);
    if (fd < 0 || !write_header(fd, h, data_size)) {
      DWORD e = fd < 0 ? win32_error_from_errno(errno) : GetLastError();
      if (fd >= 0)
        ::close(fd);
      if (data >= 0)
        ::close(data);
      SetLastError(e);
      return nullptr;
    }
    obj = std::make_shared<SectionObject>(fd, data, std::string(), h);
  }
  if (!obj)
    return nullptr;
  HANDLE hm = handle_insert(obj, SECTION_ALL_ACCESS, inherit);
  if (hm)
    SetLastError(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
  return hm;
}

HANDLE open_mapping(DWORD access, BOOL inherit, const ObjectName &name) {
  if (!openable_name(name))
    return nullptr;
  auto nf = named_open(name.utf8, false, nullptr);
  if (!nf)
    return nullptr;
  auto obj = section_from(nf->fd, nf->path);
  if (!obj)
    return nullptr;
  // Rights are granted as asked (there is no security descriptor to check against); a
  // write view of a read-only mapping still fails in MapViewOfFile.
  return handle_insert(obj, section_access(access), inherit ? HANDLE_FLAG_INHERIT : 0);
}

// ---- views ----

struct View {
  size_t length; // page-rounded
  DWORD protect;  // PAGE_* of the view
};
std::mutex g_views_mu;
std::map<uintptr_t, View> g_views;

size_t page_size() {
  static size_t p = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return p;
}

// A free range of len bytes starting on a 64 KiB boundary, reserved PROT_NONE.
void *reserve_aligned(size_t len) {
  size_t span = len + kGranularity;
  void *p = ::mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return nullptr;
  uintptr_t start = reinterpret_cast<uintptr_t>(p);
  uintptr_t aligned = (start + kGranularity - 1) & ~(kGranularity - 1);
  if (aligned > start)
    ::munmap(p, aligned - start);
  uintptr_t end = start + span, used = aligned + len;
  if (end > used)
    ::munmap(reinterpret_cast<void *>(used), end - used);
  return reinterpret_cast<void *>(aligned);
}

void *map_view(HANDLE hm, DWORD access, DWORD off_hi, DWORD off_lo, SIZE_T bytes, void *base) {
  auto e = handle_lookup(hm);
  if (!e)
    return nullptr;
  auto sec = std::dynamic_pointer_cast<SectionObject>(e->object);
  if (!sec) {
    SetLastError(ERROR_INVALID_HANDLE);
    return nullptr;
  }
  uint64_t offset = (uint64_t{off_hi} << 32) | off_lo;
  if (offset % kGranularity) {
    SetLastError(ERROR_MAPPED_ALIGNMENT);
    return nullptr;
  }
  if (base && reinterpret_cast<uintptr_t>(base) % kGranularity) {
    SetLastError(ERROR_MAPPED_ALIGNMENT);
    return nullptr;
  }
  const bool copy = (access & FILE_MAP_COPY) && !(access & FILE_MAP_WRITE);
  const bool write = (access & FILE_MAP_WRITE) != 0;
  const bool exec = (access & FILE_MAP_EXECUTE) != 0;
  // The handle must grant the access the view needs (a write view needs only the write
  // right, as on Windows), and the mapping's protection allow it. Access 0 maps read-only.
  DWORD need = write ? SECTION_MAP_WRITE
               : (access & (FILE_MAP_READ | FILE_MAP_COPY)) ? SECTION_MAP_READ
                                                            : 0;
  if (exec)
    need |= SECTION_MAP_EXECUTE;
  DWORD protect = sec->protect();
  bool exec_ok = protect == PAGE_EXECUTE_READ || protect == PAGE_EXECUTE_READWRITE ||
                 protect == PAGE_EXECUTE_WRITECOPY;
  if ((e->access & need) != need || (write && !writable_protect(protect)) || (exec && !exec_ok)) {
    SetLastError(ERROR_ACCESS_DENIED);
    return nullptr;
  }
  if (offset >= sec->size()) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  if (bytes > sec->size() - offset) {
    SetLastError(ERROR_ACCESS_DENIED); // STATUS_INVALID_VIEW_SIZE: beyond the end
    return nullptr;
  }
  size_t len = bytes ? bytes : static_cast<size_t>(sec->size() - offset);
  size_t plen = (len + page_size() - 1) / page_size() * page_size();
  int prot = PROT_READ | (write || copy ? PROT_WRITE : 0) | (exec ? PROT_EXEC : 0);
  int flags = (copy ? MAP_PRIVATE : MAP_SHARED);
  void *at = base;
  if (at) {
    flags |= MAP_FIXED_NOREPLACE;
  } else if (!(at = reserve_aligned(plen))) {
    fail_errno(errno);
    return nullptr;
  } else {
    flags |= MAP_FIXED; // over our own reservation
  }
  void *p = ::mmap(at, plen, prot, flags, sec->data_fd(),
                   static_cast<off_t>(sec->data_offset() + static_cast<off_t>(offset)));
  if (p == MAP_FAILED || (base && p != base)) {
    int err = errno;
    if (p != MAP_FAILED)
      ::munmap(p, plen);
    else if (!base)
      ::munmap(at, plen);
    SetLastError(base ? ERROR_INVALID_ADDRESS : win32_error_from_errno(err));
    return nullptr;
  }
  std::lock_guard lock(g_views_mu);
  g_views[reinterpret_cast<uintptr_t>(p)] =
      View{plen, static_cast<DWORD>(copy ? PAGE_WRITECOPY : write ? PAGE_READWRITE : PAGE_READONLY)};
  return p;
}

// The view containing addr, if any (caller holds g_views_mu).
std::map<uintptr_t, View>::iterator view_containing(uintptr_t addr) {
  auto it = g_views.upper_bound(addr);
  if (it == g_views.begin())
    return g_views.end();
  --it;
  return addr < it->first + it->second.length ? it : g_views.end();
}

} // namespace

ObjectPtr section_adopt(int fd) {
  std::string path;
  if ((fd = named_adopt(fd, &path)) < 0)
    return nullptr;
  return section_from(fd, std::move(path));
}

} // namespace wop

using namespace wop;

extern "C" {

HANDLE WINAPI CreateFileMappingA(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD protect,
                                 DWORD size_hi, DWORD size_lo, LPCSTR name) {
  return create_mapping(file, sa, protect, size_hi, size_lo, object_name(name));
}

HANDLE WINAPI CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD protect,
                                 DWORD size_hi, DWORD size_lo, LPCWSTR name) {
  return create_mapping(file, sa, protect, size_hi, size_lo, object_name(name));
}

HANDLE WINAPI OpenFileMappingA(DWORD access, BOOL inherit, LPCSTR name) {
  return open_mapping(access, inherit, object_name(name));
}

HANDLE WINAPI OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name) {
  return open_mapping(access, inherit, object_name(name));
}

LPVOID WINAPI MapViewOfFileEx(HANDLE hm, DWORD access, DWORD off_hi, DWORD off_lo, SIZE_T bytes,
                              LPVOID base) {
  return map_view(hm, access, off_hi, off_lo, bytes, base);
}

LPVOID WINAPI MapViewOfFile(HANDLE hm, DWORD access, DWORD off_hi, DWORD off_lo, SIZE_T bytes) {
  return map_view(hm, access, off_hi, off_lo, bytes, nullptr);
}

BOOL WINAPI UnmapViewOfFile(LPCVOID base) {
  std::lock_guard lock(g_views_mu);
  auto it = g_views.find(reinterpret_cast<uintptr_t>(base));
  if (it == g_views.end())
    return fail(ERROR_INVALID_ADDRESS);
  ::munmap(reinterpret_cast<void *>(it->first), it->second.length);
  g_views.erase(it);
  return TRUE;
}

BOOL WINAPI FlushViewOfFile(LPCVOID addr, SIZE_T bytes) {
  std::lock_guard lock(g_views_mu);
  uintptr_t a = reinterpret_cast<uintptr_t>(addr);
  auto it = view_containing(a);
  if (it == g_views.end())
    return fail(ERROR_INVALID_ADDRESS);
  uintptr_t start = a & ~(uintptr_t{page_size()} - 1);
  uintptr_t end = it->first + it->second.length;
  if (bytes && a + bytes < end)
    end = a + bytes;
  if (::msync(reinterpret_cast<void *>(start), end - start, MS_SYNC) < 0)
    return fail_errno(errno);
  return TRUE;
}

SIZE_T WINAPI VirtualQuery(LPCVOID addr, PMEMORY_BASIC_INFORMATION info, SIZE_T len) {
  if (!info || len < sizeof *info) {
    SetLastError(ERROR_BAD_LENGTH);
    return 0;
  }
  uintptr_t a = reinterpret_cast<uintptr_t>(addr);
  uintptr_t page = a & ~(uintptr_t{page_size()} - 1);
  std::memset(info, 0, sizeof *info);
  info->BaseAddress = reinterpret_cast<PVOID>(page);
  {
    std::lock_guard lock(g_views_mu);
    auto it = view_containing(a);
    if (it != g_views.end()) {
      info->AllocationBase = reinterpret_cast<PVOID>(it->first);
      info->AllocationProtect = it->second.protect;
      info->RegionSize = it->first + it->second.length - page;
      info->State = MEM_COMMIT;
      info->Protect = it->second.protect;
      info->Type = MEM_MAPPED;
      return sizeof *info;
    }
  }
  // Elsewhere: what /proc/self/maps says, in Windows' terms.
  FILE *maps = std::fopen("/proc/self/maps", "re");
  uintptr_t next_start = 0;
  if (maps) {
    unsigned long lo, hi;
    char perms[8];
    while (std::fscanf(maps, "%lx-%lx %7s %*[^\n]", &lo, &hi, perms) == 3) {
      if (a >= lo && a < hi) {
        std::fclose(maps);
        DWORD prot = perms[0] != 'r' ? PAGE_NOACCESS
                     : perms[1] == 'w' ? (perms[2] == 'x' ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE)
                                       : (perms[2] == 'x' ? PAGE_EXECUTE_READ : PAGE_READONLY);
        info->AllocationBase = reinterpret_cast<PVOID>(lo);
        info->AllocationProtect = prot;
        info->RegionSize = hi - page;
        info->State = prot == PAGE_NOACCESS ? MEM_RESERVE : MEM_COMMIT;
        info->Protect = prot == PAGE_NOACCESS ? 0 : prot;
        info->Type = perms[3] == 's' ? MEM_MAPPED : MEM_PRIVATE;
        return sizeof *info;
      }
      if (lo > a && (next_start == 0 || lo < next_start))
        next_start = lo;
    }
    std::fclose(maps);
  }
  info->State = MEM_FREE;
  info->Protect = PAGE_NOACCESS;
  info->RegionSize = next_start > page ? next_start - page : page_size();
  return sizeof *info;
}

void WINAPI GetSystemInfo(LPSYSTEM_INFO si) {
  if (!si)
    return;
  std::memset(si, 0, sizeof *si);
#if defined(__aarch64__)
  si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_ARM64;
#else
  si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
  si->dwProcessorType = 8664; // PROCESSOR_AMD_X8664
#endif
  si->dwPageSize = static_cast<DWORD>(page_size());
  si->lpMinimumApplicationAddress = reinterpret_cast<LPVOID>(kGranularity);
  si->lpMaximumApplicationAddress = reinterpret_cast<LPVOID>(uintptr_t{0x7FFFFFFEFFFF});
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  si->dwNumberOfProcessors = n > 0 ? static_cast<DWORD>(n) : 1;
  si->dwActiveProcessorMask =
      si->dwNumberOfProcessors >= 64 ? ~DWORD_PTR{0}
                                     : (DWORD_PTR{1} << si->dwNumberOfProcessors) - 1;
  si->dwAllocationGranularity = static_cast<DWORD>(kGranularity);
  si->wProcessorLevel = 6;
}

} // extern "C"
