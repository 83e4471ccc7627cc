// The single Win32 error -> errno mapping of posix-on-win.
#include "fd.hpp"

#include <cerrno>

namespace posix_on_win {

int errno_from_win32(DWORD err) {
  switch (err) {
  case ERROR_SUCCESS: return 0;
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
  case ERROR_INVALID_DRIVE:
  case ERROR_BAD_NETPATH:
  case ERROR_BAD_NET_NAME: return ENOENT;
  case ERROR_TOO_MANY_OPEN_FILES: return EMFILE;
  case ERROR_ACCESS_DENIED:
  case ERROR_SHARING_VIOLATION:
  case ERROR_LOCK_VIOLATION: return EACCES;
  case ERROR_INVALID_HANDLE: return EBADF;
  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_OUTOFMEMORY:
  case ERROR_NO_SYSTEM_RESOURCES: return ENOMEM;
  case ERROR_FILE_EXISTS:
  case ERROR_ALREADY_EXISTS: return EEXIST;
  case ERROR_INVALID_PARAMETER:
  case ERROR_INVALID_NAME: return EINVAL;
  case ERROR_BROKEN_PIPE:
  case ERROR_NO_DATA:
  case ERROR_PIPE_NOT_CONNECTED: return EPIPE;
  case ERROR_PIPE_BUSY: return EBUSY;
  case ERROR_DISK_FULL:
  case ERROR_HANDLE_DISK_FULL: return ENOSPC;
  case ERROR_FILENAME_EXCED_RANGE: return ENAMETOOLONG;
  case ERROR_DIRECTORY: return ENOTDIR;
  case ERROR_SEEK_ON_DEVICE:
  case ERROR_NEGATIVE_SEEK: return ESPIPE;
  case ERROR_OPERATION_ABORTED: return EINTR;
  case ERROR_NOACCESS:
  case ERROR_INVALID_USER_BUFFER: return EFAULT;
  case ERROR_NOT_SUPPORTED: return ENOTSUP;
  case ERROR_SEM_TIMEOUT:
  case WAIT_TIMEOUT: return ETIMEDOUT;
  case ERROR_BAD_EXE_FORMAT:
  case ERROR_EXE_MACHINE_TYPE_MISMATCH: return ENOEXEC;
  case ERROR_DIR_NOT_EMPTY: return ENOTEMPTY;
  // Winsock: WSAGetLastError() codes are Win32 error codes too.
  case WSAEINTR: return EINTR;
  case WSAEBADF:
  case WSAENOTSOCK: return ENOTSOCK;
  case WSAEACCES: return EACCES;
  case WSAEFAULT: return EFAULT;
  case WSAEINVAL: return EINVAL;
  case WSAEMFILE: return EMFILE;
  case WSAEWOULDBLOCK: return EAGAIN; // mingw's EWOULDBLOCK (140) is not EAGAIN (11)
  case WSAEINPROGRESS: return EINPROGRESS;
  case WSAEALREADY: return EALREADY;
  case WSAEDESTADDRREQ: return EDESTADDRREQ;
  case WSAEMSGSIZE: return EMSGSIZE;
  case WSAEPROTOTYPE: return EPROTOTYPE;
  case WSAENOPROTOOPT: return ENOPROTOOPT;
  case WSAEPROTONOSUPPORT:
  case WSAESOCKTNOSUPPORT: return EPROTONOSUPPORT;
  case WSAEOPNOTSUPP: return EOPNOTSUPP;
  case WSAEPFNOSUPPORT:
  case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
  case WSAEADDRINUSE: return EADDRINUSE;
  case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
  case WSAENETDOWN: return ENETDOWN;
  case WSAENETUNREACH: return ENETUNREACH;
  case WSAENETRESET: return ENETRESET;
  case WSAECONNABORTED: return ECONNABORTED;
  case WSAECONNRESET: return ECONNRESET;
  case WSAENOBUFS: return ENOBUFS;
  case WSAEISCONN: return EISCONN;
  case WSAENOTCONN: return ENOTCONN;
  case WSAESHUTDOWN: return EPIPE;
  case WSAETIMEDOUT: return ETIMEDOUT;
  case WSAECONNREFUSED: return ECONNREFUSED;
  case WSAELOOP: return ELOOP;
  case WSAENAMETOOLONG: return ENAMETOOLONG;
  case WSAEHOSTDOWN:
  case WSAEHOSTUNREACH: return EHOSTUNREACH;
  case WSAENOTEMPTY: return ENOTEMPTY;
  case WSAEPROCLIM: return EAGAIN;
  case WSASYSNOTREADY:
  case WSAVERNOTSUPPORTED:
  case WSANOTINITIALISED: return EIO;
  default: return EIO;
  }
}

int fail_win32(DWORD err) {
  errno = errno_from_win32(err);
  return -1;
}
int fail_win32() { return fail_win32(GetLastError()); }
int fail_wsa() { return fail_win32(static_cast<DWORD>(WSAGetLastError())); }
int fail_errno(int e) {
  errno = e;
  return -1;
}

} // namespace posix_on_win
