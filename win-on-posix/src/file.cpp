// ReadFile/WriteFile on any handle, and regular files: CreateFile, DeleteFile,
// GetFileType, GetFileSize(Ex), SetFilePointer(Ex).
#include "fd_io.hpp"
#include "text.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wop {

namespace {

constexpr DWORD kReadRights = GENERIC_READ | GENERIC_ALL | FILE_READ_DATA;
constexpr DWORD kWriteRights = GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA | FILE_APPEND_DATA;

// A regular file, a device (console, /dev/null) or anything else that is not a pipe.
class FileObject final : public Object {
public:
  FileObject(int fd, bool can_read, bool can_write, DWORD type)
      : fd_(fd), can_read_(can_read), can_write_(can_write), type_(type) {}
  ~FileObject() override { ::close(fd_); }
  ObjectKind kind() const noexcept override { return ObjectKind::File; }
  DWORD file_type() const override { return type_; }
  int inherit_fd() const override { return fd_; }
  char inherit_kind() const override { return 'f'; }
  int fd() const { return fd_; }
  int mapping_fd(bool *can_read, bool *can_write) const override {
    if (type_ != FILE_TYPE_DISK)
      return -1;
    *can_read = can_read_;
    *can_write = can_write_;
    return fd_;
  }

  bool read(void *buf, DWORD len, DWORD *done) override {
    if (!can_read_)
      return fail(ERROR_ACCESS_DENIED);
    ssize_t r = fd_read_some(fd_, buf, len);
    if (r < 0)
      return false;
    *done = static_cast<DWORD>(r); // 0 at end of file: success, as on Windows
    return true;
  }

  bool write(const void *buf, DWORD len, DWORD *done) override {
    if (!can_write_)
      return fail(ERROR_ACCESS_DENIED);
    return fd_write_all(fd_, buf, len, done);
  }

  bool flush() override {
    if (type_ != FILE_TYPE_DISK)
      return true;
    if (!can_write_)
      return fail(ERROR_ACCESS_DENIED);
    return ::fsync(fd_) == 0 || fail_errno(errno);
  }

private:
  int fd_;
  bool can_read_, can_write_;
  DWORD type_;
};

std::shared_ptr<FileObject> file_object(HANDLE h) {
  auto f = handle_object<FileObject>(h);
  if (!f && GetLastError() == ERROR_INVALID_HANDLE) {
    // A valid handle of another kind (pipe, process): not a seekable file.
    if (handle_lookup(h))
      SetLastError(ERROR_INVALID_FUNCTION);
  }
  return f;
}

// ENOENT means "file not found" only if the directory exists; else "path not found".
DWORD not_found_error(const std::string &path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0)
    return ERROR_FILE_NOT_FOUND;
  struct stat st;
  std::string dir = path.substr(0, slash);
  return (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) ? ERROR_FILE_NOT_FOUND
                                                                : ERROR_PATH_NOT_FOUND;
}

