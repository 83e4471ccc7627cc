// posix-on-win internals: the System V object store shared by shm, msg and sem.
//
// No daemon. The store is a directory private to the user (%LOCALAPPDATA%\posix-on-win\sysv,
// else the user's temp directory; POW_SYSV_DIR overrides) holding
//   store               the table: a header, one table of Entry per kind, the process records
//   obj-<kind>-<cookie> one file per object, its shared storage (shm data, a queue...)
// Every process maps `store` and works on it under one Win32 named mutex. Files outlive
// every process, so objects have kernel persistence; the header's boot identity discards
// objects left from before a reboot. A process killed while holding the mutex leaves it
// abandoned: the next locker gets WAIT_ABANDONED and repairs the table (see repair()).
// Attachments and the like are ProcRecords naming (pid, process creation time): whoever
// locks the store next reaps records of processes that are gone (reap_dead()).
//
// Usage by a family (shm.cpp and msg.cpp are the models):
//   StoreLock lock;                     // takes the mutex (maps the store on first use)
//   if (!lock) return fail_errno(lock.error());
//   reap_dead();                        // dead processes' records go first (if you have any)
//   int id = get_object(Kind::Sem, key, flg, check_fn, create_fn);  // the *get shape
//     create_fn: begin_create() -> fill kind_data<T>(entry), make the object's file
//                (open_object_file(..., create=true)) -> publish(); abandon_create() on error
//   Entry *e = entry_by_id(Kind::Sem, id, &index, &err);   // EINVAL for a stale id
//   if (!has_perm(*e, flg)) ...EACCES;  is_owner(*e) for IPC_SET/IPC_RMID
//   destroy(Kind::Sem, index);          // IPC_RMID now (msg, sem); shm: mark_removed()
// Per-process state that must be undone when a process dies (shm attachments, SEM_UNDO):
// add_record()/find_record()/release_record(), and register_kind(kind, &ops) with a `reap`
// hook that applies the dead process's record (it runs under the store lock).
// A fast path that must not take the store's mutex (a Wine server call) keeps its own lock
// in the object's file, as msg.cpp does: a CAS word holding the holder's pid and start-time
// hash, taken over (with a recount of derived state) when the holder is found dead.
#pragma once

#include <windows.h>

#include <pow/ipc.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

namespace posix_on_win {
// ids.cpp: the caller's uid and gid (RIDs of its token's user and primary group).
unsigned current_uid();
unsigned current_gid();
}

