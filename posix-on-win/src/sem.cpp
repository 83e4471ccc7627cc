// System V semaphores on the object store (sysv_store.hpp).
//
// A set is its object file, mapped by every process that uses it and only touched under the
// store lock:
//   FileHeader | Sem[nsems] (value, last pid) | arena of 64-byte slots
// The arena holds variable-sized blocks: one undo block per process that used SEM_UNDO on
// the set (its semadj[nsems]) and one waiter block per blocked semop (who waits, the ops,
// the result). Waiters form a FIFO queue in the file. The arena grows (the file is extended
// and every process remaps when it sees the header's larger size).
//
// Semantics follow Linux's ipc/sem.c: an operation that cannot proceed queues itself, and
// whoever changes values (semop, SETVAL/SETALL, an undo applied at exit or by the reaper)
// runs the queue in order and *completes* the operations that can now proceed on the
// waiters' behalf, then wakes them: a waiter does not race a newcomer for the value it was
// given (no starvation), and an array is applied all-or-nothing by exactly one process.
// Each waiting thread sleeps on its own named auto-reset event; opening that event by name
// also tells the waker whether the waiter still exists (a killed waiter's event is gone and
// its operations are not applied). A waiter also waits on the process handles of the set's
// SEM_UNDO holders: when one dies, the waiter reaps it (its undo is applied, the queue runs)
// instead of sleeping forever.
//
// Processes have a record (ProcRecord) on each set they hold blocks in; count = their
// blocks. A process's undo is applied at normal exit (atexit) and, if it was killed, by
// whoever next reaps it (reap_dead() in semget/semctl, and in semop before blocking).
#include "fd.hpp"
#include "sysv_store.hpp"

#include <pow/sem.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <utility>
#include <vector>

