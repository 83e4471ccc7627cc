// System V message queues on the object store (sysv_store.hpp).
//
// A queue is its object file, mapped by every process that uses it: a header (a spin lock,
// the counters, a copy of the permissions) and two rings of messages. msgsnd/msgrcv lock
// the queue with an atomic compare-and-swap in the shared page and copy: no Wine server
// call, no store lock. Only a caller that must block sleeps on a named semaphore, and a
// caller that finds sleepers releases it.
//
// A process can be killed at any instant, so every change to the queue's contents becomes
// real with one aligned store:
//   send     the message is written past the tail, then `pos` (head | tail | ring) moves;
//   receive  the head message goes by moving `pos`; another one is marked dead in its header;
//   compact  (when dead messages fragment the ring) the live ones are copied into the other
//            ring, then `pos` switches rings.
// Counters (qnum, cbytes, footprint) are derived from the contents: whoever takes over the
// lock from a dead holder recounts them (repair()). A sleeper that dies leaves at most a
// spare semaphore count, which costs a later sleeper one spurious wake-up.
#include "fd.hpp"
#include "sysv_store.hpp"
#include "trace.hpp"

#include <pow/msg.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstddef>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>

namespace posix_on_win {
namespace {

using namespace sysv;

constexpr uint32_t kRing = 1u << 19; // bytes per ring: > MSGMNB messages' worst footprint
constexpr uint32_t kPosMask = (1u << 24) - 1; // positions count modulo 2^24 (kRing divides it)
constexpr uint32_t kMagic = 0x7173796d;       // "mysq"
constexpr int kMsgMni = kMaxEntries;

enum : uint32_t { kLiveMsg = 1, kDeadMsg = 2, kWrap = 3 };

struct MsgHdr {
  uint32_t size;
  std::atomic<uint32_t> state; // kLiveMsg -> kDeadMsg is a receive's commit
  int64_t type;
};
static_assert(sizeof(MsgHdr) == 16);

// A thread asleep in msgsnd/msgrcv: woken through its event (sysv::own_wake_event).
struct Sleeper {
  uint64_t token; // 0: free slot; else the process's lock token
  uint32_t tid;
  uint32_t side; // 0 receive, 1 send
};
constexpr int kSleepers = 120;

struct alignas(4096) QueueHead {
  // First cache line: everything an operation changes, so that it moves once per operation.
  std::atomic<uint64_t> lock; // 0, or the holder's token (pid and start time)
  std::atomic<uint64_t> pos;  // head | tail << 24 | ring << 48: the commit word
  // Derived from the contents; recounted by repair(). (At most MSGMNB of each.)
  uint32_t qnum, cbytes, footprint;
  uint32_t qbytes;
  std::atomic<uint32_t> removed; // IPC_RMID: waiters wake with EIDRM
  uint32_t lspid, lrpid;
  // Bumped by every change; spinning waiters watch it (32 bits: only equality matters).
  std::atomic<uint32_t> change;
  int64_t stime, rtime;
  // Read-mostly: the permissions (the store's entry has them too; IPC_SET changes both),
  // the sleepers registered under the lock.
  alignas(64) uint32_t magic;
  uint32_t uid, gid, cuid, cgid, mode;
  std::atomic<uint32_t> waiters[2]; // sleepers registered per side (0 receive, 1 send)
  // Who sleeps, each on its own thread's event: a wake-up cannot be taken by another
  // sleeper (a semaphore shared by receivers of different types would allow that).
  alignas(64) Sleeper sleepers[kSleepers];
};
static_assert(offsetof(QueueHead, magic) == 64);
static_assert(sizeof(QueueHead) == 4096);

struct QueueFile {
  QueueHead h;
  unsigned char ring[2][kRing];
};

uint32_t pos_head(uint64_t p) { return static_cast<uint32_t>(p) & kPosMask; }
uint32_t pos_tail(uint64_t p) { return static_cast<uint32_t>(p >> 24) & kPosMask; }
uint32_t pos_ring(uint64_t p) { return static_cast<uint32_t>(p >> 48) & 1u; }
uint64_t make_pos(uint32_t head, uint32_t tail, uint32_t ring) {
  return uint64_t(head & kPosMask) | (uint64_t(tail & kPosMask) << 24) | (uint64_t(ring) << 48);
}
uint32_t footprint_of(uint32_t size) { return 16u + ((size + 7u) & ~7u); }

// A process's lock token: pid and a hash of its creation time (pid reuse differs).
uint64_t token_of(uint32_t pid, uint64_t start) {
  uint32_t h = static_cast<uint32_t>(start ^ (start >> 32)) | 1u;
  return (uint64_t(pid) << 32) | h;
}
uint64_t my_token() {
  static const uint64_t t = token_of(self().pid, self().start);
  return t;
}
bool token_alive(uint64_t token) {
  uint32_t pid = static_cast<uint32_t>(token >> 32);
  if (pid == self().pid)
    return true;
  HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, pid);
  if (!h)
    return GetLastError() == ERROR_ACCESS_DENIED;
  bool alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
  FILETIME c, x, k, u;
  if (alive && GetProcessTimes(h, &c, &x, &k, &u))
    alive = token_of(pid, (uint64_t(c.dwHighDateTime) << 32) | c.dwLowDateTime) == token;
  CloseHandle(h);
  return alive;
}

// Walks the live and dead messages of the committed contents, head to tail.
template <class F> void walk(QueueFile *q, uint64_t pos, F f) {
  uint32_t p = pos_head(pos), tail = pos_tail(pos);
  unsigned char *ring = q->ring[pos_ring(pos)];
  for (uint32_t guard = 0; p != tail && guard <= kRing / 8; ++guard) {
    uint32_t off = p % kRing, room = kRing - off;
    if (room < sizeof(MsgHdr)) {
      p = (p + room) & kPosMask;
      continue;
    }
    auto *m = reinterpret_cast<MsgHdr *>(ring + off);
    uint32_t st = m->state.load(std::memory_order_relaxed);
    if (st == kWrap) {
      p = (p + room) & kPosMask;
      continue;
    }
    if (m->size > MSGMAX || footprint_of(m->size) > room)
      return; // not a message: the file was damaged from outside; stop rather than stray
    if (!f(p, m, st))
      return;
    p = (p + footprint_of(m->size)) & kPosMask;
  }
}

// Recounts what a dead lock holder may have left half-updated.
void repair(QueueFile *q) {
  uint32_t qnum = 0, cbytes = 0, foot = 0;
  walk(q, q->h.pos.load(), [&](uint32_t, MsgHdr *m, uint32_t st) {
    if (st == kLiveMsg) {
      ++qnum;
      cbytes += m->size;
      foot += footprint_of(m->size);
    }
    return true;
  });
  q->h.qnum = qnum;
  q->h.cbytes = cbytes;
  q->h.footprint = foot;
}

void qlock(QueueFile *q) {
  uint64_t me = my_token();
  for (uint32_t spins = 0;; ++spins) {
    uint64_t cur = q->h.lock.load(std::memory_order_relaxed);
    if (cur == 0) {
      if (q->h.lock.compare_exchange_weak(cur, me, std::memory_order_acquire))
        return;
      continue;
    }
    if (spins < 64) {
      YieldProcessor();
    } else {
      // The holder may be descheduled (2 cores, many processes) or dead: yield, and now
      // and then look whether it still runs; a dead holder's lock is taken over.
      SwitchToThread();
      if ((spins & 255) == 255 && !token_alive(cur)) {
        if (q->h.lock.compare_exchange_strong(cur, me, std::memory_order_acquire)) {
          repair(q);
          return;
        }
      }
    }
  }
}

void qunlock(QueueFile *q) { q->h.lock.store(0, std::memory_order_release); }

// A queue as this process has it mapped.
struct Queue {
  QueueFile *q = nullptr;
  uint64_t cookie = 0;
  int index = -1;
  ~Queue() {
    if (q)
      UnmapViewOfFile(q);
  }
};

std::mutex g_mu;
std::map<int, std::shared_ptr<Queue>> g_queues;

// Maps the queue file of entry e (the store lock held).
std::shared_ptr<Queue> map_queue(Entry &e, int index, int *err) {
  auto qu = std::make_shared<Queue>();
  HANDLE f = open_object_file(Kind::Msg, e, true, false);
  if (f == INVALID_HANDLE_VALUE) {
    *err = EIDRM;
    return nullptr;
  }
  HANDLE m = CreateFileMappingW(f, nullptr, PAGE_READWRITE, 0, sizeof(QueueFile), nullptr);
  CloseHandle(f);
  if (m) {
    qu->q = static_cast<QueueFile *>(MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, sizeof(QueueFile)));
    CloseHandle(m);
  }
  if (!qu->q || qu->q->h.magic != kMagic) {
    *err = qu->q ? EIDRM : ENOMEM;
    return nullptr;
  }
  qu->cookie = e.cookie;
  qu->index = index;
  return qu;
}

