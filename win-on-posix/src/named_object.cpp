// The per-user namespace of named objects (see named_object.hpp for the lifetime rules).
#include "named_object.hpp"
#include "object.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <mutex>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace wop {

namespace {

bool private_dir(const std::string &dir) {
  struct stat st;
  return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::getuid() &&
         (st.st_mode & 077) == 0;
}

bool make_private_dir(const std::string &dir) {
  if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST)
    return false;
  return private_dir(dir);
}

std::string compute_runtime_dir() {
  std::string base;
  const char *xdg = std::getenv("XDG_RUNTIME_DIR");
  // Memory-backed file systems first: page-file-backed mappings live there.
  struct stat st;
  if (xdg && xdg[0] == '/' && private_dir(xdg))
    base = std::string(xdg) + "/win-on-posix";
  else if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && ::access("/dev/shm", W_OK) == 0)
    base = "/dev/shm/win-on-posix-" + std::to_string(::getuid());
  else
    base = "/tmp/win-on-posix-" + std::to_string(::getuid());
  // Local\ and Global\ are two namespaces, as for a program in an interactive session.
  if (!make_private_dir(base) || !make_private_dir(base + "/local") ||
      !make_private_dir(base + "/global"))
    return {};
  return base;
}

// The file for a name, or empty with the last error set.
std::string path_for(const std::string &name) {
  std::string ns = "local";
  std::string rest = name;
  auto starts = [&](const char *p) { return rest.rfind(p, 0) == 0; };
  if (starts("Global\\")) {
    ns = "global";
    rest.erase(0, 7);
  } else if (starts("Local\\")) {
    rest.erase(0, 6);
  }
  if (rest.find('\\') != std::string::npos) {
    fail(ERROR_PATH_NOT_FOUND); // Windows looks for a directory of that name: there is none
    return {};
  }
  if (rest.empty()) {
    fail(ERROR_INVALID_NAME);
    return {};
  }
  const std::string &dir = runtime_dir();
  if (dir.empty())
    return {};
  return dir + "/" + ns + "/" + object_file_name(rest);
}

// True while fd is the file path names (not removed or replaced).
bool still_linked(int fd, const std::string &path) {
  struct stat a, b;
  return ::fstat(fd, &a) == 0 && a.st_nlink > 0 && ::stat(path.c_str(), &b) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Removes the names whose holders were all killed (no lock on them): once per process, so
// a name nobody reopens does not stay behind either. A file being built is skipped unless
// it is old enough that its creator must have died.
void sweep_stale(const std::string &ns_dir) {
  DIR *d = ::opendir(ns_dir.c_str());
  if (!d)
    return;
  const time_t now = ::time(nullptr);
  while (dirent *ent = ::readdir(d)) {
    std::string name = ent->d_name;
    if (name == "." || name == "..")
      continue;
    std::string path = ns_dir + "/" + name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
      continue;
    struct stat st;
    bool building = name.rfind(".new-", 0) == 0;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (!building || now - st.st_mtime > 60) && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        still_linked(fd, path))
      ::unlink(path.c_str());
    ::close(fd);
  }
  ::closedir(d);
}

} // namespace

