// win-on-posix internals: kernel objects and the handle table.
// Every handle refers to an Object; handles duplicated from one another share it, and the
// object (with the kernel resources it owns) goes when its last handle does.
#pragma once

#include <windows.h>

#include <memory>
#include <optional>

namespace wop {

enum class ObjectKind { PipeEnd };

class Object {
public:
  virtual ~Object() = default;
  virtual ObjectKind kind() const noexcept = 0;

  // ReadFile/WriteFile on this object (synchronous). Return false with the last error set.
  // Objects that are not readable/writable keep the defaults: ERROR_INVALID_HANDLE, as
  // Windows reports for I/O on a handle of the wrong type.
  virtual bool read(void *buf, DWORD len, DWORD *done);
  virtual bool write(const void *buf, DWORD len, DWORD *done);
  // PeekNamedPipe: copy without consuming; never blocks.
  virtual bool peek(void *buf, DWORD len, DWORD *read, DWORD *avail, DWORD *left_in_message);
};

using ObjectPtr = std::shared_ptr<Object>;

struct HandleEntry {
  ObjectPtr object;
  DWORD access = 0;
  DWORD flags = 0; // HANDLE_FLAG_*
};

// Handle values are multiples of 4 below 2^31 (programs pass them through DWORDs and
// command lines), carry a generation so a stale copy is rejected, and are handed out
// oldest-free-slot first so a just-closed value is not reused soon.
HANDLE handle_insert(ObjectPtr object, DWORD access, DWORD flags);
// The entry, or nullopt with ERROR_INVALID_HANDLE set.
std::optional<HandleEntry> handle_lookup(HANDLE h);
bool handle_close(HANDLE h);
bool handle_set_flags(HANDLE h, DWORD mask, DWORD flags);
// Number of live handles (for tests and diagnostics).
size_t handle_count();

// The object behind h if it is a T, else nullptr with ERROR_INVALID_HANDLE set.
template <class T> std::shared_ptr<T> handle_object(HANDLE h) {
  auto e = handle_lookup(h);
  if (!e)
    return nullptr;
  auto p = std::dynamic_pointer_cast<T>(e->object);
  if (!p)
    SetLastError(ERROR_INVALID_HANDLE);
  return p;
}

// One errno -> Win32 error mapping for the whole layer.
DWORD win32_error_from_errno(int err) noexcept;
// Sets the last error from errno (or from err) and returns false, for `return fail_errno();`.
bool fail_errno(int err);
bool fail(DWORD win32_error);

} // namespace wop