// The mapped queue of id: from the cache while it is not removed, else through the store.
std::shared_ptr<Queue> lookup_queue(int id, int *err) {
  {
    std::lock_guard g(g_mu);
    auto it = g_queues.find(id);
    if (it != g_queues.end()) {
      if (!it->second->q->h.removed.load(std::memory_order_acquire))
        return it->second;
      g_queues.erase(it);
      *err = EINVAL;
      return nullptr;
    }
  }
  StoreLock lock;
  if (!lock) {
    *err = lock.error();
    return nullptr;
  }
  int index = -1;
  Entry *e = entry_by_id(Kind::Msg, id, &index, err);
  if (!e)
    return nullptr;
  auto qu = map_queue(*e, index, err);
  if (!qu)
    return nullptr;
  std::lock_guard g(g_mu);
  return g_queues.emplace(id, qu).first->second;
}

// The same, through a one-entry cache per thread (the fast path takes no lock for it). The
// thread's reference keeps the Queue alive for the call, whatever other threads do.
thread_local int t_id = -1;
thread_local std::shared_ptr<Queue> t_queue;

Queue *get_queue(int id, int *err) {
  if (t_id == id && t_queue && !t_queue->q->h.removed.load(std::memory_order_acquire))
    return t_queue.get();
  t_id = -1;
  t_queue = lookup_queue(id, err);
  if (!t_queue)
    return nullptr;
  t_id = id;
  return t_queue.get();
}