std::string object_file_name(const std::string &name) {
  std::string out;
  for (unsigned char c : name) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || (c == '.' && !out.empty());
    if (safe) {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  if (out.size() <= 200)
    return "n-" + out;
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name)
    h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "h-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

ObjectName object_name(const char *name) {
  ObjectName n;
  if (name) {
    n.present = true;
    n.utf8 = name;
  }
  return n;
}

ObjectName object_name(const WCHAR *name) {
  ObjectName n;
  if (name) {
    size_t len = 0;
    while (name[len])
      ++len;
    n.present = true;
    n.utf8 = utf8_from_utf16(name, len);
  }
  return n;
}

bool openable_name(const ObjectName &name) {
  if (!name.present)
    return fail(ERROR_INVALID_PARAMETER);
  if (name.utf8.empty())
    return fail(ERROR_INVALID_HANDLE);
  return true;
}

const std::string &runtime_dir() {
  static std::string dir = [] {
    std::string d = compute_runtime_dir();
    if (!d.empty()) {
      sweep_stale(d + "/local");
      sweep_stale(d + "/global");
    }
    return d;
  }();
  if (dir.empty())
    fail(ERROR_ACCESS_DENIED);
  return dir;
}

std::optional<NamedFile> named_open(const std::string &name, bool create,
                                    const std::function<bool(int)> &init) {
  std::string path = path_for(name);
  if (path.empty())
    return std::nullopt;
  // Each round either returns or saw the name change under it (removed, replaced, stale);
  // a bounded number of rounds keeps a pathological race from spinning forever.
  for (int round = 0; round < 1000; ++round) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        // Nobody holds it: its last holders were killed before removing the name.
        if (still_linked(fd, path))
          ::unlink(path.c_str());
        ::close(fd);
        continue;
      }
      if (::flock(fd, LOCK_SH) < 0) {
        int e = errno;
        ::close(fd);
        fail_errno(e);
        return std::nullopt;
      }
      if (!still_linked(fd, path)) { // its last holder removed it meanwhile
        ::close(fd);
        continue;
      }
      return NamedFile{fd, path, false};
    }
    if (errno != ENOENT) {
      fail_errno(errno);
      return std::nullopt;
    }
    if (!create) {
      fail(ERROR_FILE_NOT_FOUND);
      return std::nullopt;
    }
    // Built under a temporary name, locked, then linked: whoever finds the name finds it
    // complete and held.
    std::string tmp = path.substr(0, path.find_last_of('/')) + "/.new-XXXXXX";
    int nfd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (nfd < 0) {
      fail_errno(errno);
      return std::nullopt;
    }
    bool ok = ::flock(nfd, LOCK_SH) == 0 ? init(nfd) : fail_errno(errno);
    if (!ok) { // init set the last error
      DWORD e = GetLastError();
      ::unlink(tmp.c_str());
      ::close(nfd);
      fail(e);
      return std::nullopt;
    }
    int r = ::link(tmp.c_str(), path.c_str());
    int e = errno;
    ::unlink(tmp.c_str());
    if (r == 0)
      return NamedFile{nfd, path, true};
    ::close(nfd);
    if (e != EEXIST) {
      fail_errno(e);
      return std::nullopt;
    }
  }
  fail(ERROR_BUSY);
  return std::nullopt;
}

void named_release(int fd, const std::string &path) {
  // Converting to exclusive drops our shared lock even when it fails; we close anyway.
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && still_linked(fd, path))
    ::unlink(path.c_str());
  ::close(fd);
}

int named_adopt(int fd, std::string *path) {
  char link[4096];
  std::string self = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(self.c_str(), link, sizeof link - 1);
  std::string target = n > 0 ? std::string(link, static_cast<size_t>(n)) : std::string();
  const std::string &dir = runtime_dir();
  path->clear();
  if (dir.empty() || target.rfind(dir + "/", 0) != 0)
    return fd; // unnamed (a memfd)
  int own = named_reopen(fd);
  ::close(fd);
  if (own >= 0)
    *path = target;
  return own;
}

int named_reopen(int fd) {
  std::string self = "/proc/self/fd/" + std::to_string(fd);
  int nfd = ::open(self.c_str(), O_RDWR | O_CLOEXEC);
  if (nfd < 0)
    return -1;
  if (::flock(nfd, LOCK_SH) < 0) {
    ::close(nfd);
    return -1;
  }
  return nfd;
}

std::string private_subdir(const char *name) {
  const std::string &base = runtime_dir();
  if (base.empty())
    return std::string();
  std::string d = base + "/" + name;
  struct stat st;
  if ((::mkdir(d.c_str(), 0700) < 0 && errno != EEXIST) || ::lstat(d.c_str(), &st) < 0 ||
      !S_ISDIR(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077))
    return std::string();
  return d;
}

bool make_addr(const std::string &dir, const std::string &name, sockaddr_un *a, int *dirfd) {
  std::memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  std::string path = dir + "/" + name;
  if (path.size() >= sizeof a->sun_path) {
    if (*dirfd < 0)
      *dirfd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0)
      return false;
    path = "/proc/self/fd/" + std::to_string(*dirfd) + "/" + name;
    if (path.size() >= sizeof a->sun_path) {
      errno = ENAMETOOLONG;
      return false;
    }
  }
  std::memcpy(a->sun_path, path.c_str(), path.size());
  return true;
}

DirLock::DirLock(const std::string &dir) {
  if (dir.empty())
    return;
  fd_ = ::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ >= 0)
    while (::flock(fd_, LOCK_EX) < 0 && errno == EINTR) {
    }
}

DirLock::~DirLock() {
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace wop
