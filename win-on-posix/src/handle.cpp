// The handle table, CloseHandle, handle flags and DuplicateHandle.
#include "object.hpp"

#include <deque>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace wop {

bool Object::read(void *, DWORD, DWORD *) { return fail(ERROR_INVALID_HANDLE); }
bool Object::write(const void *, DWORD, DWORD *) { return fail(ERROR_INVALID_HANDLE); }
bool Object::peek(void *, DWORD, DWORD *, DWORD *, DWORD *) { return fail(ERROR_INVALID_HANDLE); }

namespace {

// value = ((generation << kIndexBits) | (index + 1)) << 2, which stays below 2^31.
constexpr unsigned kIndexBits = 20;
constexpr unsigned kGenBits = 9;
constexpr uint32_t kIndexMask = (1u << kIndexBits) - 1;
constexpr uint32_t kGenMask = (1u << kGenBits) - 1;
constexpr uint32_t kMaxSlots = kIndexMask; // index + 1 must fit in the index bits
// A freed slot waits until this many others are free before it is reused.
constexpr size_t kReuseDelay = 256;

struct Slot {
  HandleEntry entry;
  uint32_t generation = 0;
  bool used = false;
};

class HandleTable {
public:
  // A CreateProcess child starts with the handles its parent gave it, at the same values.
  HandleTable() {
    for (auto &h : take_inheritance_from_environment().handles)
      adopt(h);
  }

  HANDLE insert(ObjectPtr object, DWORD access, DWORD flags) {
    std::unique_lock lock(mu_);
    uint32_t index;
    if (free_.size() > kReuseDelay || (slots_.size() >= kMaxSlots && !free_.empty())) {
      index = free_.front();
      free_.pop_front();
    } else if (slots_.size() < kMaxSlots) {
      index = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    } else {
      SetLastError(ERROR_TOO_MANY_OPEN_FILES);
      return nullptr;
    }
    Slot &s = slots_[index];
    s.entry = HandleEntry{std::move(object), access, flags};
    s.used = true;
    ++live_;
    return encode(index, s.generation);
  }

  std::optional<HandleEntry> lookup(HANDLE h) {
    std::shared_lock lock(mu_);
    Slot *s = find(h);
    if (!s) {
      SetLastError(ERROR_INVALID_HANDLE);
      return std::nullopt;
    }
    return s->entry;
  }

  bool close(HANDLE h) {
    ObjectPtr doomed; // released outside the lock: destructors may block or call back
    {
      std::unique_lock lock(mu_);
      Slot *s = find(h);
      if (!s)
        return fail(ERROR_INVALID_HANDLE);
      doomed = std::move(s->entry.object);
      s->entry = HandleEntry{};
      s->used = false;
      s->generation = (s->generation + 1) & kGenMask;
      free_.push_back(static_cast<uint32_t>(s - slots_.data()));
      --live_;
    }
    return true;
  }

  bool set_flags(HANDLE h, DWORD mask, DWORD flags) {
    std::unique_lock lock(mu_);
    Slot *s = find(h);
    if (!s)
      return fail(ERROR_INVALID_HANDLE);
    s->entry.flags = (s->entry.flags & ~mask) | (flags & mask);
    return true;
  }

  size_t count() {
    std::shared_lock lock(mu_);
    return live_;
  }

  std::vector<std::pair<HANDLE, HandleEntry>> snapshot() {
    std::shared_lock lock(mu_);
    std::vector<std::pair<HANDLE, HandleEntry>> out;
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].used)
        out.emplace_back(encode(static_cast<uint32_t>(i), slots_[i].generation), slots_[i].entry);
    return out;
  }

private:
  void adopt(InheritedHandle &h) {
    uintptr_t v = reinterpret_cast<uintptr_t>(h.value);
    if (v == 0 || (v & 3) || v >= (uintptr_t{1} << (kIndexBits + kGenBits + 2)))
      return;
    v >>= 2;
    uint32_t index = static_cast<uint32_t>(v & kIndexMask) - 1;
    if (index >= kMaxSlots)
      return;
    while (slots_.size() <= index) {
      free_.push_back(static_cast<uint32_t>(slots_.size()));
      slots_.emplace_back();
    }
    Slot &s = slots_[index];
    if (s.used)
      return;
    std::erase(free_, index);
    s.generation = static_cast<uint32_t>(v >> kIndexBits) & kGenMask;
    s.entry = HandleEntry{std::move(h.object), h.access, h.flags};
    s.used = true;
    ++live_;
  }

  static HANDLE encode(uint32_t index, uint32_t gen) {
    uintptr_t v = ((static_cast<uintptr_t>(gen) << kIndexBits) | (index + 1)) << 2;
    return reinterpret_cast<HANDLE>(v);
  }

  Slot *find(HANDLE h) {
    uintptr_t v = reinterpret_cast<uintptr_t>(h);
    if (v == 0 || (v & 3) != 0 || v >= (uintptr_t{1} << (kIndexBits + kGenBits + 2)))
      return nullptr;
    v >>= 2;
    uint32_t index = static_cast<uint32_t>(v & kIndexMask);
    uint32_t gen = static_cast<uint32_t>(v >> kIndexBits);
    if (index == 0 || index > slots_.size())
      return nullptr;
    Slot &s = slots_[index - 1];
    if (!s.used || s.generation != gen)
      return nullptr;
    return &s;
  }

  std::shared_mutex mu_;
  std::vector<Slot> slots_;
  std::deque<uint32_t> free_;
  size_t live_ = 0;
};