namespace posix_on_win {
namespace {

using namespace sysv;

// Linux's defaults (ipc/sem.c, include/uapi/linux/sem.h); SEMMNI is the store's table.
constexpr int kSemMsl = 32000;
constexpr int kSemOpm = 500;
constexpr int kSemVmx = 32767;
constexpr int kSemAem = 32767;
constexpr int kSemMni = kMaxEntries;

constexpr uint32_t kFileMagic = 0x316d6573; // "sem1"
constexpr uint32_t kSlot = 64;
constexpr uint32_t kInitialSlots = 8;

struct SemData {
  uint32_t nsems;
  uint32_t pad;
  int64_t otime; // last successful semop
};

struct FileHeader {
  uint32_t magic;
  uint32_t nsems;
  uint64_t file_size; // the file's size; a process whose view is smaller remaps
  uint32_t nslots;    // arena slots
  int32_t q_head;     // waiter queue (slot numbers, -1: empty)
  int32_t q_tail;
  uint32_t nundo; // undo blocks
  // The commit journal (see journal_commit): entries pending, whose undo block, which
  // waiter it completes, on whose behalf.
  uint32_t journal_n;
  int32_t journal_undo;
  int32_t journal_waiter;
  uint32_t journal_pid;
  unsigned char reserved[16];
};
static_assert(sizeof(FileHeader) == 64);

struct Sem {
  int32_t val;
  int32_t pid;
};

// One semaphore's new value and adjustment in a commit (values fit: 0..32767, -32768..32767).
struct JournalEntry {
  uint16_t num;
  int16_t val;
  int16_t adj;
};
constexpr size_t kJournalMax = kSemOpm; // an array touches at most SEMOPM semaphores
constexpr size_t kJournalBytes = (sizeof(JournalEntry) * kJournalMax + 63) / 64 * 64;

enum BlockType : uint32_t { kFreeBlock = 0, kUndoBlock = 1, kWaiterBlock = 2 };

struct Block { // every block starts so
  uint32_t len;  // in slots, > 0
  uint32_t type; // BlockType
  uint32_t pid;
  uint32_t tid;
  uint64_t start; // the process's creation time (ProcId)
};
static_assert(sizeof(Block) == 24);
// An undo block: Block, then int16_t semadj[nsems] (Linux keeps semadj in -32768..32767).
constexpr size_t kUndoAdj = sizeof(Block);

// A waiter block: Block, Waiter, then struct sembuf ops[nsops].
struct Waiter {
  int32_t next, prev; // queue links
  int32_t status;     // 0 queued, 1 done (applied by a waker), -errno
  uint32_t nsops;
  int32_t blocking;  // index of the op that blocks it (GETNCNT/GETZCNT count by it)
  int32_t undo;      // the waiter's undo block, -1 if none
};
constexpr size_t kWaiterOps = sizeof(Block) + sizeof(Waiter);
static_assert(kWaiterOps % 2 == 0);

size_t sems_offset() { return sizeof(FileHeader) + kJournalBytes; }
size_t arena_offset(uint32_t nsems) {
  return (sems_offset() + sizeof(Sem) * nsems + kSlot - 1) / kSlot * kSlot;
}

// One process's mapping of a set's file.
struct View {
  char *base = nullptr;
  size_t size = 0;
  View(char *b, size_t s) : base(b), size(s) {}
  ~View() {
    if (base)
      UnmapViewOfFile(base);
  }
  View(const View &) = delete;
  View &operator=(const View &) = delete;
  FileHeader &h() const { return *reinterpret_cast<FileHeader *>(base); }
  Sem *sems() const { return reinterpret_cast<Sem *>(base + sems_offset()); }
  JournalEntry *journal() const {
    return reinterpret_cast<JournalEntry *>(base + sizeof(FileHeader));
  }
  Block *block(int32_t slot) const {
    return reinterpret_cast<Block *>(base + arena_offset(h().nsems) + size_t(slot) * kSlot);
  }
  Waiter *waiter(int32_t slot) const {
    return reinterpret_cast<Waiter *>(reinterpret_cast<char *>(block(slot)) + sizeof(Block));
  }
  sembuf *ops(int32_t slot) const {
    return reinterpret_cast<sembuf *>(reinterpret_cast<char *>(block(slot)) + kWaiterOps);
  }
  int16_t *adj(int32_t slot) const {
    return reinterpret_cast<int16_t *>(reinterpret_cast<char *>(block(slot)) + kUndoAdj);
  }
};

// This process's views and own undo block per table index. Used under the store lock only
// (the named mutex excludes this process's other threads too).
struct Cached {
  uint64_t cookie = 0;
  std::shared_ptr<View> view;
  int32_t undo = -1; // our undo block in this set
};
std::vector<Cached> g_cache;

Cached &cached(int index) {
  if (g_cache.empty())
    g_cache.resize(kMaxEntries);
  return g_cache[static_cast<size_t>(index)];
}

void replay(View &v);

// The set's current view (remapped if another process grew the file); null with *err. A
// commit left pending by a process killed inside it is finished first.
View *map_view(Entry &e, int index, int *err) {
  Cached &c = cached(index);
  if (c.view && c.cookie == e.cookie && c.view->h().file_size <= c.view->size) {
    if (c.view->h().journal_n)
      replay(*c.view);
    return c.view.get();
  }
  HANDLE f = open_object_file(Kind::Sem, e, true, false);
  if (f == INVALID_HANDLE_VALUE) {
    *err = EIDRM;
    return nullptr;
  }
  LARGE_INTEGER sz{};
  HANDLE m = nullptr;
  if (GetFileSizeEx(f, &sz) && sz.QuadPart >= static_cast<LONGLONG>(sizeof(FileHeader)))
    m = CreateFileMappingW(f, nullptr, PAGE_READWRITE, 0, 0, nullptr);
  CloseHandle(f);
  void *p = m ? MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0) : nullptr;
  if (m)
    CloseHandle(m);
  if (!p) {
    *err = ENOMEM;
    return nullptr;
  }
  if (c.cookie != e.cookie)
    c.undo = -1;
  c.cookie = e.cookie;
  c.view = std::make_shared<View>(static_cast<char *>(p), static_cast<size_t>(sz.QuadPart));
  if (c.view->h().journal_n)
    replay(*c.view);
  return c.view.get();
}

// ---- wakes: collected under the lock, delivered after it is released ---------------------

struct WakeBatch;
thread_local WakeBatch *t_batch = nullptr;

// Scoped before a StoreLock: its destructor runs after the lock's, so woken threads do not
// find the store mutex still held.
struct WakeBatch {
  std::vector<HANDLE> events;
  WakeBatch *outer;
  WakeBatch() : outer(t_batch) { t_batch = this; }
  ~WakeBatch() {
    t_batch = outer;
    for (HANDLE h : events) {
      SetEvent(h);
      CloseHandle(h);
    }
  }
  WakeBatch(const WakeBatch &) = delete;
  WakeBatch &operator=(const WakeBatch &) = delete;
};

// The waiter's event, or null if its thread is gone (the process was killed).
HANDLE open_waiter_event(const Block &b) {
  return sysv::open_wake_event(sysv::Kind::Sem, b.pid, b.tid);
}

void deliver(HANDLE ev) {
  if (t_batch) {
    t_batch->events.push_back(ev);
  } else { // reaped from another family's call: no batch on this thread
    SetEvent(ev);
    CloseHandle(ev);
  }
}

// ---- the arena -------------------------------------------------------------------------

// A block of at least `bytes`, typed and owned by (pid, tid, start); -1 with *err. May grow
// the file: *v is then the new view.
int32_t alloc_block(Entry &e, int index, View *&v, size_t bytes, BlockType type,
                    const ProcId &who, uint32_t tid, int *err) {
  uint32_t need = static_cast<uint32_t>((bytes + kSlot - 1) / kSlot);
  for (int attempt = 0; attempt < 2; ++attempt) {
    FileHeader &h = v->h();
    uint32_t i = 0;
    while (i < h.nslots) {
      Block *b = v->block(static_cast<int32_t>(i));
      if (b->len == 0 || b->len > h.nslots - i) { // damaged by a crash: the rest is free
        b->len = h.nslots - i;
        b->type = kFreeBlock;
      }
      if (b->type == kFreeBlock) {
        while (i + b->len < h.nslots) { // coalesce with the free blocks after it
          Block *n = v->block(static_cast<int32_t>(i + b->len));
          if (n->type != kFreeBlock || n->len == 0 || n->len > h.nslots - i - b->len)
            break;
          b->len += n->len;
        }
        if (b->len >= need) {
          if (b->len > need) {
            Block *rest = v->block(static_cast<int32_t>(i + need));
            rest->len = b->len - need;
            rest->type = kFreeBlock;
          }
          std::memset(reinterpret_cast<char *>(b) + sizeof(uint32_t), 0,
                      size_t(need) * kSlot - sizeof(uint32_t));
          b->len = need;
          b->type = type;
          b->pid = who.pid;
          b->tid = tid;
          b->start = who.start;
          return static_cast<int32_t>(i);
        }
      }
      i += b->len;
    }
    if (attempt == 1)
      break;
    // Grow: double the arena (at least by `need`), the new slots one free block.
    uint32_t old = h.nslots;
    uint32_t grown = std::max(old * 2, old + need);
    uint64_t size = arena_offset(h.nsems) + uint64_t(grown) * kSlot;
    HANDLE f = open_object_file(Kind::Sem, e, true, false);
    bool ok = f != INVALID_HANDLE_VALUE;
    if (ok) {
      LARGE_INTEGER li;
      li.QuadPart = static_cast<LONGLONG>(size);
      ok = SetFilePointerEx(f, li, nullptr, FILE_BEGIN) && SetEndOfFile(f);
      CloseHandle(f);
    }
    if (!ok) {
      *err = ENOMEM;
      return -1;
    }
    h.file_size = size;
    v = map_view(e, index, err);
    if (!v)
      return -1;
    Block *nb = v->block(static_cast<int32_t>(old));
    nb->len = grown - old;
    nb->type = kFreeBlock;
    v->h().nslots = grown;
  }
  *err = ENOMEM;
  return -1;
}

void free_block(View &v, int32_t slot) { v.block(slot)->type = kFreeBlock; }

void enqueue(View &v, int32_t slot) {
  FileHeader &h = v.h();
  Waiter *w = v.waiter(slot);
  w->next = -1;
  w->prev = h.q_tail;
  if (h.q_tail >= 0)
    v.waiter(h.q_tail)->next = slot;
  else
    h.q_head = slot;
  h.q_tail = slot;
}

void unlink(View &v, int32_t slot) {
  FileHeader &h = v.h();
  Waiter *w = v.waiter(slot);
  if (w->prev >= 0)
    v.waiter(w->prev)->next = w->next;
  else
    h.q_head = w->next;
  if (w->next >= 0)
    v.waiter(w->next)->prev = w->prev;
  else
    h.q_tail = w->prev;
  w->next = w->prev = -1;
}

// The process's record on the set counts its blocks there; it goes with the last one.
void count_block(int index, const ProcId &who, int delta) {
  ProcRecord *r = delta > 0 ? add_record(Kind::Sem, index) : find_record(Kind::Sem, index, who);
  if (!r)
    return;
  r->count += delta;
  if (r->count <= 0)
    release_record(r);
}

// ---- operations ------------------------------------------------------------------------

struct Tentative {
  uint16_t num;
  int32_t val;
  int32_t adj;
};

// Applies the pending journal: values, the undo block's adjustments, and the completion of
// the waiter it was for. Returns that waiter's slot if this completed it, else -1.
int32_t journal_apply(View &v) {
  FileHeader &h = v.h();
  const JournalEntry *j = v.journal();
  Sem *sems = v.sems();
  int16_t *adj = h.journal_undo >= 0 ? v.adj(h.journal_undo) : nullptr;
  for (uint32_t k = 0; k < h.journal_n && k < kJournalMax; ++k) {
    sems[j[k].num].val = j[k].val;
    sems[j[k].num].pid = static_cast<int32_t>(h.journal_pid);
    if (adj)
      adj[j[k].num] = j[k].adj;
  }
  int32_t done = -1;
  if (h.journal_waiter >= 0) {
    Waiter *w = v.waiter(h.journal_waiter);
    if (w->status == 0) {
      unlink(v, h.journal_waiter);
      w->status = 1;
      done = h.journal_waiter;
    }
  }
  std::atomic_thread_fence(std::memory_order_release);
  h.journal_n = 0;
  return done;
}

// A commit is written to the journal first and marked valid last, then applied: a process
// killed in the middle (the store mutex abandoned) leaves either nothing or a valid journal
// that the next process to map the set applies (replay()). So an array, or a dead process's
// undo, is never half applied.
bool g_test_torn = false; // sem_test_torn_commit: stop before applying

void journal_commit(View &v, const Tentative *t, size_t nt, int32_t uslot, uint32_t pid,
                    int32_t waiter) {
  FileHeader &h = v.h();
  JournalEntry *j = v.journal();
  for (size_t k = 0; k < nt; ++k)
    j[k] = {t[k].num, static_cast<int16_t>(t[k].val), static_cast<int16_t>(t[k].adj)};
  h.journal_undo = uslot;
  h.journal_waiter = waiter;
  h.journal_pid = pid;
  std::atomic_thread_fence(std::memory_order_release);
  h.journal_n = static_cast<uint32_t>(nt);
  std::atomic_thread_fence(std::memory_order_release);
  if (!g_test_torn)
    journal_apply(v);
}

void replay(View &v) {
  int32_t w = journal_apply(v);
  if (w >= 0)
    if (HANDLE ev = open_waiter_event(*v.block(w)))
      deliver(ev);
}

// Linux's perform_atomic_semop: the ops in order on a tentative copy. 0: applied (if
// `commit`), 1: would block at *blocking, -EAGAIN (the blocking op has IPC_NOWAIT), -ERANGE.
int try_ops(View &v, const sembuf *sops, size_t n, int32_t uslot, uint32_t pid, int *blocking,
            bool commit, int32_t waiter = -1) {
  int16_t *undo = uslot >= 0 ? v.adj(uslot) : nullptr;
  Tentative small[16];
  std::vector<Tentative> big;
  Tentative *t = small;
  if (n > 16) {
    big.resize(n);
    t = big.data();
  }
  size_t nt = 0;
  Sem *sems = v.sems();
  for (size_t i = 0; i < n; ++i) {
    const sembuf &s = sops[i];
    size_t k = 0;
    while (k < nt && t[k].num != s.sem_num)
      ++k;
    if (k == nt) {
      t[nt++] = {s.sem_num, sems[s.sem_num].val, undo ? undo[s.sem_num] : 0};
    }
    Tentative &x = t[k];
    bool blocks = s.sem_op == 0 ? x.val != 0 : x.val + s.sem_op < 0;
    if (blocks) {
      *blocking = static_cast<int>(i);
      return (s.sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
    }
    if (s.sem_op == 0)
      continue;
    int32_t r = x.val + s.sem_op;
    if (r > kSemVmx)
      return -ERANGE;
    if (s.sem_flg & SEM_UNDO) {
      int32_t u = x.adj - s.sem_op;
      if (u < -kSemAem - 1 || u > kSemAem)
        return -ERANGE;
      x.adj = u;
    }
    x.val = r;
  }
  if (commit)
    journal_commit(v, t, nt, uslot, pid, waiter);
  return 0;
}

bool alters(const sembuf *sops, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (sops[i].sem_op != 0)
      return true;
  return false;
}

// Runs the queue in order after values changed: completes every waiter whose operations
// can proceed now (or fail: ERANGE, EAGAIN), restarting from the head after each one that
// altered values. A waiter whose thread is gone is dropped without applying anything.
void update_queue(Entry &e, View &v) {
  bool again = true;
  while (again) {
    again = false;
    for (int32_t s = v.h().q_head; s >= 0;) {
      Waiter *w = v.waiter(s);
      int32_t next = w->next;
      Block *b = v.block(s);
      int32_t uslot = -1;
      if (w->undo >= 0) { // its process's undo block (gone only if another thread exited)
        const Block *u = v.block(w->undo);
        if (u->type == kUndoBlock && u->pid == b->pid && u->start == b->start)
          uslot = w->undo;
      }
      int blk = 0;
      int r = try_ops(v, v.ops(s), w->nsops, uslot, b->pid, &blk, false);
      if (r == 1) {
        w->blocking = blk;
        s = next;
        continue;
      }
      HANDLE ev = open_waiter_event(*b);
      if (!ev) { // killed while queued: its block goes, nothing is applied for it
        unlink(v, s);
        w->status = -EIDRM;
        s = next;
        continue;
      }
      if (r == 0) { // applied, unlinked and marked done in one journaled commit
        try_ops(v, v.ops(s), w->nsops, uslot, b->pid, &blk, true, s);
        kind_data<SemData>(e).otime = now();
        if (alters(v.ops(s), w->nsops))
          again = true;
      } else {
        unlink(v, s);
        w->status = r;
      }
      deliver(ev);
      if (again)
        break;
      s = next;
    }
  }
}

// Applies and frees an undo block (the process exits or is gone), as Linux's exit_sem:
// values are clamped to 0..SEMVMX.
// Journaled in chunks, each zeroing the adjustments it applies: a rerun after a kill applies
// only what is left.
void apply_undo(View &v, int32_t slot, uint32_t pid) {
  int16_t *adj = v.adj(slot);
  Sem *sems = v.sems();
  std::vector<Tentative> t;
  for (uint32_t i = 0; i <= v.h().nsems; ++i) {
    if (t.size() == kJournalMax || (i == v.h().nsems && !t.empty())) {
      journal_commit(v, t.data(), t.size(), slot, pid, -1);
      t.clear();
    }
    if (i == v.h().nsems || adj[i] == 0)
      continue;
    int32_t r = sems[i].val + adj[i];
    t.push_back({static_cast<uint16_t>(i), std::clamp(r, 0, kSemVmx), 0});
  }
  free_block(v, slot);
  if (v.h().nundo > 0)
    --v.h().nundo;
}

// Store hook: a dead process's undo is applied, its queued waits go, the queue runs.
void on_reap(Entry &e, const ProcRecord &r) {
  int index = static_cast<int>(r.index), err = 0;
  View *v = map_view(e, index, &err);
  if (!v)
    return;
  bool changed = false;
  for (uint32_t i = 0; i < v->h().nslots;) {
    Block *b = v->block(static_cast<int32_t>(i));
    if (b->len == 0 || b->len > v->h().nslots - i)
      break;
    if (b->type != kFreeBlock && b->pid == r.pid && b->start == r.start) {
      if (b->type == kUndoBlock) {
        apply_undo(*v, static_cast<int32_t>(i), r.pid);
        changed = true;
      } else {
        Waiter *w = v->waiter(static_cast<int32_t>(i));
        if (w->status == 0)
          unlink(*v, static_cast<int32_t>(i));
        free_block(*v, static_cast<int32_t>(i));
      }
    }
    i += b->len;
  }
  if (changed)
    update_queue(e, *v);
}

void on_destroyed(Entry &e) {
  for (auto &c : g_cache)
    if (c.cookie == e.cookie)
      c = Cached{};
}

const KindOps kSemOps{on_reap, on_destroyed};
const bool kRegistered = (register_kind(Kind::Sem, &kSemOps), true);

void exit_undo();

// Our own undo block in the set, made on first use; -1 with *err.
int32_t own_undo(Entry &e, int index, View *&v, int *err) {
  Cached &c = cached(index);
  if (c.undo >= 0) {
    const Block *b = v->block(c.undo);
    if (b->type == kUndoBlock && b->pid == self().pid && b->start == self().start)
      return c.undo;
  }
  int32_t slot = alloc_block(e, index, v, kUndoAdj + sizeof(int16_t) * v->h().nsems,
                             kUndoBlock, self(), 0, err);
  if (slot < 0)
    return -1;
  ++v->h().nundo;
  count_block(index, self(), +1);
  cached(index).undo = slot;
  // Waiters wait on the handles of the set's undo holders: they learn of the new one.
  for (int32_t s = v->h().q_head; s >= 0; s = v->waiter(s)->next)
    if (HANDLE ev = open_waiter_event(*v->block(s)))
      deliver(ev);
  static const bool at_exit = (std::atexit(exit_undo), true);
  (void)at_exit;
  return slot;
}


// Calls fn(slot, block) for every used block of the arena.
template <class Fn> void for_each_block(View &v, Fn fn) {
  uint32_t n = v.h().nslots;
  for (uint32_t i = 0; i < n;) {
    Block *b = v.block(static_cast<int32_t>(i));
    if (b->len == 0 || b->len > n - i)
      break;
    if (b->type != kFreeBlock)
      fn(static_cast<int32_t>(i), *b);
    i += b->len;
  }
}

// Normal exit: our undo is applied now and the waiters it frees are woken at once.
void exit_undo() {
  WakeBatch wakes;
  StoreLock lock;
  if (!lock)
    return;
  for (size_t i = 0; i < g_cache.size(); ++i) {
    Cached &c = g_cache[i];
    if (c.undo < 0)
      continue;
    int index = static_cast<int>(i), err = 0;
    Entry &e = entry_at(Kind::Sem, index);
    if (e.state != kLive || e.cookie != c.cookie)
      continue;
    View *v = map_view(e, index, &err);
    if (!v)
      continue;
    const Block *b = v->block(c.undo);
    if (b->type == kUndoBlock && b->pid == self().pid && b->start == self().start) {
      apply_undo(*v, c.undo, self().pid);
      c.undo = -1;
      count_block(index, self(), -1);
      update_queue(e, *v);
    }
  }
}

uint64_t creation_time(HANDLE p) {
  FILETIME c, x, k, u;
  if (!GetProcessTimes(p, &c, &x, &k, &u))
    return 0;
  return (uint64_t(c.dwHighDateTime) << 32) | c.dwLowDateTime;
}

// Handles on other processes that hold undo, opened once per process and shared by every
// wait (a waiter copies the shared_ptr, so the cache may drop one while it is waited on).
struct ProcHandle {
  HANDLE h;
  explicit ProcHandle(HANDLE x) : h(x) {}
  ~ProcHandle() { CloseHandle(h); }
  ProcHandle(const ProcHandle &) = delete;
  ProcHandle &operator=(const ProcHandle &) = delete;
};
struct Holder {
  uint32_t pid;
  uint64_t start;
  std::shared_ptr<ProcHandle> ph;
};
std::vector<Holder> g_procs; // under the store lock

// The other processes holding undo on the set, with handles to wait on. *gone: one of them
// has ended already (no handle to wait on: reap it now).
void prune_procs();

std::vector<Holder> undo_holders(View &v, bool *gone) {
  if (g_procs.size() > 64) // processes that exited normally leave too
    prune_procs();
  std::vector<Holder> out;
  for_each_block(v, [&](int32_t, const Block &b) {
    if (b.type != kUndoBlock || (b.pid == self().pid && b.start == self().start))
      return;
    for (const Holder &h : out)
      if (h.pid == b.pid && h.start == b.start)
        return;
    auto it = std::find_if(g_procs.begin(), g_procs.end(), [&](const Holder &h) {
      return h.pid == b.pid && h.start == b.start;
    });
    if (it != g_procs.end()) {
      out.push_back(*it);
      return;
    }
    HANDLE p = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, b.pid);
    if (!p) {
      if (GetLastError() != ERROR_ACCESS_DENIED)
        *gone = true;
      return; // (access denied: alive, not ours to watch; the 200 ms recheck covers it)
    }
    if (creation_time(p) != b.start) { // the pid is another process's now
      CloseHandle(p);
      *gone = true;
      return;
    }
    g_procs.push_back({b.pid, b.start, std::make_shared<ProcHandle>(p)});
    out.push_back(g_procs.back());
  });
  return out;
}

// True if one of the holders has ended (its handle is signalled).
bool any_ended(const std::vector<Holder> &hs) {
  for (size_t i = 0; i < hs.size(); i += MAXIMUM_WAIT_OBJECTS) {
    HANDLE batch[MAXIMUM_WAIT_OBJECTS];
    DWORD n = 0;
    for (size_t k = i; k < hs.size() && n < MAXIMUM_WAIT_OBJECTS; ++k)
      batch[n++] = hs[k].ph->h;
    DWORD w = WaitForMultipleObjects(n, batch, FALSE, 0);
    if (w < WAIT_OBJECT_0 + n)
      return true;
  }
  return false;
}

// After a reap: handles of processes that have ended leave the cache.
void prune_procs() {
  g_procs.erase(std::remove_if(g_procs.begin(), g_procs.end(),
                               [](const Holder &h) {
                                 return WaitForSingleObject(h.ph->h, 0) == WAIT_OBJECT_0;
                               }),
                g_procs.end());
}

// Reaps dead processes when a holder of undo on the set has ended.
void reap_holders() {
  reap_dead();
  prune_procs();
}

// The blocked half of semop: waits until a waker completed (or failed) our queued
// operations, the set is removed, a holder of undo dies (then we reap it), or the deadline.
int wait_queued(int index, uint64_t cookie, std::shared_ptr<View> held, int32_t slot,
                std::vector<Holder> holders, bool gone, bool timed, ULONGLONG deadline) {
  HANDLE ev = sysv::own_wake_event(sysv::Kind::Sem);
  bool reaped_last = false;
  for (;;) {
    HANDLE hs[MAXIMUM_WAIT_OBJECTS];
    DWORD n = 0;
    hs[n++] = ev;
    bool need_reap = gone, capped = false;
    for (const Holder &h : holders) {
      if (n == MAXIMUM_WAIT_OBJECTS) {
        capped = true;
        break;
      }
      hs[n++] = h.ph->h;
    }
    DWORD ms = INFINITE;
    if (timed) {
      ULONGLONG t = GetTickCount64();
      ms = t >= deadline ? 0 : static_cast<DWORD>(std::min<ULONGLONG>(deadline - t, 0xFFFFFFFEu));
    }
    if (capped) // more holders than one wait can watch: look again now and then
      ms = std::min<DWORD>(ms, 200);
    // A waker killed between completing us and waking us (after it released the lock) would
    // leave us asleep: look at our status once a second regardless.
    ms = std::min<DWORD>(ms, 1000);
    if (need_reap) // look at once; if the last reap did not clear it, not in a loop
      ms = reaped_last ? std::min<DWORD>(ms, 200) : 0;
    reaped_last = need_reap;
    DWORD w = WaitForMultipleObjects(n, hs, FALSE, ms);
    if ((w > WAIT_OBJECT_0 && w < WAIT_OBJECT_0 + n) || (w == WAIT_TIMEOUT && capped))
      need_reap = true;
    if (w == WAIT_FAILED)
      Sleep(1); // cannot happen with valid handles; never spin
    holders.clear();
    WakeBatch wakes;
    StoreLock lock;
    if (!lock)
      return fail_errno(lock.error());
    Waiter *me = held->waiter(slot);
    Entry &e = entry_at(Kind::Sem, index);
    if (e.state != kLive || e.cookie != cookie) // removed: our block went with its file
      return me->status == 1 ? 0 : fail_errno(EIDRM);
    if (me->status == 0 && need_reap)
      reap_holders(); // applies a dead holder's undo and runs the queue: may complete us
    int st = me->status, err = 0;
    View *v = map_view(e, index, &err);
    if (!v)
      return fail_errno(err);
    if (st == 0 && timed && GetTickCount64() >= deadline) {
      unlink(*v, slot);
      st = -EAGAIN;
    }
    if (st != 0) {
      free_block(*v, slot);
      count_block(index, self(), -1);
      return st == 1 ? 0 : fail_errno(-st);
    }
    gone = false;
    holders = undo_holders(*v, &gone);
  }
}

int do_semop(int semid, struct sembuf *sops, size_t nsops, const struct timespec *timeout) {
  if (nsops < 1 || semid < 0)
    return fail_errno(EINVAL);
  if (nsops > static_cast<size_t>(kSemOpm))
    return fail_errno(E2BIG);
  if (!sops)
    return fail_errno(EFAULT);
  bool timed = timeout != nullptr;
  ULONGLONG deadline = 0;
  if (timed) {
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000L)
      return fail_errno(EINVAL);
    ULONGLONG ms = static_cast<ULONGLONG>(timeout->tv_sec) * 1000u +
                   static_cast<ULONGLONG>((timeout->tv_nsec + 999999) / 1000000);
    deadline = GetTickCount64() + ms;
  }
  unsigned maxnum = 0;
  bool want_undo = false, alter = false;
  for (size_t i = 0; i < nsops; ++i) {
    maxnum = std::max<unsigned>(maxnum, sops[i].sem_num);
    want_undo |= (sops[i].sem_flg & SEM_UNDO) != 0;
    alter |= sops[i].sem_op != 0;
  }

