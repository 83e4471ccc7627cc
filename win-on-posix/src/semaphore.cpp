// Semaphores: CreateSemaphore, OpenSemaphore, ReleaseSemaphore.
#include "sync_object.hpp"

namespace wop {

namespace {

class SemaphoreObject final : public SyncObject {
public:
  using SyncObject::SyncObject;
  ObjectKind kind() const noexcept override { return ObjectKind::Semaphore; }
  WaitCheck wait_check(WaitToken &) override {
    return state()->count > 0 ? WaitCheck::Ready : WaitCheck::NotReady;
  }
  void wait_acquire(WaitToken &) override { --state()->count; }
};

struct SemaphoreInit {
  LONG initial;
  LONG maximum;
};

void init_semaphore(SharedSync *s, const void *arg) {
  auto *a = static_cast<const SemaphoreInit *>(arg);
  s->count = a->initial;
  s->maximum = a->maximum;
}

DWORD semaphore_access(DWORD access) {
  return map_generic_access(access, READ_CONTROL | 0x1, READ_CONTROL | SEMAPHORE_MODIFY_STATE,
                            SYNCHRONIZE, SEMAPHORE_ALL_ACCESS);
}

HANDLE create_semaphore(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG maximum,
                        const ObjectName &name) {
  if (maximum <= 0 || initial < 0 || initial > maximum) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  SemaphoreInit init{initial, maximum};
  bool existed = false;
  auto obj = sync_create(SyncType::Semaphore, name, init_semaphore, &init, &existed);
  return sync_handle(obj, existed, SEMAPHORE_ALL_ACCESS, sa);
}

} // namespace

ObjectPtr make_semaphore_object(SyncSegmentPtr seg) {
  return std::make_shared<SemaphoreObject>(std::move(seg));
}

} // namespace wop

using namespace wop;

extern "C" {

HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG maximum,
                               LPCSTR name) {
  return create_semaphore(sa, initial, maximum, object_name(name));
}

HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG maximum,
                               LPCWSTR name) {
  return create_semaphore(sa, initial, maximum, object_name(name));
}

HANDLE WINAPI OpenSemaphoreA(DWORD access, BOOL inherit, LPCSTR name) {
  return sync_open_handle(SyncType::Semaphore, object_name(name), semaphore_access(access), inherit);
}

HANDLE WINAPI OpenSemaphoreW(DWORD access, BOOL inherit, LPCWSTR name) {
  return sync_open_handle(SyncType::Semaphore, object_name(name), semaphore_access(access), inherit);
}

BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG count, LPLONG previous) {
  auto sem = handle_object<SemaphoreObject>(h, SEMAPHORE_MODIFY_STATE);
  if (!sem)
    return FALSE;
  if (count <= 0)
    return fail(ERROR_INVALID_PARAMETER);
  SharedSync *s = sem->state();
  sync_lock(s);
  if (count > s->maximum - s->count) {
    sync_unlock(s);
    return fail(ERROR_TOO_MANY_POSTS);
  }
  if (previous)
    *previous = s->count;
  s->count += count;
  sync_unlock(s);
  s->word.notify();
  return TRUE;
}

} // extern "C"