namespace posix_on_win::sysv {

enum class Kind : uint32_t { Shm = 0, Msg = 1, Sem = 2 };
constexpr int kKinds = 3;

// Linux: id = seq * 32768 + index (IPCMNI_SHIFT 15); seq counts to 65535 and wraps.
constexpr int kIdShift = 15;
constexpr uint32_t kSeqMax = 0xFFFF;
constexpr int kMaxEntries = 4096;   // per kind: SHMMNI / MSGMNI / SEMMNI we report
constexpr int kMaxRecords = 16384;  // process records (attachments, undo) in all
constexpr size_t kKindData = 128;   // bytes of family-specific fields per entry

enum EntryState : uint32_t { kFree = 0, kCreating = 1, kLive = 2 };
enum EntryFlags : uint32_t { kRemoved = 1 }; // IPC_RMID done: key is IPC_PRIVATE now

// One object's record in the shared table. Plain data at fixed offsets: every process
// (and every build of the library using the same kVersion) maps the same layout.
struct Entry {
  uint32_t state;  // EntryState; kCreating only inside a creation (repair frees it)
  uint32_t flags;  // EntryFlags
  int32_t key;
  uint32_t uid, gid, cuid, cgid;
  uint32_t mode;   // 9 permission bits | the family's state bits (SHM_DEST, SHM_LOCKED)
  uint32_t seq;    // id = seq << kIdShift | index
  uint32_t pad;
  uint64_t cookie; // unique per object ever made in this store: names its file
  int64_t ctime;   // creation / last IPC_SET
  alignas(8) unsigned char data[kKindData];
};

// A family's own fields live in Entry::data.
template <class T> T &kind_data(Entry &e) {
  static_assert(sizeof(T) <= kKindData && alignof(T) <= 8);
  return *reinterpret_cast<T *>(e.data);
}

// What a process holds on an object (shm: its attachments; sem: its undo list...).
struct ProcRecord {
  uint32_t used;   // 0 free, 1 in use
  uint32_t kind;
  uint32_t index;
  uint32_t pid;
  uint64_t cookie; // the object's cookie: a record never outlives its object
  uint64_t start;  // the process's creation time (FILETIME): pid reuse is not the same process
  int64_t count;   // shm: attachments
  uint64_t data;   // the family's own
};

// The calling process's identity as records name it.
struct ProcId {
  uint32_t pid;
  uint64_t start;
};
const ProcId &self();
// True while the process named by (pid, start) runs.
bool process_alive(uint32_t pid, uint64_t start);

// A family's hooks, run under the store lock. Records of a kind with no hooks registered in
// this process are left alone (a later process of a binary that has them reaps them).
struct KindOps {
  // A dead process's record, just before it is freed (shm: lpid/dtime; sem: SEM_UNDO).
  void (*reap)(Entry &e, const ProcRecord &r);
  // The object goes (after its file is deleted); may be null.
  void (*destroyed)(Entry &e);
};
void register_kind(Kind k, const KindOps *ops);

// Holds the store mutex for its lifetime. false (error() = errno) if the store cannot be
// opened. Recursive within a thread.
class StoreLock {
public:
  StoreLock();
  ~StoreLock();
  StoreLock(const StoreLock &) = delete;
  StoreLock &operator=(const StoreLock &) = delete;
  explicit operator bool() const { return err_ == 0; }
  int error() const { return err_; }

private:
  int err_ = 0;
  bool held_ = false;
};

// Everything below: call with a StoreLock held.
Entry &entry_at(Kind k, int index);
int entry_id(const Entry &e, int index);
// The live entry of id (removed ones included: those attached still use them), or null with
// *err = EINVAL (no such id, or a stale one: the slot's sequence differs).
Entry *entry_by_id(Kind k, int id, int *index, int *err);
// The live, not removed entry with key (never IPC_PRIVATE), or -1.
int find_key(Kind k, int32_t key);
// Linux's ipcperms: flg's rwx request (any of its three triads) against the owner's, the
// group's or others' bits as the caller's uid/gid select them.
bool has_perm(const Entry &e, int flg);
// The same check on a copy of the permission fields (kept beside an object's data for a
// fast path that does not lock the store).
bool perm_allows(uint32_t uid, uint32_t gid, uint32_t cuid, uint32_t cgid, uint32_t mode, int flg);
// The caller is the owner or the creator (may IPC_SET/IPC_RMID).
bool is_owner(const Entry &e);

// A free entry set to kCreating with the caller as owner and creator, mode & 0777, a new seq
// and cookie; -1 with *err = ENOSPC when the kind's table is full. The family fills its data,
// creates its file and then calls publish().
int begin_create(Kind k, int32_t key, int mode, int *err);
void publish(Kind k, int index);
// Undoes begin_create (deletes the file if one was made).
void abandon_create(Kind k, int index);

// The shape of *get for any kind: IPC_PRIVATE always creates; a key is looked up, EEXIST
// for IPC_CREAT|IPC_EXCL, ENOENT without IPC_CREAT, EACCES by mode, then check(index) for
// the family's own test of an existing object (shm: size). create(key, flg) makes a new one
// and returns its index or -1 with errno set. Returns the id, or -1 with errno set.
template <class Check, class Create>
int get_object(Kind k, int32_t key, int flg, Check check, Create create);

// IPC_RMID for shm: the key is freed now (key = IPC_PRIVATE, kRemoved); the object is
// destroyed now if no process record refers to it, else when the last one goes. (msg and
// sem remove at once: destroy().)
void mark_removed(Kind k, int index);
bool any_record(Kind k, int index);
// Destroys index now: deletes its file, frees the entry, runs the kind's `destroyed` hook.
void destroy(Kind k, int index);

// Process records. add_record returns the caller's record for (k, index) (made with count
// 0 if there was none) or null (ENOMEM: table full). release_record frees it and destroys
// a removed object that nothing refers to any more.
ProcRecord *find_record(Kind k, int index, const ProcId &who);
ProcRecord *add_record(Kind k, int index);
void release_record(ProcRecord *r);
// Sum of the counts of the records on (k, index): shm's nattch.
int64_t record_count(Kind k, int index);
// Frees the records of processes that are gone (running the kinds' reap hooks) and destroys
// removed objects left with none.
void reap_dead();

// Highest index in use (-1 if none) and number of entries in use: IPC_INFO and *_INFO.
int max_index(Kind k);
int used_count(Kind k);

// The object's storage file, opened with the access asked (created when `create`).
// INVALID_HANDLE_VALUE with GetLastError() set on failure.
HANDLE open_object_file(Kind k, const Entry &e, bool writable, bool create);
std::wstring object_path(Kind k, const Entry &e);
std::wstring store_dir();

// Unix time now, for the *time fields.
int64_t now();

template <class Check, class Create>
int get_object(Kind k, int32_t key, int flg, Check check, Create create) {
  constexpr int kIpcCreat = 01000, kIpcExcl = 02000;
  int index = -1;
  if (key != 0) {
    index = find_key(k, key);
    if (index >= 0) {
      Entry &e = entry_at(k, index);
      if ((flg & kIpcCreat) && (flg & kIpcExcl)) {
        errno = EEXIST;
        return -1;
      }
      if (!has_perm(e, flg)) {
        errno = EACCES;
        return -1;
      }
      if (int err = check(index)) {
        errno = err;
        return -1;
      }
      return entry_id(e, index);
    }
    if (!(flg & kIpcCreat)) {
      errno = ENOENT;
      return -1;
    }
  }
  index = create(key, flg);
  return index < 0 ? -1 : entry_id(entry_at(k, index), index);
}

// A sleeper's wake event: every thread that blocks in a family's call (msg, sem) owns a
// named auto-reset event per family, made on first use and closed with the thread; a waker
// opens it by the sleeper's (pid, tid). Opening fails once the thread is gone.
HANDLE own_wake_event(Kind kind);
HANDLE open_wake_event(Kind kind, uint32_t pid, uint32_t tid);

} // namespace posix_on_win::sysv
