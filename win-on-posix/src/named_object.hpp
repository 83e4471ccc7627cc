// The per-user namespace of named kernel objects (events, mutexes, semaphores, and file
// mappings later): one file per name under the runtime directory, shared by every process
// of the user, invisible to other users (0700).
//
// Lifetime without a daemon: every process holding the object keeps a shared flock on its
// own open file description of the file. The last one to let go gets the exclusive lock
// and removes the name; a file nobody holds a lock on (its holders were killed) is stale
// and replaced by the next creator.
#pragma once

#include <windows.h>

#include <functional>
#include <optional>
#include <string>
#include <sys/un.h>

namespace wop {

// A name as Win32 code passes it: nullptr (unnamed), UTF-8 otherwise.
struct ObjectName {
  bool present = false;
  std::string utf8;
};
ObjectName object_name(const char *name);
ObjectName object_name(const WCHAR *name);
// The Open* functions' name check: false with the last error set for a NULL name
// (ERROR_INVALID_PARAMETER) or "" (ERROR_INVALID_HANDLE: it names the object directory).
bool openable_name(const ObjectName &name);

struct NamedFile {
  int fd = -1;       // O_RDWR, close-on-exec, holding a shared flock
  std::string path;  // the name's file
  bool created = false;
};

// Opens the object called name (UTF-8, with an optional Local\ or Global\ prefix). When
// there is none and create is set, makes one: init(fd) fills the new file before the name
// becomes visible (false = failed, with the last error set). nullopt with the last error
// set on failure (ERROR_FILE_NOT_FOUND when absent and !create, ERROR_PATH_NOT_FOUND for
// a name with a backslash other than the prefix's, ERROR_ACCESS_DENIED if the runtime
// directory is not ours).
std::optional<NamedFile> named_open(const std::string &name, bool create,
                                    const std::function<bool(int)> &init);
// Lets go of a NamedFile: removes the name if no other process holds it, closes fd.
void named_release(int fd, const std::string &path);
// A new descriptor of the same file, holding its own shared lock: for a child process,
// which keeps the object alive from the moment it is spawned. -1 on failure.
int named_reopen(int fd);

// A descriptor a CreateProcess parent passed: if it is a named object's file, returns our
// own locked descriptor of it (closing the inherited one, which stays locked for the
// parent's other children) and sets path; otherwise returns fd and clears path. -1 on error.
int named_adopt(int fd, std::string *path);

// A file name for an object name: safe characters kept, others %XX-escaped; names too
// long for a file name are hashed (64-bit FNV-1a).
std::string object_file_name(const std::string &name);

// The per-user runtime directory ($XDG_RUNTIME_DIR/win-on-posix, else
// /dev/shm/win-on-posix-<uid>, else /tmp/...), created 0700 on first use; empty (last error set) if it is
// not a directory of ours that only we can enter.
const std::string &runtime_dir();
// <runtime dir>/<name>, created 0700 and checked to be ours (not a symlink, no group or
// other access); empty if it cannot be had. For the families with their own directory
// (mailslot, pipe).
std::string private_subdir(const char *name);

// A sockaddr for the socket file dir/name; through /proc/self/fd/<dirfd>/ (opened into
// *dirfd, which the caller closes) if the full path is too long for sun_path.
bool make_addr(const std::string &dir, const std::string &name, sockaddr_un *a,
               int *dirfd);

// An exclusive flock on <dir>/.lock for as long as it lives: serialises creating and
// cleaning up the names of one directory across processes.
class DirLock {
public:
  explicit DirLock(const std::string &dir);
  ~DirLock();
  DirLock(const DirLock &) = delete;
  DirLock &operator=(const DirLock &) = delete;
  bool ok() const { return fd_ >= 0; }

private:
  int fd_ = -1;
};

// This machine's computer name (GetComputerName), and whether a \\HOST\ prefix names this
// machine: ".", the host name or its first label, the computer name, "localhost" (any case).
std::string computer_name();
bool is_this_host(const std::string &host);

} // namespace wop