// Drops this process's mapping of a removed queue (call last: the Queue may go).
void forget_queue(int id) {
  if (t_id == id) {
    t_id = -1;
    t_queue.reset();
  }
  std::lock_guard g(g_mu);
  g_queues.erase(id);
}

double seconds_now() {
  static const double freq = [] {
    LARGE_INTEGER f;
    QueryPerformanceFrequency(&f);
    return static_cast<double>(f.QuadPart);
  }();
  LARGE_INTEGER c;
  QueryPerformanceCounter(&c);
  return static_cast<double>(c.QuadPart) / freq;
}

bool q_perm(QueueFile *q, int flg) {
  return perm_allows(q->h.uid, q->h.gid, q->h.cuid, q->h.cgid, q->h.mode, flg);
}

// This thread's wake-up event (auto-reset), named after its process and thread so that a
// waker in another process can open it.
// Wakers keep the events they opened (a bounded cache: opening is a server call).
std::mutex g_ev_mu;
std::map<uint64_t, HANDLE> g_events;

void signal_sleeper(uint32_t pid, uint32_t tid) {
  uint64_t key = (uint64_t(pid) << 32) | tid;
  HANDLE h = nullptr;
  {
    std::lock_guard g(g_ev_mu);
    auto it = g_events.find(key);
    if (it != g_events.end())
      h = it->second;
  }
  if (!h) {
    h = sysv::open_wake_event(sysv::Kind::Msg, pid, tid);
    if (!h)
      return; // gone with its thread: nobody to wake
    std::lock_guard g(g_ev_mu);
    if (g_events.size() >= 256) {
      CloseHandle(g_events.begin()->second);
      g_events.erase(g_events.begin());
    }
    auto [it, added] = g_events.emplace(key, h);
    if (!added) {
      CloseHandle(h);
      h = it->second;
    }
  }
  SetEvent(h);
}