HANDLE create_file(const std::string &win_name, DWORD access, LPSECURITY_ATTRIBUTES sa,
                   DWORD disposition, DWORD flags_attrs) {
  if (win_name.empty()) {
    SetLastError(ERROR_PATH_NOT_FOUND);
    return INVALID_HANDLE_VALUE;
  }
  if (is_mailslot_name(win_name))
    return mailslot_open_client(win_name, access, sa);
  if (is_pipe_name(win_name))
    return named_pipe_open_client(win_name, access, sa, flags_attrs);
  std::string path = posix_path(win_name);
  bool rd = access & kReadRights, wr = access & kWriteRights;
  int oflags = O_CLOEXEC | O_NOCTTY;
  oflags |= rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
  if ((access & FILE_APPEND_DATA) && !(access & (GENERIC_WRITE | FILE_WRITE_DATA | GENERIC_ALL)))
    oflags |= O_APPEND;
  mode_t mode = (flags_attrs & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;
  DWORD success_error = ERROR_SUCCESS;
  int fd = -1;
  switch (disposition) {
  case CREATE_NEW:
    fd = ::open(path.c_str(), oflags | O_CREAT | O_EXCL, mode);
    if (fd < 0 && errno == EEXIST) {
      SetLastError(ERROR_FILE_EXISTS);
      return INVALID_HANDLE_VALUE;
    }
    break;
  case CREATE_ALWAYS:
  case OPEN_ALWAYS:
    fd = ::open(path.c_str(), oflags | O_CREAT | O_EXCL, mode);
    if (fd < 0 && errno == EEXIST) {
      fd = ::open(path.c_str(), oflags | (disposition == CREATE_ALWAYS ? O_TRUNC : 0));
      success_error = ERROR_ALREADY_EXISTS;
    }
    break;
  case OPEN_EXISTING:
    fd = ::open(path.c_str(), oflags);
    break;
  case TRUNCATE_EXISTING:
    if (!wr) {
      SetLastError(ERROR_INVALID_PARAMETER);
      return INVALID_HANDLE_VALUE;
    }
    fd = ::open(path.c_str(), oflags | O_TRUNC);
    break;
  default:
    SetLastError(ERROR_INVALID_PARAMETER);
    return INVALID_HANDLE_VALUE;
  }
  if (fd < 0) {
    SetLastError(errno == ENOENT ? not_found_error(path)
                 : errno == EISDIR ? static_cast<DWORD>(ERROR_ACCESS_DENIED)
                                   : win32_error_from_errno(errno));
    return INVALID_HANDLE_VALUE;
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && !(flags_attrs & FILE_FLAG_BACKUP_SEMANTICS)) {
    ::close(fd); // Windows opens directories only with backup semantics
    SetLastError(ERROR_ACCESS_DENIED);
    return INVALID_HANDLE_VALUE;
  }
  if (flags_attrs & FILE_FLAG_DELETE_ON_CLOSE)
    ::unlink(path.c_str()); // the name goes now; the data when the last handle closes
  ObjectPtr obj = make_fd_object(fd);
  HANDLE h = handle_insert(obj, access, inherit_flags(sa));
  if (!h)
    return INVALID_HANDLE_VALUE;
  SetLastError(success_error);
  return h;
}

bool delete_file(const std::string &win_name) {
  std::string path = posix_path(win_name);
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return fail(ERROR_ACCESS_DENIED);
  if (::unlink(path.c_str()) == 0)
    return true;
  return fail(errno == ENOENT ? not_found_error(path) : win32_error_from_errno(errno));
}

bool seek(HANDLE h, int64_t distance, DWORD method, int64_t *result) {
  auto f = file_object(h);
  if (!f)
    return false;
  int whence = method == FILE_BEGIN ? SEEK_SET : method == FILE_CURRENT ? SEEK_CUR
             : method == FILE_END   ? SEEK_END : -1;
  if (whence < 0)
    return fail(ERROR_INVALID_PARAMETER);
  off_t base = 0;
  if (whence == SEEK_CUR)
    base = ::lseek(f->fd(), 0, SEEK_CUR);
  else if (whence == SEEK_END) {
    struct stat st;
    base = ::fstat(f->fd(), &st) == 0 ? st.st_size : -1;
  }
  if (base < 0)
    return fail_errno(errno);
  if (base + distance < 0)
    return fail(ERROR_NEGATIVE_SEEK);
  off_t pos = ::lseek(f->fd(), base + distance, SEEK_SET);
  if (pos < 0)
    return fail_errno(errno);
  *result = pos;
  return true;
}

} // namespace

ObjectPtr make_fd_object(int fd) {
  struct stat st;
  int fl = ::fcntl(fd, F_GETFL);
  int acc = fl < 0 ? O_RDWR : (fl & O_ACCMODE);
  bool rd = acc == O_RDONLY || acc == O_RDWR || (fl & O_PATH);
  bool wr = acc == O_WRONLY || acc == O_RDWR;
  if (fl & O_PATH)
    rd = wr = false;
  if (::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
    return make_pipe_end(fd, !wr);
  DWORD type = ::fstat(fd, &st) != 0  ? FILE_TYPE_UNKNOWN
               : S_ISCHR(st.st_mode) ? FILE_TYPE_CHAR
                                     : FILE_TYPE_DISK;
  return std::make_shared<FileObject>(fd, rd, wr, type);
}

} // namespace wop

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
  if (ov && e->object->overlapped())
    return io_submit_ov(h, false, const_cast<void *>(static_cast<const void *>(buf)), len, done, ov);
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
  if (ov && e->object->overlapped())
    return io_submit_ov(h, true, const_cast<void *>(static_cast<const void *>(buf)), len, done, ov);
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

