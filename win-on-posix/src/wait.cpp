// The wait engine: WaitForSingleObject / WaitForMultipleObjects over any waitable object.
// Every waitable object has a descriptor that polls readable when it may be signalled
// (a pidfd for processes); the engine polls them on a monotonic deadline and asks each
// object whether it is signalled, lowest index first.
#include "object.hpp"

#include <cerrno>
#include <chrono>
#include <poll.h>

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(DWORD timeout, Clock::time_point deadline) {
  if (timeout == INFINITE)
    return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

} // namespace

using namespace wop;

extern "C" {

DWORD WINAPI WaitForMultipleObjects(DWORD count, const HANDLE *handles, BOOL wait_all,
                                    DWORD timeout) {
  if (count == 0 || count > MAXIMUM_WAIT_OBJECTS || !handles) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return WAIT_FAILED;
  }
  ObjectPtr objs[MAXIMUM_WAIT_OBJECTS];
  pollfd fds[MAXIMUM_WAIT_OBJECTS];
  for (DWORD i = 0; i < count; ++i) {
    auto e = handle_lookup(handles[i]);
    if (!e || e->object->wait_fd() < 0) {
      SetLastError(ERROR_INVALID_HANDLE);
      return WAIT_FAILED;
    }
    objs[i] = e->object;
  }
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(timeout == INFINITE ? 0 : timeout);
  for (;;) {
    nfds_t n = 0;
    if (wait_all) {
      // Only objects a wait does not consume are waitable so far (processes, threads),
      // so checking each in turn is atomic enough: none changes back once signalled.
      for (DWORD i = 0; i < count; ++i)
        if (!objs[i]->try_wait())
          fds[n++] = pollfd{objs[i]->wait_fd(), POLLIN, 0};
      if (n == 0)
        return WAIT_OBJECT_0;
    } else {
      for (DWORD i = 0; i < count; ++i) {
        if (objs[i]->try_wait())
          return WAIT_OBJECT_0 + i;
        fds[n++] = pollfd{objs[i]->wait_fd(), POLLIN, 0};
      }
    }
    int ms = remaining_ms(timeout, deadline);
    if (ms == 0)
      return WAIT_TIMEOUT;
    int r = ::poll(fds, n, ms);
    if (r < 0 && errno != EINTR) {
      fail_errno(errno);
      return WAIT_FAILED;
    }
  }
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD timeout) {
  return WaitForMultipleObjects(1, &h, FALSE, timeout);
}

} // extern "C"