// The sleepers of one side, taken off the table under the queue lock and woken after it.
struct WakeList {
  uint32_t n = 0;
  uint32_t pid[kSleepers];
  uint32_t tid[kSleepers];
  void take(QueueFile *q, uint32_t side) {
    if (!q->h.waiters[side].load(std::memory_order_relaxed))
      return; // the fast path: nobody sleeps, nothing is written
    for (int i = 0; i < kSleepers; ++i) {
      Sleeper &sl = q->h.sleepers[i];
      if (sl.token && sl.side == side) {
        pid[n] = static_cast<uint32_t>(sl.token >> 32);
        tid[n] = sl.tid;
        ++n;
        sl.token = 0;
      }
    }
    q->h.waiters[side].store(0, std::memory_order_relaxed);
  }
  void wake() {
    for (uint32_t i = 0; i < n; ++i)
      signal_sleeper(pid[i], tid[i]);
  }
};

// Registers the calling thread as a sleeper on `side` (queue locked). false if the table
// is full even after dropping the entries of dead processes.
bool add_sleeper(QueueFile *q, uint32_t side) {
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < kSleepers; ++i) {
      Sleeper &sl = q->h.sleepers[i];
      if (sl.token == 0) {
        sl.tid = GetCurrentThreadId();
        sl.side = side;
        sl.token = my_token();
        q->h.waiters[side].fetch_add(1, std::memory_order_relaxed);
        return true;
      }
    }
    for (int i = 0; i < kSleepers; ++i) {
      Sleeper &sl = q->h.sleepers[i];
      if (sl.token && !token_alive(sl.token)) {
        sl.token = 0;
        q->h.waiters[sl.side].fetch_sub(1, std::memory_order_relaxed);
      }
    }
  }
  return false;
}

// Sleeps until the queue changes (or is removed). Called with the queue locked, having
// found nothing to do; returns unlocked. Spins briefly first: the other side is usually
// about to act, and a sleep costs Wine server round trips.
void wait_change(Queue &qu, bool sender) {
  QueueFile *q = qu.q;
  uint32_t seen = q->h.change.load(std::memory_order_relaxed);
  qunlock(q);
  // About 50 us of spinning, then about as long yielding the processor, then sleep.
  double start = seconds_now();
  for (uint32_t i = 0;; ++i) {
    if (q->h.change.load(std::memory_order_acquire) != seen)
      return;
    if ((i & 63) != 63) {
      YieldProcessor();
      continue;
    }
    double spent = seconds_now() - start;
    if (spent > 100e-6)
      break;
    if (spent > 50e-6)
      SwitchToThread();
  }
  HANDLE ev = sysv::own_wake_event(sysv::Kind::Msg);
  qlock(q);
  if (q->h.change.load(std::memory_order_relaxed) != seen || q->h.removed.load()) {
    qunlock(q);
    return;
  }
  bool registered = ev && add_sleeper(q, sender ? 1u : 0u);
  qunlock(q);
  if (registered)
    WaitForSingleObject(ev, INFINITE);
  else
    Sleep(1); // no event or no free sleeper slot: poll (degraded, never lost)
}

// Copies the live messages into the other ring and switches to it (one store).
void compact(QueueFile *q) {
  uint64_t pos = q->h.pos.load(std::memory_order_relaxed);
  uint32_t to = pos_ring(pos) ^ 1u;
  uint32_t out = 0;
  walk(q, pos, [&](uint32_t, MsgHdr *m, uint32_t st) {
    if (st == kLiveMsg) {
      uint32_t foot = footprint_of(m->size);
      std::memcpy(q->ring[to] + out, m, foot);
      out += foot;
    }
    return true;
  });
  q->h.pos.store(make_pos(0, out, to), std::memory_order_release);
}