  std::shared_ptr<View> held;
  std::vector<Holder> holders;
  bool gone = false;
  int index = -1;
  int32_t slot = -1;
  uint64_t cookie = 0;
  {
    WakeBatch wakes;
    StoreLock lock;
    if (!lock)
      return fail_errno(lock.error());
    int err = 0;
    Entry *e = entry_by_id(Kind::Sem, semid, &index, &err);
    if (!e)
      return fail_errno(err);
    if (maxnum >= kind_data<SemData>(*e).nsems)
      return fail_errno(EFBIG);
    if (!has_perm(*e, alter ? 0222 : 0444))
      return fail_errno(EACCES);
    View *v = map_view(*e, index, &err);
    if (!v)
      return fail_errno(err);
    int32_t uslot = -1;
    if (want_undo && (uslot = own_undo(*e, index, v, &err)) < 0)
      return fail_errno(err);
    int blk = 0;
    int r = try_ops(*v, sops, nsops, uslot, self().pid, &blk, true);
    if (r == 1 || r == -EAGAIN)
      holders = undo_holders(*v, &gone);
    if (gone || any_ended(holders)) {
      // A dead holder's undo may be what we wait for: reap before blocking.
      reap_holders();
      gone = false;
      v = map_view(*e, index, &err);
      if (!v)
        return fail_errno(err);
      r = try_ops(*v, sops, nsops, uslot, self().pid, &blk, true);
    }
    if (r == 0) {
      kind_data<SemData>(*e).otime = now();
      if (alter && v->h().q_head >= 0)
        update_queue(*e, *v);
      return 0;
    }
    if (r < 0)
      return fail_errno(-r);
    if (timed && GetTickCount64() >= deadline)
      return fail_errno(EAGAIN);
    HANDLE ev = sysv::own_wake_event(sysv::Kind::Sem);
    if (!ev)
      return fail_win32();
    slot = alloc_block(*e, index, v, kWaiterOps + sizeof(sembuf) * nsops, kWaiterBlock, self(),
                       GetCurrentThreadId(), &err);
    if (slot < 0)
      return fail_errno(err);
    Waiter *w = v->waiter(slot);
    w->status = 0;
    w->nsops = static_cast<uint32_t>(nsops);
    w->blocking = blk;
    w->undo = uslot;
    std::memcpy(v->ops(slot), sops, sizeof(sembuf) * nsops);
    enqueue(*v, slot);
    count_block(index, self(), +1);
    ResetEvent(ev); // a stale wake of an earlier wait would only cost a loop; drop it
    holders = undo_holders(*v, &gone);
    held = cached(index).view;
    cookie = e->cookie;
  }
  return wait_queued(index, cookie, std::move(held), slot, std::move(holders), gone, timed,
                     deadline);
}

