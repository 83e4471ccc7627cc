// The System V object store (see sysv_store.hpp for the design and the API).
#include "sysv_store.hpp"

#include <string>

#include "fd.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <mutex>
#include <vector>

namespace posix_on_win::sysv {
namespace {

constexpr uint64_t kMagic = 0x31767379732d776fULL; // "ow-sysv1"
constexpr uint32_t kVersion = 1;

struct Header {
  uint64_t magic;
  uint32_t version;
  uint32_t entry_size;   // sizeof(Entry) and sizeof(ProcRecord): a layout check
  uint32_t record_size;
  uint32_t records_hwm;  // records at or beyond this index are all free
  char boot_id[40];      // the host's boot_id under Wine; empty on Windows
  int64_t boot_time;     // Unix seconds of the boot, from the tick count
  uint32_t seq[kKinds];  // next sequence number per kind (Linux: ids->seq)
  uint32_t pad;
  uint64_t next_cookie;
  unsigned char reserved[64];
};

struct Table {
  Header h;
  Entry entries[kKinds][kMaxEntries];
  ProcRecord records[kMaxRecords];
};

struct Store {
  std::wstring dir;
  HANDLE mutex = nullptr;
  Table *t = nullptr;
};

std::mutex g_open_mu;
Store *g_store = nullptr;
const KindOps *g_ops[kKinds] = {};

const wchar_t kKindTag[kKinds] = {L'm', L'q', L's'};

std::wstring env_w(const wchar_t *name) {
  wchar_t buf[MAX_PATH];
  DWORD n = GetEnvironmentVariableW(name, buf, MAX_PATH);
  return (n > 0 && n < MAX_PATH) ? std::wstring(buf, n) : std::wstring();
}

// %LOCALAPPDATA%\posix-on-win\sysv (private to the user by its ACL), else the user's
// temp directory; POW_SYSV_DIR names another (tests, several independent stores).
std::wstring choose_dir() {
  std::wstring d = env_w(L"POW_SYSV_DIR");
  if (!d.empty())
    return d;
  std::wstring base = env_w(L"LOCALAPPDATA");
  if (base.empty()) {
    wchar_t tmp[MAX_PATH + 1];
    DWORD n = GetTempPathW(MAX_PATH + 1, tmp);
    if (n == 0 || n > MAX_PATH)
      return {};
    base.assign(tmp, n);
  }
  if (!base.empty() && base.back() != L'\\' && base.back() != L'/')
    base += L'\\';
  return base + L"posix-on-win\\sysv";
}

bool make_dirs(const std::wstring &d) {
  for (size_t i = 3; i <= d.size(); ++i) {
    if (i == d.size() || d[i] == L'\\' || d[i] == L'/') {
      std::wstring part = d.substr(0, i);
      if (!CreateDirectoryW(part.c_str(), nullptr) && GetLastError() != ERROR_ALREADY_EXISTS) {
        DWORD attr = GetFileAttributesW(part.c_str());
        if (attr == INVALID_FILE_ATTRIBUTES || !(attr & FILE_ATTRIBUTE_DIRECTORY))
          return false;
      }
    }
  }
  return true;
}

uint64_t fnv1a(const std::wstring &s) {
  uint64_t h = 1469598103934665603ULL;
  for (wchar_t c : s) {
    h ^= static_cast<uint64_t>(towlower(c));
    h *= 1099511628211ULL;
  }
  return h;
}

// The boot's identity. Under Wine, the host's boot_id (exact); on Windows, the boot time
// from the tick count (compared with a tolerance: clock adjustments move it slightly).
void boot_identity(char id[40], int64_t *boot_time) {
  std::memset(id, 0, 40);
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  uint64_t t100 = (uint64_t(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
  int64_t now_s = static_cast<int64_t>(t100 / 10000000ULL) - 11644473600LL;
  *boot_time = now_s - static_cast<int64_t>(GetTickCount64() / 1000);
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  if (ntdll && GetProcAddress(ntdll, "wine_get_version")) {
    HANDLE f = CreateFileW(L"Z:\\proc\\sys\\kernel\\random\\boot_id", GENERIC_READ,
                           FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr);
    if (f != INVALID_HANDLE_VALUE) {
      DWORD got = 0;
      if (ReadFile(f, id, 36, &got, nullptr) && got == 36)
        id[36] = 0;
      else
        std::memset(id, 0, 40);
      CloseHandle(f);
    }
  }
}

bool same_boot(const Header &h) {
  char id[40];
  int64_t bt;
  boot_identity(id, &bt);
  if (id[0] && h.boot_id[0])
    return std::memcmp(id, h.boot_id, 40) == 0;
  return std::llabs(bt - h.boot_time) <= 120;
}

std::wstring obj_name(Kind k, uint64_t cookie) {
  wchar_t buf[64];
  swprintf(buf, 64, L"obj-%lc-%016llx", kKindTag[static_cast<int>(k)],
           static_cast<unsigned long long>(cookie));
  return buf;
}

// Deletes object files that no live entry names: left by a wipe, a crash, or a deletion
// refused while some process still had the file mapped.
void sweep_files(Store &s) {
  WIN32_FIND_DATAW fd;
  HANDLE h = FindFirstFileW((s.dir + L"\\obj-*").c_str(), &fd);
  if (h == INVALID_HANDLE_VALUE)
    return;
  do {
    wchar_t tag = 0;
    unsigned long long cookie = 0;
    if (swscanf(fd.cFileName, L"obj-%lc-%llx", &tag, &cookie) != 2)
      continue;
    bool live = false;
    for (int k = 0; k < kKinds && !live; ++k) {
      if (kKindTag[k] != tag)
        continue;
      for (int i = 0; i < kMaxEntries && !live; ++i) {
        const Entry &e = s.t->entries[k][i];
        live = e.state != kFree && e.cookie == cookie;
      }
    }
    if (!live)
      DeleteFileW((s.dir + L"\\" + fd.cFileName).c_str());
  } while (FindNextFileW(h, &fd));
  FindClose(h);
}

// A new, empty store for this boot.
void wipe(Store &s) {
  std::memset(s.t, 0, sizeof(Table));
  Header &h = s.t->h;
  h.magic = kMagic;
  h.version = kVersion;
  h.entry_size = sizeof(Entry);
  h.record_size = sizeof(ProcRecord);
  boot_identity(h.boot_id, &h.boot_time);
  LARGE_INTEGER qpc;
  QueryPerformanceCounter(&qpc);
  // Cookies only have to differ from those of files a crash may have left behind.
  h.next_cookie = (static_cast<uint64_t>(time(nullptr)) << 24) ^ static_cast<uint64_t>(qpc.QuadPart);
  sweep_files(s);
}

bool header_ok(const Header &h) {
  return h.magic == kMagic && h.version == kVersion && h.entry_size == sizeof(Entry) &&
         h.record_size == sizeof(ProcRecord) && h.records_hwm <= kMaxRecords;
}

void repair(Store &s);

Store *open_store(int *err) {
  std::lock_guard lock(g_open_mu);
  if (g_store)
    return g_store;
  auto s = std::make_unique<Store>();
  s->dir = choose_dir();
  if (s->dir.empty() || !make_dirs(s->dir)) {
    *err = EACCES;
    return nullptr;
  }
  std::wstring mname = L"Local\\posix-on-win.sysv.";
  wchar_t hex[20];
  swprintf(hex, 20, L"%016llx", static_cast<unsigned long long>(fnv1a(s->dir)));
  mname += hex;
  s->mutex = CreateMutexW(nullptr, FALSE, mname.c_str());
  if (!s->mutex) {
    *err = errno_from_win32(GetLastError());
    return nullptr;
  }
  DWORD w = WaitForSingleObject(s->mutex, INFINITE);
  if (w != WAIT_OBJECT_0 && w != WAIT_ABANDONED) {
    *err = EIO;
    CloseHandle(s->mutex);
    return nullptr;
  }
  HANDLE f = CreateFileW((s->dir + L"\\store").c_str(), GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  HANDLE m = nullptr;
  if (f != INVALID_HANDLE_VALUE) {
    // Sizing the section extends the file (zero-filled) if it is new or shorter.
    m = CreateFileMappingW(f, nullptr, PAGE_READWRITE, 0, sizeof(Table), nullptr);
    if (m)
      s->t = static_cast<Table *>(MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(Table)));
  }
  DWORD e = GetLastError();
  if (m)
    CloseHandle(m);
  if (f != INVALID_HANDLE_VALUE)
    CloseHandle(f);
  if (!s->t) {
    ReleaseMutex(s->mutex);
    CloseHandle(s->mutex);
    *err = errno_from_win32(e);
    return nullptr;
  }
  const Header &h = s->t->h;
  if (h.magic == kMagic && h.version != kVersion) {
    // Another version of the library owns this store: leave its objects alone.
    UnmapViewOfFile(s->t);
    ReleaseMutex(s->mutex);
    CloseHandle(s->mutex);
    *err = EPROTO;
    return nullptr;
  }
  if (!header_ok(h) || !same_boot(h))
    wipe(*s);
  else
    repair(*s); // cheap, and a process that died while mapping the store is covered too
  sweep_files(*s);
  ReleaseMutex(s->mutex);
  g_store = s.release();
  return g_store;
}

Store &store() { return *g_store; }

void free_record(ProcRecord &r) {
  std::memset(&r, 0, sizeof r);
}

// After an abandoned mutex: whatever the dead holder was doing is made whole or undone.
// Creations that did not publish are abandoned; records that point at nothing are freed.
void repair(Store &s) {
  Table &t = *s.t;
  if (!header_ok(t.h)) {
    wipe(s);
    return;
  }
  for (int k = 0; k < kKinds; ++k)
    for (int i = 0; i < kMaxEntries; ++i) {
      Entry &e = t.entries[k][i];
      if (e.state == kCreating)
        abandon_create(static_cast<Kind>(k), i);
      else if (e.state != kFree && e.state != kLive)
        std::memset(&e, 0, sizeof e);
    }
  uint32_t hwm = 0;
  for (uint32_t i = 0; i < kMaxRecords; ++i) {
    ProcRecord &r = t.records[i];
    if (r.used == 0)
      continue;
    bool ok = r.used == 1 && r.kind < kKinds && r.index < kMaxEntries;
    if (ok) {
      const Entry &e = t.entries[r.kind][r.index];
      ok = e.state == kLive && e.cookie == r.cookie;
    }
    if (!ok)
      free_record(r);
    else
      hwm = i + 1;
  }
  t.h.records_hwm = hwm;
}

} // namespace

const ProcId &self() {
  static const ProcId id = [] {
    ProcId p{GetCurrentProcessId(), 0};
    FILETIME c, x, k, u;
    if (GetProcessTimes(GetCurrentProcess(), &c, &x, &k, &u))
      p.start = (uint64_t(c.dwHighDateTime) << 32) | c.dwLowDateTime;
    return p;
  }();
  return id;
}

bool process_alive(uint32_t pid, uint64_t start) {
  if (pid == self().pid)
    return start == self().start;
  HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, pid);
  if (!h)
    return GetLastError() == ERROR_ACCESS_DENIED; // exists, not ours to look at
  bool alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
  if (alive) {
    FILETIME c, x, k, u;
    if (GetProcessTimes(h, &c, &x, &k, &u))
      alive = ((uint64_t(c.dwHighDateTime) << 32) | c.dwLowDateTime) == start;
  }
  CloseHandle(h);
  return alive;
}

void register_kind(Kind k, const KindOps *ops) { g_ops[static_cast<int>(k)] = ops; }

StoreLock::StoreLock() {
  Store *s = open_store(&err_);
  if (!s)
    return;
  DWORD w = WaitForSingleObject(s->mutex, INFINITE);
  if (w == WAIT_OBJECT_0 || w == WAIT_ABANDONED) {
    held_ = true;
    if (w == WAIT_ABANDONED)
      repair(*s);
  } else {
    err_ = EIO;
  }
}

StoreLock::~StoreLock() {
  if (held_)
    ReleaseMutex(store().mutex);
}

// The C runtime's time() costs over a microsecond under Wine; this is the same UTC clock.
int64_t now() {
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  uint64_t t100 = (uint64_t(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
  return static_cast<int64_t>(t100 / 10000000ULL) - 11644473600LL;
}

Entry &entry_at(Kind k, int index) { return store().t->entries[static_cast<int>(k)][index]; }

int entry_id(const Entry &e, int index) { return static_cast<int>((e.seq << kIdShift) | index); }

Entry *entry_by_id(Kind k, int id, int *index, int *err) {
  if (id < 0) {
    *err = EINVAL;
    return nullptr;
  }
  int i = id & ((1 << kIdShift) - 1);
  uint32_t seq = static_cast<uint32_t>(id) >> kIdShift;
  if (i >= kMaxEntries) {
    *err = EINVAL;
    return nullptr;
  }
  Entry &e = entry_at(k, i);
  if (e.state != kLive || e.seq != seq) {
    *err = EINVAL;
    return nullptr;
  }
  if (index)
    *index = i;
  return &e;
}

int find_key(Kind k, int32_t key) {
  for (int i = 0; i < kMaxEntries; ++i) {
    const Entry &e = entry_at(k, i);
    if (e.state == kLive && !(e.flags & kRemoved) && e.key == key)
      return i;
  }
  return -1;
}

bool perm_allows(uint32_t uid, uint32_t gid, uint32_t cuid, uint32_t cgid, uint32_t mode,
                 int flg) {
  unsigned requested = static_cast<unsigned>((flg >> 6) | (flg >> 3) | flg) & 7u;
  unsigned granted = mode;
  unsigned me = current_uid(), group = current_gid();
  if (me == uid || me == cuid)
    granted >>= 6;
  else if (group == gid || group == cgid)
    granted >>= 3;
  return (requested & ~granted & 7u) == 0;
}

bool has_perm(const Entry &e, int flg) {
  return perm_allows(e.uid, e.gid, e.cuid, e.cgid, e.mode, flg);
}

bool is_owner(const Entry &e) {
  unsigned uid = current_uid();
  return uid == e.uid || uid == e.cuid;
}

int begin_create(Kind k, int32_t key, int mode, int *err) {
  Table &t = *store().t;
  for (int i = 0; i < kMaxEntries; ++i) {
    Entry &e = entry_at(k, i);
    if (e.state != kFree)
      continue;
    std::memset(&e, 0, sizeof e);
    e.state = kCreating;
    e.key = key;
    e.uid = e.cuid = current_uid();
    e.gid = e.cgid = current_gid();
    e.mode = static_cast<uint32_t>(mode) & 0777u;
    uint32_t &seq = t.h.seq[static_cast<int>(k)];
    e.seq = seq;
    seq = seq >= kSeqMax ? 0 : seq + 1;
    e.cookie = t.h.next_cookie++;
    e.ctime = now();
    return i;
  }
  *err = ENOSPC;
  return -1;
}

void publish(Kind k, int index) { entry_at(k, index).state = kLive; }

void abandon_create(Kind k, int index) {
  Entry &e = entry_at(k, index);
  DeleteFileW(object_path(k, e).c_str());
  std::memset(&e, 0, sizeof e);
}

void destroy(Kind k, int index) {
  Entry &e = entry_at(k, index);
  if (e.state == kFree)
    return;
  // Refused on Windows while a (dead-but-not-yet-closed) process still maps the file;
  // sweep_files() deletes it later. Under Wine the name goes at once.
  DeleteFileW(object_path(k, e).c_str());
  if (const KindOps *ops = g_ops[static_cast<int>(k)]; ops && ops->destroyed)
    ops->destroyed(e);
  Table &t = *store().t;
  for (uint32_t i = 0; i < t.h.records_hwm; ++i) {
    ProcRecord &r = t.records[i];
    if (r.used && r.kind == static_cast<uint32_t>(k) && r.index == static_cast<uint32_t>(index))
      free_record(r);
  }
  std::memset(&e, 0, sizeof e);
}

bool any_record(Kind k, int index) {
  Table &t = *store().t;
  for (uint32_t i = 0; i < t.h.records_hwm; ++i) {
    const ProcRecord &r = t.records[i];
    if (r.used && r.kind == static_cast<uint32_t>(k) && r.index == static_cast<uint32_t>(index))
      return true;
  }
  return false;
}

void mark_removed(Kind k, int index) {
  Entry &e = entry_at(k, index);
  e.key = 0;
  e.flags |= kRemoved;
  if (!any_record(k, index))
    destroy(k, index);
}

ProcRecord *find_record(Kind k, int index, const ProcId &who) {
  Table &t = *store().t;
  const Entry &e = entry_at(k, index);
  for (uint32_t i = 0; i < t.h.records_hwm; ++i) {
    ProcRecord &r = t.records[i];
    if (r.used && r.kind == static_cast<uint32_t>(k) && r.index == static_cast<uint32_t>(index) &&
        r.cookie == e.cookie && r.pid == who.pid && r.start == who.start)
      return &r;
  }
  return nullptr;
}

ProcRecord *add_record(Kind k, int index) {
  if (ProcRecord *r = find_record(k, index, self()))
    return r;
  Table &t = *store().t;
  for (uint32_t i = 0; i < kMaxRecords; ++i) {
    ProcRecord &r = t.records[i];
    if (r.used)
      continue;
    r.kind = static_cast<uint32_t>(k);
    r.index = static_cast<uint32_t>(index);
    r.pid = self().pid;
    r.start = self().start;
    r.cookie = entry_at(k, index).cookie;
    r.count = 0;
    r.data = 0;
    r.used = 1; // last: repair() frees a record whose fields do not match a live entry
    t.h.records_hwm = std::max(t.h.records_hwm, i + 1);
    return &r;
  }
  return nullptr;
}

void release_record(ProcRecord *r) {
  Kind k = static_cast<Kind>(r->kind);
  int index = static_cast<int>(r->index);
  free_record(*r);
  Entry &e = entry_at(k, index);
  if (e.state == kLive && (e.flags & kRemoved) && !any_record(k, index))
    destroy(k, index);
}

int64_t record_count(Kind k, int index) {
  Table &t = *store().t;
  const Entry &e = entry_at(k, index);
  int64_t n = 0;
  for (uint32_t i = 0; i < t.h.records_hwm; ++i) {
    const ProcRecord &r = t.records[i];
    if (r.used && r.kind == static_cast<uint32_t>(k) && r.index == static_cast<uint32_t>(index) &&
        r.cookie == e.cookie)
      n += r.count;
  }
  return n;
}

void reap_dead() {
  Table &t = *store().t;
  struct Seen {
    uint32_t pid;
    uint64_t start;
    bool alive;
  };
  std::vector<Seen> seen;
  uint32_t hwm = 0;
  for (uint32_t i = 0; i < t.h.records_hwm; ++i) {
    ProcRecord &r = t.records[i];
    if (!r.used)
      continue;
    const KindOps *ops = r.kind < kKinds ? g_ops[r.kind] : nullptr;
    if (!ops) { // not ours to reap in this process
      hwm = i + 1;
      continue;
    }
    auto it = std::find_if(seen.begin(), seen.end(),
                           [&](const Seen &s) { return s.pid == r.pid && s.start == r.start; });
    bool alive;
    if (it != seen.end()) {
      alive = it->alive;
    } else {
      alive = process_alive(r.pid, r.start);
      seen.push_back({r.pid, r.start, alive});
    }
    if (alive) {
      hwm = i + 1;
      continue;
    }
    Kind k = static_cast<Kind>(r.kind);
    int index = static_cast<int>(r.index);
    Entry &e = entry_at(k, index);
    bool valid = e.state == kLive && e.cookie == r.cookie;
    if (valid && ops->reap)
      ops->reap(e, r);
    free_record(r);
    if (valid && (e.flags & kRemoved) && !any_record(k, index))
      destroy(k, index);
  }
  t.h.records_hwm = hwm;
}

int max_index(Kind k) {
  for (int i = kMaxEntries - 1; i >= 0; --i)
    if (entry_at(k, i).state == kLive)
      return i;
  return -1;
}

int used_count(Kind k) {
  int n = 0;
  for (int i = 0; i < kMaxEntries; ++i)
    n += entry_at(k, i).state == kLive;
  return n;
}

std::wstring store_dir() {
  int err = 0;
  Store *s = open_store(&err);
  return s ? s->dir : std::wstring();
}

std::wstring object_path(Kind k, const Entry &e) {
  return store().dir + L"\\" + obj_name(k, e.cookie);
}

HANDLE open_object_file(Kind k, const Entry &e, bool writable, bool create) {
  return CreateFileW(object_path(k, e).c_str(), GENERIC_READ | (writable ? GENERIC_WRITE : 0),
                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                     create ? CREATE_ALWAYS : OPEN_EXISTING,
                     FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_NOT_CONTENT_INDEXED, nullptr);
}

namespace {

std::wstring wake_event_name(Kind kind, uint32_t pid, uint32_t tid) {
  wchar_t buf[80];
  swprintf(buf, 80, L"Local\\posix-on-win.sysv.wake.%u.%08x.%08x", static_cast<unsigned>(kind),
           pid, tid);
  return buf;
}

struct WakeEvents {
  HANDLE h[kKinds] = {};
  ~WakeEvents() {
    for (HANDLE e : h)
      if (e)
        CloseHandle(e);
  }
};
thread_local WakeEvents t_wake;

} // namespace

HANDLE own_wake_event(Kind kind) {
  HANDLE &h = t_wake.h[static_cast<int>(kind)];
  if (!h)
    h = CreateEventW(nullptr, FALSE, FALSE,
                     wake_event_name(kind, self().pid, GetCurrentThreadId()).c_str());
  return h;
}

HANDLE open_wake_event(Kind kind, uint32_t pid, uint32_t tid) {
  return OpenEventW(EVENT_MODIFY_STATE, FALSE, wake_event_name(kind, pid, tid).c_str());
}

} // namespace posix_on_win::sysv

using namespace posix_on_win;

extern "C" {

// glibc: (inode & 0xffff) | (device & 0xff) << 16 | (proj_id & 0xff) << 24. Windows' file
// index and volume serial number are the inode and device: stable while the file exists.
key_t pow_ftok(const char *path, int proj_id) {
  if (!path) {
    errno = EFAULT;
    return -1;
  }
  HANDLE f = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (f == INVALID_HANDLE_VALUE)
    return fail_win32();
  BY_HANDLE_FILE_INFORMATION info;
  BOOL ok = GetFileInformationByHandle(f, &info);
  DWORD err = GetLastError();
  CloseHandle(f);
  if (!ok)
    return fail_win32(err);
  uint32_t key = (info.nFileIndexLow & 0xFFFFu) | ((info.dwVolumeSerialNumber & 0xFFu) << 16) |
                 ((static_cast<uint32_t>(proj_id) & 0xFFu) << 24);
  return static_cast<key_t>(key);
}

} // extern "C"
