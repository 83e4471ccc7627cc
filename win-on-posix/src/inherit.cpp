// Handle inheritance, child side. A win-on-posix parent's CreateProcess describes the
// handles it passes in WOP_INHERIT:
//   <parent pid>;<handle>=<fd>[+<extra fd>]:<kind>:<access>:<flags>,...;<std in>,<std out>,<std err>
// (numbers in hex; the extra descriptor is Object::spawn_fds's parcel). The child rebuilds each object on its descriptor at the same handle
// value, so values passed on a command line work as on Windows. The variable is removed
// at once, so it never reaches grandchildren; a child that is a plain Linux program just
// sees the descriptors (std handles on 0, 1, 2).
#include "object.hpp"
#include "sync_object.hpp"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unistd.h>

namespace wop {

ObjectPtr rebuild_object(char kind, int fd, int extra) {
  if (kind == 'P')
    return named_pipe_adopt(fd, extra);
  if (extra >= 0)
    ::close(extra);
  switch (kind) {
  case 'r': return make_pipe_end(fd, true);
  case 'w': return make_pipe_end(fd, false);
  case 'f': return make_fd_object(fd);
  case 's': return sync_adopt(fd);
  case 'm': return section_adopt(fd);
  case 'M': return mailslot_adopt(fd, true);
  case 'W': return mailslot_adopt(fd, false);
  case 'k': return socket_adopt(fd);
  default: ::close(fd); return nullptr;
  }
}

namespace {

Inheritance g_inheritance;

uintptr_t hex(const char *&p) {
  char *end = nullptr;
  unsigned long long v = std::strtoull(p, &end, 16);
  p = end;
  return static_cast<uintptr_t>(v);
}

} // namespace

Inheritance take_inheritance_from_environment() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char *env = std::getenv(kInheritEnv);
    if (!env)
      return;
    std::string copy = env;
    unsetenv(kInheritEnv);
    const char *p = copy.c_str();
    if (static_cast<pid_t>(hex(p)) != getppid() || *p != ';')
      return; // meant for another process (e.g. left in an environment block by hand)
    ++p;
    std::map<int, ObjectPtr> by_fd; // duplicated handles share one object, as in the parent
    while (*p && *p != ';') {
      InheritedHandle h{};
      h.value = reinterpret_cast<HANDLE>(hex(p));
      if (*p++ != '=')
        return;
      int fd = static_cast<int>(hex(p));
      int extra = -1;
      if (*p == '+') {
        ++p;
        extra = static_cast<int>(hex(p));
      }
      if (*p++ != ':')
        return;
      char kind = *p++;
      if (*p++ != ':')
        return;
      h.access = static_cast<DWORD>(hex(p));
      if (*p++ != ':')
        return;
      h.flags = static_cast<DWORD>(hex(p));
      if (*p == ',')
        ++p;
      auto [shared, fresh] = by_fd.try_emplace(fd); // rebuilt once: it takes the descriptor
      if (fresh)
        shared->second = rebuild_object(kind, fd, extra);
      h.object = shared->second;
      if (h.object)
        g_inheritance.handles.push_back(std::move(h));
    }
    if (*p == ';') {
      ++p;
      for (int i = 0; i < 3 && *p; ++i) {
        g_inheritance.std_handles[i] = reinterpret_cast<HANDLE>(hex(p));
        if (*p == ',')
          ++p;
      }
    }
    g_inheritance.from_parent = true;
  });
  // The objects move into the handle table (only caller: its constructor, once).
  Inheritance out;
  out.handles = std::move(g_inheritance.handles);
  g_inheritance.handles.clear();
  std::memcpy(out.std_handles, g_inheritance.std_handles, sizeof out.std_handles);
  out.from_parent = g_inheritance.from_parent;
  return out;
}

const Inheritance &inheritance() {
  handle_table_init();
  return g_inheritance;
}

} // namespace wop