// A new set of nsems semaphores, all 0.
int create_set(int32_t key, int nsems, int flg) {
  if (nsems == 0) {
    errno = EINVAL;
    return -1;
  }
  int err = 0;
  int index = begin_create(Kind::Sem, key, flg & 0777, &err);
  if (index < 0) {
    errno = err;
    return -1;
  }
  Entry &e = entry_at(Kind::Sem, index);
  kind_data<SemData>(e).nsems = static_cast<uint32_t>(nsems);
  uint64_t size = arena_offset(static_cast<uint32_t>(nsems)) + uint64_t(kInitialSlots) * kSlot;
  HANDLE f = open_object_file(Kind::Sem, e, true, true);
  bool ok = f != INVALID_HANDLE_VALUE;
  if (ok) {
    LARGE_INTEGER li;
    li.QuadPart = static_cast<LONGLONG>(size);
    ok = SetFilePointerEx(f, li, nullptr, FILE_BEGIN) && SetEndOfFile(f);
    CloseHandle(f);
  }
  View *v = ok ? map_view(e, index, &err) : nullptr;
  if (!v) {
    abandon_create(Kind::Sem, index);
    errno = ENOSPC;
    return -1;
  }
  FileHeader &h = v->h();
  h.magic = kFileMagic;
  h.nsems = static_cast<uint32_t>(nsems);
  h.file_size = size;
  h.nslots = kInitialSlots;
  h.q_head = h.q_tail = -1;
  Block *b = v->block(0);
  b->len = kInitialSlots;
  b->type = kFreeBlock;
  publish(Kind::Sem, index);
  return index;
}