// false only if even a compacted ring has no room, which the msg_qbytes bound rules out.
bool append(QueueFile *q, int64_t type, const void *data, uint32_t size) {
  uint32_t foot = footprint_of(size);
  for (int attempt = 0; attempt < 2; ++attempt) {
    uint64_t pos = q->h.pos.load(std::memory_order_relaxed);
    uint32_t head = pos_head(pos), tail = pos_tail(pos), ring = pos_ring(pos);
    uint32_t used = (tail - head) & kPosMask;
    uint32_t off = tail % kRing, room = kRing - off;
    uint32_t need = foot + (room < foot ? room : 0);
    if (used + need > kRing) {
      compact(q); // live messages always fit twice over: room is made here
      continue;
    }
    unsigned char *r = q->ring[ring];
    if (room < foot) {
      if (room >= sizeof(MsgHdr))
        reinterpret_cast<MsgHdr *>(r + off)->state.store(kWrap, std::memory_order_relaxed);
      tail = (tail + room) & kPosMask;
      off = 0;
    }
    auto *m = reinterpret_cast<MsgHdr *>(r + off);
    m->size = size;
    m->type = type;
    m->state.store(kLiveMsg, std::memory_order_relaxed);
    std::memcpy(r + off + sizeof(MsgHdr), data, size);
    q->h.pos.store(make_pos(head, tail + foot, ring), std::memory_order_release); // commit
    q->h.qnum += 1;
    q->h.cbytes += size;
    q->h.footprint += foot;
    return true;
  }
  return false;
}

// Removes the message at position p (found by walk).
void remove_at(QueueFile *q, uint32_t p, MsgHdr *m) {
  uint64_t pos = q->h.pos.load(std::memory_order_relaxed);
  uint32_t size = m->size;
  if (p == pos_head(pos)) {
    // Move the head past it and past any dead messages after it: one store.
    uint32_t head = (p + footprint_of(size)) & kPosMask, tail = pos_tail(pos);
    unsigned char *ring = q->ring[pos_ring(pos)];
    while (head != tail) {
      uint32_t off = head % kRing, room = kRing - off;
      if (room < sizeof(MsgHdr)) {
        head = (head + room) & kPosMask;
        continue;
      }
      auto *n = reinterpret_cast<MsgHdr *>(ring + off);
      uint32_t st = n->state.load(std::memory_order_relaxed);
      if (st == kWrap)
        head = (head + room) & kPosMask;
      else if (st == kDeadMsg)
        head = (head + footprint_of(n->size)) & kPosMask;
      else
        break;
    }
    if (head == tail) // empty: start the ring over (keeps messages contiguous longer)
      q->h.pos.store(make_pos(0, 0, pos_ring(pos)), std::memory_order_release);
    else
      q->h.pos.store(make_pos(head, tail, pos_ring(pos)), std::memory_order_release);
  } else {
    m->state.store(kDeadMsg, std::memory_order_release); // commit
  }
  q->h.qnum -= 1;
  q->h.cbytes -= size;
  q->h.footprint -= footprint_of(size);
}

int64_t unix_now() { return now(); }

void fill_stat(Entry &e, QueueFile *q, struct msqid_ds *buf) {
  *buf = msqid_ds{};
  buf->msg_perm.__key = e.key;
  buf->msg_perm.uid = e.uid;
  buf->msg_perm.gid = e.gid;
  buf->msg_perm.cuid = e.cuid;
  buf->msg_perm.cgid = e.cgid;
  buf->msg_perm.mode = static_cast<unsigned short>(e.mode);
  buf->msg_perm.__seq = static_cast<unsigned short>(e.seq);
  qlock(q);
  buf->msg_stime = static_cast<time_t>(q->h.stime);
  buf->msg_rtime = static_cast<time_t>(q->h.rtime);
  buf->msg_ctime = static_cast<time_t>(e.ctime);
  buf->__msg_cbytes = static_cast<unsigned long>(q->h.cbytes);
  buf->msg_qnum = static_cast<msgqnum_t>(q->h.qnum);
  buf->msg_qbytes = static_cast<msglen_t>(q->h.qbytes);
  buf->msg_lspid = static_cast<pid_t>(q->h.lspid);
  buf->msg_lrpid = static_cast<pid_t>(q->h.lrpid);
  qunlock(q);
}

