// GetLastError/SetLastError (per thread) and the layer's single errno -> Win32 mapping.
#include "object.hpp"

#include <cerrno>

namespace {
thread_local DWORD t_last_error = ERROR_SUCCESS;
}

extern "C" DWORD WINAPI GetLastError(void) { return t_last_error; }
extern "C" void WINAPI SetLastError(DWORD code) { t_last_error = code; }

namespace wop {

DWORD win32_error_from_errno(int err) noexcept {
  switch (err) {
  case 0: return ERROR_SUCCESS;
  case EPERM:
  case EACCES:
  case EROFS: return ERROR_ACCESS_DENIED;
  case ENOENT: return ERROR_FILE_NOT_FOUND;
  case ENOTDIR: return ERROR_PATH_NOT_FOUND;
  case EBADF: return ERROR_INVALID_HANDLE;
  case ENOMEM: return ERROR_NOT_ENOUGH_MEMORY;
  case EMFILE:
  case ENFILE: return ERROR_TOO_MANY_OPEN_FILES;
  case EEXIST: return ERROR_ALREADY_EXISTS;
  case EINVAL: return ERROR_INVALID_PARAMETER;
  case ENOSPC: return ERROR_DISK_FULL;
  case EPIPE: return ERROR_NO_DATA; // what Windows reports writing to a pipe nobody reads
  case ENAMETOOLONG: return ERROR_FILENAME_EXCED_RANGE;
  case EAGAIN: return ERROR_NO_DATA;
  case EBUSY: return ERROR_BUSY;
  case ESPIPE: return ERROR_SEEK_ON_DEVICE;
  case ETIMEDOUT: return ERROR_SEM_TIMEOUT;
  case EFAULT: return ERROR_NOACCESS;
  case ENOTSUP: return ERROR_NOT_SUPPORTED;
  case ENOSYS: return ERROR_NOT_SUPPORTED;
  default: return ERROR_INVALID_FUNCTION;
  }
}

bool fail_errno(int err) {
  SetLastError(win32_error_from_errno(err));
  return false;
}

bool fail(DWORD win32_error) {
  SetLastError(win32_error);
  return false;
}

} // namespace wop
