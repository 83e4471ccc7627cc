// Events: CreateEvent(Ex), OpenEvent, SetEvent, ResetEvent, PulseEvent.
#include "sync_object.hpp"

namespace wop {

namespace {

class EventObject final : public SyncObject {
public:
  using SyncObject::SyncObject;
  ObjectKind kind() const noexcept override { return ObjectKind::Event; }
  void wait_begin(WaitToken &t) override { t.pulse_gen = state()->pulse_gen; }
  WaitCheck wait_check(WaitToken &t) override {
    SharedSync *s = state();
    bool pulsed = s->pulse_gen != t.pulse_gen && (s->manual_reset || s->pulse_left);
    return s->signalled || pulsed ? WaitCheck::Ready : WaitCheck::NotReady;
  }
  void wait_acquire(WaitToken &) override {
    SharedSync *s = state();
    if (s->manual_reset)
      return;
    if (s->signalled)
      s->signalled = 0; // auto-reset: this waiter takes it
    else
      s->pulse_left = 0; // the one waiter an auto-reset pulse releases
  }
};

struct EventInit {
  bool manual;
  bool initial;
};

void init_event(SharedSync *s, const void *arg) {
  auto *a = static_cast<const EventInit *>(arg);
  s->manual_reset = a->manual;
  s->signalled = a->initial;
}

DWORD event_access(DWORD access) {
  return map_generic_access(access, READ_CONTROL | 0x1, READ_CONTROL | EVENT_MODIFY_STATE,
                            SYNCHRONIZE, EVENT_ALL_ACCESS);
}

HANDLE create_event(LPSECURITY_ATTRIBUTES sa, const ObjectName &name, bool manual, bool initial,
                    DWORD access) {
  EventInit init{manual, initial};
  bool existed = false;
  auto obj = sync_create(SyncType::Event, name, init_event, &init, &existed);
  return sync_handle(obj, existed, event_access(access), sa);
}

HANDLE create_event_ex(LPSECURITY_ATTRIBUTES sa, const ObjectName &name, DWORD flags,
                       DWORD access) {
  if (flags & ~DWORD{CREATE_EVENT_MANUAL_RESET | CREATE_EVENT_INITIAL_SET}) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  return create_event(sa, name, flags & CREATE_EVENT_MANUAL_RESET,
                      flags & CREATE_EVENT_INITIAL_SET, access);
}

} // namespace

ObjectPtr make_event_object(SyncSegmentPtr seg) {
  return std::make_shared<EventObject>(std::move(seg));
}

} // namespace wop

using namespace wop;

extern "C" {

HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial, LPCSTR name) {
  return create_event(sa, object_name(name), manual, initial, EVENT_ALL_ACCESS);
}

HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial, LPCWSTR name) {
  return create_event(sa, object_name(name), manual, initial, EVENT_ALL_ACCESS);
}

HANDLE WINAPI CreateEventExA(LPSECURITY_ATTRIBUTES sa, LPCSTR name, DWORD flags, DWORD access) {
  return create_event_ex(sa, object_name(name), flags, access);
}

HANDLE WINAPI CreateEventExW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name, DWORD flags, DWORD access) {
  return create_event_ex(sa, object_name(name), flags, access);
}

HANDLE WINAPI OpenEventA(DWORD access, BOOL inherit, LPCSTR name) {
  return sync_open_handle(SyncType::Event, object_name(name), event_access(access), inherit);
}

HANDLE WINAPI OpenEventW(DWORD access, BOOL inherit, LPCWSTR name) {
  return sync_open_handle(SyncType::Event, object_name(name), event_access(access), inherit);
}

BOOL WINAPI SetEvent(HANDLE h) {
  auto ev = handle_object<EventObject>(h, EVENT_MODIFY_STATE);
  if (!ev)
    return FALSE;
  SharedSync *s = ev->state();
  sync_lock(s);
  s->signalled = 1;
  sync_unlock(s);
  s->word.notify();
  return TRUE;
}

BOOL WINAPI ResetEvent(HANDLE h) {
  auto ev = handle_object<EventObject>(h, EVENT_MODIFY_STATE);
  if (!ev)
    return FALSE;
  SharedSync *s = ev->state();
  sync_lock(s);
  s->signalled = 0;
  sync_unlock(s);
  return TRUE;
}

BOOL WINAPI PulseEvent(HANDLE h) {
  auto ev = handle_object<EventObject>(h, EVENT_MODIFY_STATE);
  if (!ev)
    return FALSE;
  // Threads already waiting see the new generation: all of them for a manual-reset event,
  // the first to look for an auto-reset one; later waiters find the event reset.
  SharedSync *s = ev->state();
  sync_lock(s);
  ++s->pulse_gen;
  s->pulse_left = 1;
  s->signalled = 0;
  sync_unlock(s);
  s->word.notify();
  return TRUE;
}

} // extern "C"