void fill_stat(const Entry &e, struct semid_ds *buf) {
  *buf = semid_ds{};
  buf->sem_perm.__key = e.key;
  buf->sem_perm.uid = e.uid;
  buf->sem_perm.gid = e.gid;
  buf->sem_perm.cuid = e.cuid;
  buf->sem_perm.cgid = e.cgid;
  buf->sem_perm.mode = static_cast<unsigned short>(e.mode);
  buf->sem_perm.__seq = static_cast<unsigned short>(e.seq);
  buf->sem_otime = static_cast<time_t>(kind_data<SemData>(const_cast<Entry &>(e)).otime);
  buf->sem_ctime = static_cast<time_t>(e.ctime);
  buf->sem_nsems = kind_data<SemData>(const_cast<Entry &>(e)).nsems;
}

// The caller's union semun, as passed by value.
union SemArg {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
  struct seminfo *info;
};

// SETVAL/SETALL: Linux clears the semaphores' adjustments in every process's undo.
void clear_adjustments(View &v, int semnum) {
  uint32_t nsems = v.h().nsems;
  for_each_block(v, [&](int32_t slot, const Block &b) {
    if (b.type != kUndoBlock)
      return;
    int16_t *adj = v.adj(slot);
    if (semnum >= 0)
      adj[semnum] = 0;
    else
      std::fill(adj, adj + nsems, int16_t(0));
  });
}