int create_queue(int32_t key, int flg) {
  int err = 0;
  int index = begin_create(Kind::Msg, key, flg & 0777, &err);
  if (index < 0) {
    errno = err;
    return -1;
  }
  Entry &e = entry_at(Kind::Msg, index);
  // The header is written and the file sized with plain file calls: mapping it here would
  // cost a map and an unmap (hundreds of microseconds under Wine) for one page.
  auto *h = new (std::nothrow) QueueHead{};
  HANDLE f = h ? open_object_file(Kind::Msg, e, true, true) : INVALID_HANDLE_VALUE;
  bool ok = f != INVALID_HANDLE_VALUE;
  if (ok) {
    h->qbytes = MSGMNB;
    h->uid = e.uid;
    h->gid = e.gid;
    h->cuid = e.cuid;
    h->cgid = e.cgid;
    h->mode = e.mode;
    h->magic = kMagic;
    DWORD put = 0;
    LARGE_INTEGER size;
    size.QuadPart = sizeof(QueueFile);
    ok = WriteFile(f, h, sizeof(QueueHead), &put, nullptr) && put == sizeof(QueueHead) &&
         SetFilePointerEx(f, size, nullptr, FILE_BEGIN) && SetEndOfFile(f);
  }
  delete h;
  if (f != INVALID_HANDLE_VALUE)
    CloseHandle(f);
  if (!ok) {
    abandon_create(Kind::Msg, index);
    errno = ENOSPC;
    return -1;
  }
  publish(Kind::Msg, index);
  return index;
}

// For MSG_INFO: the counters of every queue (read without its lock: a snapshot).
void totals(int *msgs, int *bytes) {
  uint64_t n = 0, b = 0;
  for (int i = 0; i < kMaxEntries; ++i) {
    Entry &e = entry_at(Kind::Msg, i);
    if (e.state != kLive)
      continue;
    HANDLE f = open_object_file(Kind::Msg, e, false, false);
    if (f == INVALID_HANDLE_VALUE)
      continue;
    HANDLE m = CreateFileMappingW(f, nullptr, PAGE_READONLY, 0, 0, nullptr);
    CloseHandle(f);
    if (!m)
      continue;
    auto *h = static_cast<const QueueHead *>(MapViewOfFile(m, FILE_MAP_READ, 0, 0, sizeof(QueueHead)));
    CloseHandle(m);
    if (h) {
      n += h->qnum;
      b += h->cbytes;
      UnmapViewOfFile(h);
    }
  }
  *msgs = static_cast<int>(std::min<uint64_t>(n, INT32_MAX));
  *bytes = static_cast<int>(std::min<uint64_t>(b, INT32_MAX));
}

// Which message msgrcv takes: the first live one matching, or for a negative type the
// first of the lowest type <= |msgtyp|.
MsgHdr *select_message(QueueFile *q, long msgtyp, int flg, uint32_t *at) {
  MsgHdr *best = nullptr;
  int64_t limit = msgtyp == LONG_MIN ? INT64_MAX : -static_cast<int64_t>(msgtyp);
  walk(q, q->h.pos.load(std::memory_order_relaxed), [&](uint32_t p, MsgHdr *m, uint32_t st) {
    if (st != kLiveMsg)
      return true;
    bool take;
    if (msgtyp == 0)
      take = true;
    else if (msgtyp > 0)
      take = (flg & MSG_EXCEPT) ? m->type != msgtyp : m->type == msgtyp;
    else {
      if (m->type <= limit && (!best || m->type < best->type)) {
        best = m;
        *at = p;
      }
      return true;
    }
    if (take) {
      best = m;
      *at = p;
      return false;
    }
    return true;
  });
  return best;
}

} // namespace
} // namespace posix_on_win

using namespace posix_on_win;
using namespace posix_on_win::sysv;

