// DuplicateHandle across processes. Linux has no way to put a descriptor into another
// process, so each CreateProcess child of ours gets a handle agent: one end of a
// SOCK_SEQPACKET socket pair (WOP_AGENT=<fd>), served by the child's monitor thread from
// the moment the library is loaded. The parent keeps the other end in the process object.
// A request carries a fresh reply socket (so concurrent requests never mix replies) and,
// for a push, the object's descriptor and its extra one (Object::spawn_fds); the child
// rebuilds the object as it would an inherited one (same kinds) and answers with the
// handle value of its own table.
#include "fd_io.hpp"
#include "object.hpp"
#include "trace.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace wop {

namespace {

enum : uint32_t { kPush = 1, kPull = 2 };

struct Request {
  uint32_t op;
  uint32_t kind;   // push: the object kind (inherit.cpp's letters)
  uint32_t access; // push: the new handle's access
  uint32_t flags;  // push: HANDLE_FLAG_INHERIT
  uint64_t handle; // pull: the child's handle
  uint32_t close_source;
  uint32_t pad;
};

struct Reply {
  uint32_t error; // 0 or a Win32 error
  uint32_t kind;
  uint32_t access;
  uint32_t pad;
  uint64_t handle; // push: the new handle in the child
};

constexpr int kFds = 3; // a request: reply socket, object, extra (Object::spawn_fds)

// One whole message with up to kFds descriptors.
bool send_with_fds(int sock, const void *msg, size_t len, const int *fds, int nfds) {
  iovec iov{const_cast<void *>(msg), len};
  return send_fds(sock, &iov, 1, fds, nfds, 0) == static_cast<ssize_t>(len);
}

void close_fds(int *fds, int n) {
  for (int i = 0; i < n; ++i)
    if (fds[i] >= 0) {
      ::close(fds[i]);
      fds[i] = -1;
    }
}

// Receives one message of exactly len bytes and up to kFds descriptors (-1 where none).
// 0 on success, else an errno (EPIPE for an end of stream or a short message).
int recv_with_fds(int sock, void *msg, size_t len, int fds[kFds], int flags) {
  iovec iov{msg, len};
  int mflags = 0;
  ssize_t n = recv_fds(sock, &iov, 1, flags, fds, kFds, &mflags);
  if (n < 0)
    return errno;
  if (n != static_cast<ssize_t>(len) || (mflags & (MSG_TRUNC | MSG_CTRUNC))) {
    close_fds(fds, kFds);
    return EPIPE;
  }
  return 0;
}

// ---- the child side: the agent ----

int g_agent_fd = -1;

Reply serve_push(const Request &rq, int object_fd, int extra_fd) {
  Reply r{};
  if (object_fd < 0) {
    if (extra_fd >= 0)
      ::close(extra_fd);
    r.error = ERROR_INVALID_PARAMETER;
    return r;
  }
  ObjectPtr obj = rebuild_object(static_cast<char>(rq.kind), object_fd, extra_fd);
  if (!obj) {
    r.error = ERROR_NOT_SUPPORTED;
    return r;
  }
  HANDLE h = handle_insert(std::move(obj), rq.access, rq.flags & HANDLE_FLAG_INHERIT);
  if (!h) {
    r.error = GetLastError();
    return r;
  }
  r.handle = reinterpret_cast<uintptr_t>(h);
  return r;
}

void serve_pull(const Request &rq, int reply_fd) {
  Reply r{};
  HANDLE h = reinterpret_cast<HANDLE>(static_cast<uintptr_t>(rq.handle));
  std::vector<int> temps;
  int fds[2] = {-1, -1};
  std::optional<HandleEntry> e = handle_lookup(h); // keeps the object (and fd) until sent
  if (!e) {
    r.error = ERROR_INVALID_HANDLE;
  } else if ((fds[0] = e->object->spawn_fds(temps, &fds[1])) < 0) {
    r.error = ERROR_NOT_SUPPORTED;
  } else {
    r.kind = static_cast<unsigned char>(e->object->inherit_kind());
    r.access = e->access;
  }
  // DUPLICATE_CLOSE_SOURCE closes the source whatever else fails, as on Windows.
  if (e && rq.close_source && !(e->flags & HANDLE_FLAG_PROTECT_FROM_CLOSE))
    handle_close(h);
  send_with_fds(reply_fd, &r, sizeof r, fds, r.error ? 0 : fds[1] >= 0 ? 2 : 1);
  for (int t : temps)
    ::close(t);
}

void arm_agent();

// Runs on the monitor thread: serves every queued request, then watches again.
void serve_agent() {
  for (;;) {
    Request rq{};
    int fds[kFds];
    int err = recv_with_fds(g_agent_fd, &rq, sizeof rq, fds, MSG_DONTWAIT);
    if (err == EAGAIN || err == EWOULDBLOCK)
      break;
    if (err != 0 && fds[0] < 0) {
      // The parent is gone (end of stream) or the socket broke: nobody can ask again.
      int zero[2];
      if (err == EPIPE && ::recv(g_agent_fd, zero, sizeof zero, MSG_DONTWAIT | MSG_PEEK) == 0) {
        ::close(g_agent_fd);
        g_agent_fd = -1;
        return;
      }
      continue; // a malformed message: dropped
    }
    int reply_fd = fds[0];
    if (reply_fd < 0)
      continue;
    if (rq.op == kPush) {
      Reply r = serve_push(rq, fds[1], fds[2]); // takes the descriptors
      send_with_fds(reply_fd, &r, sizeof r, nullptr, 0);
    } else {
      close_fds(fds + 1, kFds - 1);
      if (rq.op == kPull)
        serve_pull(rq, reply_fd);
    }
    ::close(reply_fd);
  }
  arm_agent();
}

void arm_agent() {
  int fd = ::fcntl(g_agent_fd, F_DUPFD_CLOEXEC, 0);
  if (fd >= 0)
    monitor_watch(fd, 0, serve_agent);
}

// At load time, before main: a child of ours may be asked for handles before it calls us.
__attribute__((constructor)) void start_agent() {
  const char *v = std::getenv(kAgentEnv);
  if (!v)
    return;
  char *end = nullptr;
  long fd = std::strtol(v, &end, 16);
  unsetenv(kAgentEnv); // not for grandchildren
  if (end == v || fd < 3 || fd > 1 << 20)
    return;
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
      type != SOCK_SEQPACKET)
    return; // not what a parent of ours would pass
  g_agent_fd = static_cast<int>(fd);
  ::fcntl(g_agent_fd, F_SETFD, FD_CLOEXEC);
  ::fcntl(g_agent_fd, F_SETFL, ::fcntl(g_agent_fd, F_GETFL) | O_NONBLOCK);
  char hello = 'H'; // tells the parent an agent serves this end (see process_agent)
  (void)::send(g_agent_fd, &hello, 1, MSG_NOSIGNAL);
  arm_agent();
}