int count_waiting(View &v, int semnum, bool zero) {
  int n = 0;
  for (int32_t s = v.h().q_head; s >= 0; s = v.waiter(s)->next) {
    const Waiter *w = v.waiter(s);
    if (w->blocking < 0 || static_cast<uint32_t>(w->blocking) >= w->nsops)
      continue;
    const sembuf &op = v.ops(s)[w->blocking];
    if (op.sem_num == semnum && (zero ? op.sem_op == 0 : op.sem_op < 0))
      ++n;
  }
  return n;
}

} // namespace

// Test hook (tests/posix-on-win/sem_test.cpp): a semop whose commit stops once its journal is
// valid, as if the process were killed there. 0, or -1 with errno.
int sem_test_torn_commit(int semid, const struct sembuf *sops, size_t nsops) {
  StoreLock lock;
  if (!lock)
    return fail_errno(lock.error());
  int index = -1, err = 0, blk = 0;
  Entry *e = entry_by_id(Kind::Sem, semid, &index, &err);
  View *v = e ? map_view(*e, index, &err) : nullptr;
  if (!v)
    return fail_errno(err);
  g_test_torn = true;
  int r = try_ops(*v, sops, nsops, -1, self().pid, &blk, true);
  g_test_torn = false;
  return r == 0 ? 0 : fail_errno(r < 0 ? -r : EAGAIN);
}