extern "C" {

int pow_msgget(key_t key, int msgflg) {
  StoreLock lock;
  if (!lock)
    return fail_errno(lock.error());
  return get_object(
      Kind::Msg, key, msgflg, [](int) { return 0; },
      [](int32_t k, int flg) { return create_queue(k, flg); });
}

int pow_msgsnd(int msqid, const void *msgp, size_t msgsz, int msgflg) {
  if (msgsz > MSGMAX || msqid < 0)
    return fail_errno(EINVAL);
  if (!msgp)
    return fail_errno(EFAULT);
  long mtype = *static_cast<const long *>(msgp);
  if (mtype < 1)
    return fail_errno(EINVAL);
  int err = 0;
  Queue *qu = get_queue(msqid, &err);
  if (!qu)
    return fail_errno(err);
  QueueFile *q = qu->q;
  if (!q_perm(q, 0222))
    return fail_errno(EACCES);
  const char *text = static_cast<const char *>(msgp) + sizeof(long);
  for (bool waited = false;; waited = true) {
    qlock(q);
    if (q->h.removed.load()) {
      qunlock(q);
      forget_queue(msqid);
      return fail_errno(waited ? EIDRM : EINVAL);
    }
    if (msgsz + q->h.cbytes <= q->h.qbytes && 1 + q->h.qnum <= q->h.qbytes &&
        append(q, mtype, text, static_cast<uint32_t>(msgsz))) {
      q->h.lspid = self().pid;
      q->h.stime = unix_now();
      q->h.change.store(q->h.change.load(std::memory_order_relaxed) + 1, std::memory_order_release);
      WakeList r;
      r.take(q, 0);
      qunlock(q);
      r.wake();
      return 0;
    }
    if (msgflg & IPC_NOWAIT) {
      qunlock(q);
      return fail_errno(EAGAIN);
    }
    wait_change(*qu, true);
  }
}

ssize_t pow_msgrcv(int msqid, void *msgp, size_t msgsz, long msgtyp, int msgflg) {
  if (msqid < 0 || static_cast<ssize_t>(msgsz) < 0)
    return fail_errno(EINVAL);
  if (msgflg & MSG_COPY) { // see pow/msg.h
    POW_TRACE_UNSUPPORTED("msgrcv", "MSG_COPY is not supported (as on a Linux kernel built "
                          "without CONFIG_CHECKPOINT_RESTORE) -> ENOSYS");
    return fail_errno(ENOSYS);
  }
  if (!msgp)
    return fail_errno(EFAULT);
  int err = 0;
  Queue *qu = get_queue(msqid, &err);
  if (!qu)
    return fail_errno(err);
  QueueFile *q = qu->q;
  if (!q_perm(q, 0444))
    return fail_errno(EACCES);
  for (bool waited = false;; waited = true) {
    qlock(q);
    if (q->h.removed.load()) {
      qunlock(q);
      forget_queue(msqid);
      return fail_errno(waited ? EIDRM : EINVAL);
    }
    uint32_t at = 0;
    if (MsgHdr *m = select_message(q, msgtyp, msgflg, &at)) {
      size_t n = m->size;
      if (n > msgsz) {
        if (!(msgflg & MSG_NOERROR)) {
          qunlock(q);
          return fail_errno(E2BIG); // the message stays
        }
        n = msgsz;
      }
      *static_cast<long *>(msgp) = static_cast<long>(m->type);
      std::memcpy(static_cast<char *>(msgp) + sizeof(long), m + 1, n);
      remove_at(q, at, m);
      q->h.lrpid = self().pid;
      q->h.rtime = unix_now();
      q->h.change.store(q->h.change.load(std::memory_order_relaxed) + 1, std::memory_order_release);
      WakeList w, r;
      w.take(q, 1);
      if (q->h.qnum) // receivers waiting for other types may want what is left
        r.take(q, 0);
      qunlock(q);
      w.wake();
      r.wake();
      return static_cast<ssize_t>(n);
    }
    if (msgflg & IPC_NOWAIT) {
      qunlock(q);
      return fail_errno(ENOMSG);
    }
    wait_change(*qu, false);
  }
}

int pow_msgctl(int msqid, int cmd, struct msqid_ds *buf) {
  switch (cmd) {
  case IPC_INFO:
  case MSG_INFO:
  case MSG_STAT:
  case MSG_STAT_ANY:
  case IPC_STAT:
  case IPC_SET:
  case IPC_RMID:
    break;
  default:
    return fail_errno(EINVAL);
  }
  if ((cmd == IPC_INFO || cmd == MSG_INFO || cmd == IPC_SET) && !buf)
    return fail_errno(EFAULT);
  StoreLock lock;
  if (!lock)
    return fail_errno(lock.error());
  if (cmd == IPC_INFO || cmd == MSG_INFO) {
    auto *info = reinterpret_cast<struct msginfo *>(buf);
    *info = msginfo{};
    info->msgmax = MSGMAX;
    info->msgmnb = MSGMNB;
    info->msgmni = kMsgMni;
    info->msgssz = 16;
    info->msgseg = 0xFFFF;
    if (cmd == IPC_INFO) { // Linux's static figures
      info->msgpool = static_cast<int>(static_cast<long long>(kMsgMni) * MSGMNB / 1024);
      info->msgmap = MSGMNB;
      info->msgtql = MSGMNB;
    } else { // MSG_INFO: queues in use, messages and bytes queued
      info->msgpool = used_count(Kind::Msg);
      totals(&info->msgmap, &info->msgtql);
    }
    return std::max(max_index(Kind::Msg), 0);
  }
  int index = -1, err = 0;
  Entry *e = nullptr;
  if (cmd == MSG_STAT || cmd == MSG_STAT_ANY) {
    // An index (Linux keeps its low 15 bits); the answer is the queue's id.
    index = msqid < 0 ? -1 : (msqid & ((1 << kIdShift) - 1));
    if (index < 0 || index >= kMaxEntries || entry_at(Kind::Msg, index).state != kLive)
      return fail_errno(EINVAL);
    e = &entry_at(Kind::Msg, index);
  } else {
    e = entry_by_id(Kind::Msg, msqid, &index, &err);
    if (!e)
      return fail_errno(err);
  }
  int id = entry_id(*e, index);
  switch (cmd) {
  case MSG_STAT:
  case MSG_STAT_ANY:
  case IPC_STAT: {
    if (cmd != MSG_STAT_ANY && !has_perm(*e, 0444))
      return fail_errno(EACCES);
    if (!buf)
      return fail_errno(EFAULT);
    auto qu = map_queue(*e, index, &err);
    if (!qu)
      return fail_errno(err);
    fill_stat(*e, qu->q, buf);
    return cmd == IPC_STAT ? 0 : id;
  }
  case IPC_SET: {
    if (!is_owner(*e))
      return fail_errno(EPERM);
    if (buf->msg_qbytes > MSGMNB)
      return fail_errno(EPERM); // beyond MSGMNB needs privilege; nobody has it here
    Queue *qu = get_queue(id, &err);
    if (!qu)
      return fail_errno(err);
    QueueFile *q = qu->q;
    e->uid = buf->msg_perm.uid;
    e->gid = buf->msg_perm.gid;
    e->mode = (e->mode & ~0777u) | (buf->msg_perm.mode & 0777u);
    e->ctime = now();
    qlock(q);
    q->h.uid = e->uid;
    q->h.gid = e->gid;
    q->h.mode = e->mode;
    q->h.qbytes = buf->msg_qbytes;
    q->h.change.fetch_add(1);
    WakeList w; // more room, maybe
    w.take(q, 1);
    qunlock(q);
    w.wake();
    return 0;
  }
  case IPC_RMID: {
    if (!is_owner(*e))
      return fail_errno(EPERM);
    Queue *qu = get_queue(id, &err);
    if (qu) {
      QueueFile *q = qu->q;
      qlock(q);
      q->h.removed.store(1);
      q->h.change.fetch_add(1);
      WakeList w, r;
      w.take(q, 1);
      r.take(q, 0);
      qunlock(q);
      w.wake();
      r.wake();
    }
    forget_queue(id);
    destroy(Kind::Msg, index);
    return 0;
  }
  default:
    return fail_errno(EINVAL);
  }
}

} // extern "C"