// ---- the parent side ----

// Sends a request with a fresh reply socket (and an object's descriptors: obj[0] or -1, and
// obj[1] its extra one or -1) and waits for the reply, whose descriptors go to got (the same
// shape; closed when got is NULL); if the child dies first, the reply socket in flight is
// freed with its queue and the wait ends.
bool call_agent(const AgentLink &link, const Request &rq, const int obj[2], Reply &r,
                int got[2]) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
    return fail_errno(errno);
  int fds[kFds] = {pair[1], obj[0], obj[1]};
  bool sent = send_with_fds(link.fd, &rq, sizeof rq, fds,
                            obj[0] < 0 ? 1 : obj[1] < 0 ? 2 : 3);
  int send_err = errno;
  ::close(pair[1]);
  if (!sent) {
    ::close(pair[0]);
    return fail(send_err == EPIPE || send_err == ECONNRESET ? ERROR_ACCESS_DENIED
                                                            : win32_error_from_errno(send_err));
  }
  for (;;) {
    pollfd p[2] = {{pair[0], POLLIN, 0}, {link.pidfd, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) {
      ::close(pair[0]);
      return fail_errno(errno);
    }
    if (p[0].revents)
      break;
    if (p[1].revents) { // the child ended without answering
      ::close(pair[0]);
      return fail(ERROR_ACCESS_DENIED);
    }
  }
  int fds_in[kFds];
  int err = recv_with_fds(pair[0], &r, sizeof r, fds_in, 0);
  ::close(pair[0]);
  if (err != 0)
    return fail(ERROR_ACCESS_DENIED); // the child ended while serving us
  if (got && !r.error) {
    got[0] = fds_in[0];
    got[1] = fds_in[1];
    close_fds(fds_in + 2, kFds - 2);
  } else {
    close_fds(fds_in, kFds);
  }
  return r.error ? fail(r.error) : true;
}

} // namespace

bool handle_push(const AgentLink &link, const ObjectPtr &object, DWORD access, DWORD flags,
                 HANDLE *out) {
  std::vector<int> temps;
  int fds[2] = {-1, -1};
  fds[0] = object->spawn_fds(temps, &fds[1]);
  if (fds[0] < 0) { // process and thread handles stay in their process
    WOP_TRACE_UNSUPPORTED("DuplicateHandle", "a process or thread handle cannot be given to "
                          "another process (Linux cannot pass it) -> ERROR_NOT_SUPPORTED");
    return fail(ERROR_NOT_SUPPORTED);
  }
  Request rq{};
  rq.op = kPush;
  rq.kind = static_cast<unsigned char>(object->inherit_kind());
  rq.access = access;
  rq.flags = flags;
  Reply r{};
  bool ok = call_agent(link, rq, fds, r, nullptr);
  for (int t : temps)
    ::close(t);
  if (ok)
    *out = reinterpret_cast<HANDLE>(static_cast<uintptr_t>(r.handle));
  return ok;
}

bool handle_pull(const AgentLink &link, HANDLE remote, bool close_source, HandleEntry *out) {
  Request rq{};
  rq.op = kPull;
  rq.handle = reinterpret_cast<uintptr_t>(remote);
  rq.close_source = close_source;
  Reply r{};
  const int none[2] = {-1, -1};
  int fds[2] = {-1, -1};
  if (!call_agent(link, rq, none, r, out ? fds : nullptr))
    return false;
  if (!out)
    return true;
  if (fds[0] < 0) {
    close_fds(fds, 2);
    WOP_TRACE_UNSUPPORTED("DuplicateHandle", "a process or thread handle cannot be taken from "
                          "another process (Linux cannot pass it) -> ERROR_NOT_SUPPORTED");
    return fail(ERROR_NOT_SUPPORTED);
  }
  out->object = rebuild_object(static_cast<char>(r.kind), fds[0], fds[1]);
  if (!out->object)
    return fail(ERROR_NOT_SUPPORTED);
  out->access = r.access;
  return true;
}

} // namespace wop