// Test hook: the set's pending journal entries (0 when none), read without replaying.
int sem_test_journal_pending(int semid) {
  StoreLock lock;
  int index = -1, err = 0;
  Entry *e = lock ? entry_by_id(Kind::Sem, semid, &index, &err) : nullptr;
  if (!e)
    return -1;
  Cached &c = cached(index);
  return c.view && c.cookie == e->cookie ? static_cast<int>(c.view->h().journal_n) : -1;
}

} // namespace posix_on_win

using namespace posix_on_win;
using namespace posix_on_win::sysv;

extern "C" {

int pow_semget(key_t key, int nsems, int semflg) {
  if (nsems < 0 || nsems > kSemMsl)
    return fail_errno(EINVAL);
  WakeBatch wakes;
  StoreLock lock;
  if (!lock)
    return fail_errno(lock.error());
  reap_dead();
  return get_object(
      Kind::Sem, key, semflg,
      [&](int index) {
        // An existing set smaller than asked is EINVAL (0 asks for any size).
        return static_cast<uint32_t>(nsems) > kind_data<SemData>(entry_at(Kind::Sem, index)).nsems
                   ? EINVAL
                   : 0;
      },
      [&](int32_t k, int flg) { return create_set(k, nsems, flg); });
}

int pow_semop(int semid, struct sembuf *sops, size_t nsops) {
  return do_semop(semid, sops, nsops, nullptr);
}

int pow_semtimedop(int semid, struct sembuf *sops, size_t nsops,
                   const struct timespec *timeout) {
  return do_semop(semid, sops, nsops, timeout);
}

int pow_semctl(int semid, int semnum, int cmd, ...) {
  SemArg arg{};
  switch (cmd) {
  case IPC_RMID:
  case GETPID:
  case GETVAL:
  case GETNCNT:
  case GETZCNT:
    break;
  case SETVAL:
  case GETALL:
  case SETALL:
  case IPC_STAT:
  case IPC_SET:
  case IPC_INFO:
  case SEM_INFO:
  case SEM_STAT:
  case SEM_STAT_ANY: {
    va_list ap;
    va_start(ap, cmd);
    arg = va_arg(ap, SemArg);
    va_end(ap);
    break;
  }
  default:
    return fail_errno(EINVAL);
  }
  if (cmd == SETVAL && (arg.val < 0 || arg.val > kSemVmx))
    return fail_errno(ERANGE);
  WakeBatch wakes;
  StoreLock lock;
  if (!lock)
    return fail_errno(lock.error());
  reap_dead();

  if (cmd == IPC_INFO || cmd == SEM_INFO) {
    if (!arg.info)
      return fail_errno(EFAULT);
    seminfo &i = *arg.info;
    i = seminfo{};
    i.semmni = kSemMni;
    i.semmsl = kSemMsl;
    i.semmns = kSemMni * kSemMsl;
    i.semopm = kSemOpm;
    i.semvmx = kSemVmx;
    i.semaem = kSemAem;
    i.semmap = i.semmns;
    i.semmnu = i.semmns;
    i.semume = kSemOpm;
    i.semusz = 20; // Linux's SEMUSZ
    if (cmd == SEM_INFO) { // Linux: sets in use, semaphores in use
      int total = 0;
      for (int k = 0; k < kMaxEntries; ++k) {
        Entry &e = entry_at(Kind::Sem, k);
        if (e.state == kLive)
          total += static_cast<int>(kind_data<SemData>(e).nsems);
      }
      i.semusz = used_count(Kind::Sem);
      i.semaem = total;
    }
    return std::max(max_index(Kind::Sem), 0);
  }

  int index = -1, err = 0;
  Entry *e = nullptr;
  if (cmd == SEM_STAT || cmd == SEM_STAT_ANY) {
    // semid is an index into the table here; the answer is the set's id.
    if (semid < 0 || semid >= kMaxEntries || entry_at(Kind::Sem, semid).state != kLive)
      return fail_errno(EINVAL);
    index = semid;
    e = &entry_at(Kind::Sem, index);
  } else {
    e = entry_by_id(Kind::Sem, semid, &index, &err);
    if (!e)
      return fail_errno(err);
  }
  const int nsems = static_cast<int>(kind_data<SemData>(*e).nsems);

  switch (cmd) {
  case SEM_STAT:
  case SEM_STAT_ANY:
  case IPC_STAT:
    if (cmd != SEM_STAT_ANY && !has_perm(*e, 0444))
      return fail_errno(EACCES);
    if (!arg.buf)
      return fail_errno(EFAULT);
    fill_stat(*e, arg.buf);
    return cmd == IPC_STAT ? 0 : entry_id(*e, index);
  case IPC_SET:
    if (!is_owner(*e))
      return fail_errno(EPERM);
    if (!arg.buf)
      return fail_errno(EFAULT);
    e->uid = arg.buf->sem_perm.uid;
    e->gid = arg.buf->sem_perm.gid;
    e->mode = (e->mode & ~0777u) | (arg.buf->sem_perm.mode & 0777u);
    e->ctime = now();
    return 0;
  case IPC_RMID: {
    if (!is_owner(*e))
      return fail_errno(EPERM);
    // Every waiter wakes with EIDRM (its block is read in its own view of the file).
    if (View *v = map_view(*e, index, &err)) {
      for (int32_t s = v->h().q_head; s >= 0;) {
        int32_t next = v->waiter(s)->next;
        v->waiter(s)->status = -EIDRM;
        if (HANDLE ev = open_waiter_event(*v->block(s)))
          deliver(ev);
        s = next;
      }
      v->h().q_head = v->h().q_tail = -1;
    }
    destroy(Kind::Sem, index);
    return 0;
  }
  default:
    break;
  }

  bool writes = cmd == SETVAL || cmd == SETALL;
  if (!has_perm(*e, writes ? 0222 : 0444))
    return fail_errno(EACCES);
  if ((cmd == GETALL || cmd == SETALL) && !arg.array)
    return fail_errno(EFAULT);
  if (cmd != GETALL && cmd != SETALL && (semnum < 0 || semnum >= nsems))
    return fail_errno(EINVAL);
  View *v = map_view(*e, index, &err);
  if (!v)
    return fail_errno(err);
  Sem *sems = v->sems();
  switch (cmd) {
  case GETVAL:
    return sems[semnum].val;
  case GETPID:
    return sems[semnum].pid;
  case GETNCNT:
    return count_waiting(*v, semnum, false);
  case GETZCNT:
    return count_waiting(*v, semnum, true);
  case GETALL:
    for (int i = 0; i < nsems; ++i)
      arg.array[i] = static_cast<unsigned short>(sems[i].val);
    return 0;
  case SETVAL:
    sems[semnum].val = arg.val;
    sems[semnum].pid = static_cast<int32_t>(self().pid);
    clear_adjustments(*v, semnum);
    e->ctime = now();
    update_queue(*e, *v);
    return 0;
  case SETALL:
    for (int i = 0; i < nsems; ++i)
      if (arg.array[i] > kSemVmx)
        return fail_errno(ERANGE);
    for (int i = 0; i < nsems; ++i) {
      sems[i].val = arg.array[i];
      sems[i].pid = static_cast<int32_t>(self().pid);
    }
    clear_adjustments(*v, -1);
    e->ctime = now();
    update_queue(*e, *v);
    return 0;
  default:
    return fail_errno(EINVAL);
  }
}

} // extern "C"
