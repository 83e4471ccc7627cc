// ReadFile/WriteFile: argument checks as Windows does them, then the object's own I/O.
#include "object.hpp"

using namespace wop;

extern "C" {

BOOL WINAPI ReadFile(HANDLE h, LPVOID buf, DWORD len, LPDWORD done, LPOVERLAPPED ov) {
  if (done)
    *done = 0; // Windows zeroes the count before doing anything else
  if (!done && !ov)
    return fail(ERROR_INVALID_PARAMETER);
  if (!buf && len)
    return fail(ERROR_NOACCESS);
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  DWORD n = 0;
  BOOL ok = e->object->read(buf, len, &n);
  if (done)
    *done = n;
  if (ov) { // synchronous handle: the operation has completed by now
    ov->Internal = ok ? 0 : GetLastError();
    ov->InternalHigh = n;
  }
  return ok;
}

BOOL WINAPI WriteFile(HANDLE h, LPCVOID buf, DWORD len, LPDWORD done, LPOVERLAPPED ov) {
  if (done)
    *done = 0;
  if (!done && !ov)
    return fail(ERROR_INVALID_PARAMETER);
  if (!buf && len)
    return fail(ERROR_NOACCESS);
  auto e = handle_lookup(h);
  if (!e)
    return FALSE;
  DWORD n = 0;
  BOOL ok = e->object->write(buf, len, &n);
  if (done)
    *done = n;
  if (ov) {
    ov->Internal = ok ? 0 : GetLastError();
    ov->InternalHigh = n;
  }
  return ok;
}

} // extern "C"