HANDLE WINAPI CreateFileA(LPCSTR name, DWORD access, DWORD /*share: not enforced on Linux*/,
                          LPSECURITY_ATTRIBUTES sa, DWORD disposition, DWORD flags,
                          HANDLE /*template*/) {
  return create_file(name ? name : "", access, sa, disposition, flags);
}

HANDLE WINAPI CreateFileW(LPCWSTR name, DWORD access, DWORD, LPSECURITY_ATTRIBUTES sa,
                          DWORD disposition, DWORD flags, HANDLE) {
  return create_file(utf8_from_utf16(name), access, sa, disposition, flags);
}

BOOL WINAPI DeleteFileA(LPCSTR name) {
  return name ? delete_file(name) : fail(ERROR_PATH_NOT_FOUND);
}
BOOL WINAPI DeleteFileW(LPCWSTR name) {
  return name ? delete_file(utf8_from_utf16(name)) : fail(ERROR_PATH_NOT_FOUND);
}

DWORD WINAPI GetFileType(HANDLE h) {
  auto e = handle_lookup(h);
  if (!e)
    return FILE_TYPE_UNKNOWN;
  DWORD t = e->object->file_type();
  SetLastError(t == FILE_TYPE_UNKNOWN ? ERROR_INVALID_HANDLE : NO_ERROR);
  return t;
}

BOOL WINAPI GetFileSizeEx(HANDLE h, PLARGE_INTEGER size) {
  if (!size)
    return fail(ERROR_INVALID_PARAMETER);
  auto f = file_object(h);
  if (!f)
    return FALSE;
  struct stat st;
  if (::fstat(f->fd(), &st) != 0)
    return fail_errno(errno);
  size->QuadPart = st.st_size;
  return TRUE;
}

DWORD WINAPI GetFileSize(HANDLE h, LPDWORD high) {
  LARGE_INTEGER size;
  if (!GetFileSizeEx(h, &size))
    return INVALID_FILE_SIZE;
  if (high)
    *high = static_cast<DWORD>(static_cast<uint64_t>(size.QuadPart) >> 32);
  SetLastError(NO_ERROR); // callers tell a real 0xFFFFFFFF from failure by the last error
  return static_cast<DWORD>(size.QuadPart);
}

DWORD WINAPI SetFilePointer(HANDLE h, LONG low, PLONG high, DWORD method) {
  int64_t distance = high ? static_cast<int64_t>((static_cast<uint64_t>(static_cast<uint32_t>(*high)) << 32) |
                                                 static_cast<uint32_t>(low))
                          : static_cast<int64_t>(low);
  int64_t pos = 0;
  if (!seek(h, distance, method, &pos))
    return INVALID_SET_FILE_POINTER;
  if (!high && pos > 0xFFFFFFFELL) {
    SetLastError(ERROR_INVALID_PARAMETER); // the result would not fit the return value
    return INVALID_SET_FILE_POINTER;
  }
  if (high)
    *high = static_cast<LONG>(static_cast<uint64_t>(pos) >> 32);
  SetLastError(NO_ERROR);
  return static_cast<DWORD>(pos);
}

BOOL WINAPI SetFilePointerEx(HANDLE h, LARGE_INTEGER distance, PLARGE_INTEGER new_pos,
                             DWORD method) {
  int64_t pos = 0;
  if (!seek(h, distance.QuadPart, method, &pos))
    return FALSE;
  if (new_pos)
    new_pos->QuadPart = pos;
  return TRUE;
}

} // extern "C"