HandleTable &table() {
  static HandleTable *t = new HandleTable; // never destroyed: handles may be closed at exit
  return *t;
}

const HANDLE kCurrentProcess = INVALID_HANDLE_VALUE; // GetCurrentProcess() pseudo-handle, as on Windows

} // namespace

HANDLE handle_insert(ObjectPtr object, DWORD access, DWORD flags) {
  return table().insert(std::move(object), access, flags);
}
std::optional<HandleEntry> handle_lookup(HANDLE h) { return table().lookup(h); }
bool handle_close(HANDLE h) { return table().close(h); }
bool handle_set_flags(HANDLE h, DWORD mask, DWORD flags) { return table().set_flags(h, mask, flags); }
size_t handle_count() { return table().count(); }
std::vector<std::pair<HANDLE, HandleEntry>> handle_snapshot() { return table().snapshot(); }
void handle_table_init() { (void)table(); }

} // namespace wop

using namespace wop;

extern "C" {

BOOL WINAPI CloseHandle(HANDLE h) {
  if (h == kCurrentProcess)
    return TRUE; // closing the pseudo-handle is a no-op on Windows
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  if (e->flags & HANDLE_FLAG_PROTECT_FROM_CLOSE)
    return fail(ERROR_INVALID_HANDLE);
  return handle_close(h);
}

BOOL WINAPI GetHandleInformation(HANDLE h, LPDWORD flags) {
  if (!flags)
    return fail(ERROR_INVALID_PARAMETER);
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  *flags = e->flags;
  return TRUE;
}

BOOL WINAPI SetHandleInformation(HANDLE h, DWORD mask, DWORD flags) {
  constexpr DWORD kValid = HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE;
  return handle_set_flags(h, mask & kValid, flags);
}

HANDLE WINAPI GetCurrentProcess(void) { return kCurrentProcess; }

BOOL WINAPI DuplicateHandle(HANDLE src_process, HANDLE src, HANDLE dst_process, LPHANDLE dst,
                            DWORD access, BOOL inherit, DWORD options) {
  const bool close_source = options & DUPLICATE_CLOSE_SOURCE;
  const DWORD flags = inherit ? HANDLE_FLAG_INHERIT : 0;
  std::optional<AgentLink> src_link, dst_link;
  if (src_process != kCurrentProcess && !(src_link = process_agent(src_process)))
    return FALSE;
  // Windows lets a NULL target process go with DUPLICATE_CLOSE_SOURCE: a close only.
  if (!dst_process && !close_source)
    return fail(ERROR_INVALID_HANDLE);
  if (dst_process && dst_process != kCurrentProcess && !(dst_link = process_agent(dst_process)))
    return FALSE;

  // The source entry, taken out of the source process if that is another one (whose
  // handle is then closed there at once if asked: Windows closes it whatever else fails).
  std::optional<HandleEntry> e;
  if (src_link) {
    if (!dst_process)
      return handle_pull(*src_link, src, true, nullptr);
    HandleEntry pulled;
    if (!handle_pull(*src_link, src, close_source, &pulled))
      return FALSE;
    e = std::move(pulled);
  } else if (src == reinterpret_cast<HANDLE>(-2)) { // GetCurrentThread(): a real handle
    e = HandleEntry{current_thread_object(), THREAD_ALL_ACCESS, 0};
  } else if (src == kCurrentProcess) { // GetCurrentProcess(): a real handle to ourselves
    ObjectPtr self = current_process_object();
    if (!self)
      return FALSE;
    e = HandleEntry{std::move(self), PROCESS_ALL_ACCESS, 0};
  } else {
    e = handle_lookup(src);
    if (!e)
      return FALSE;
  }
  auto close_local_source = [&] {
    if (close_source && !src_link && src != reinterpret_cast<HANDLE>(-2) && src != kCurrentProcess)
      handle_close(src);
  };
  if (!dst_process) {
    close_local_source();
    return TRUE;
  }
  DWORD new_access = (options & DUPLICATE_SAME_ACCESS) ? e->access : access;
  HANDLE h = nullptr;
  bool ok = dst_link ? handle_push(*dst_link, e->object, new_access, flags, &h)
                     : (h = handle_insert(e->object, new_access, flags)) != nullptr;
  DWORD err = ok ? 0 : GetLastError();
  close_local_source();
  if (!ok)
    return fail(err);
  if (dst)
    *dst = h;
  else if (!dst_link)
    handle_close(h);
  return TRUE;
}

} // extern "C"
