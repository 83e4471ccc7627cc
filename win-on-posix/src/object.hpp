// win-on-posix internals: kernel objects and the handle table.
// Every handle refers to an Object; handles duplicated from one another share it, and the
// object (with the kernel resources it owns) goes when its last handle does.
#pragma once

#include <windows.h>

#include "wait.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wop {

bool fail(DWORD win32_error);

enum class ObjectKind {
  PipeEnd, File, Process, Thread, Event, Mutex, Semaphore, Section, Mailslot, NamedPipe,
  Socket
};

// An overlapped operation as ReadFile/WriteFile/ConnectNamedPipe/ReadFileEx/WriteFileEx
// start it on a handle opened with FILE_FLAG_OVERLAPPED (overlapped.cpp).
struct IoRequest {
  enum Op { Read, Write, Connect } op = Read;
  void *buf = nullptr;
  DWORD len = 0;
  DWORD offset = 0; // bytes of a byte-stream write already sent
  OVERLAPPED *ov = nullptr;
  HANDLE event = nullptr; // ov->hEvent when started (ignored for the Ex functions)
  LPOVERLAPPED_COMPLETION_ROUTINE routine = nullptr;
  std::shared_ptr<ApcQueue> apc; // the starting thread's queue, for the routine
  pid_t tid = 0;                 // the starting thread (CancelIo cancels only its own)
};
// Publishes a finished operation: Internal/InternalHigh, then hEvent (or the routine as an
// APC of the starting thread). error is a Win32 error code (0 = success).
void io_complete(const IoRequest &r, DWORD error, DWORD bytes);
// The NTSTATUS Internal holds for a Win32 error, and back.
ULONG_PTR io_status_from_error(DWORD error);
DWORD io_error_from_status(ULONG_PTR status);
// ReadFile/WriteFile with an OVERLAPPED on a handle whose object is overlapped().
bool io_submit_ov(HANDLE h, bool write, void *buf, DWORD len, DWORD *done, OVERLAPPED *ov);

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
  virtual DWORD file_type() const { return FILE_TYPE_UNKNOWN; }

  // Overlapped I/O. overlapped() is true for handles opened with FILE_FLAG_OVERLAPPED
  // whose object can run operations asynchronously. submit completes req at once (true;
  // false with the last error) or keeps it and completes it later through io_complete
  // (false with ERROR_IO_PENDING); it calls io_complete itself when done at once.
  // cancel completes the kept operations of ov (nullptr: all of them started by thread
  // tid, or by any thread when tid is 0) with ERROR_OPERATION_ABORTED; false with
  // ERROR_NOT_FOUND if there were none.
  virtual bool overlapped() const { return false; }
  virtual bool submit(IoRequest &req) {
    (void)req;
    return fail(ERROR_INVALID_HANDLE);
  }
  virtual bool cancel(OVERLAPPED *ov, pid_t tid) {
    (void)ov;
    (void)tid;
    return fail(ERROR_NOT_FOUND);
  }
  // FlushFileBuffers on a non-file object.
  virtual bool flush() { return fail(ERROR_INVALID_HANDLE); }

  // The wait engine (wait.cpp). A waitable object has a WaitWord (a futex word bumped on
  // every change that may satisfy a waiter) and answers, under its lock, whether a wait
  // can be satisfied now and then takes it (objects a wait consumes).
  virtual WaitWord *wait_word() { return nullptr; }
  // Nonzero for objects with a lock (wait-all takes the locks in this order; it is unique
  // per object, across processes for shared ones).
  virtual uint64_t wait_order() const { return 0; }
  virtual void wait_lock() {}
  virtual void wait_unlock() {}
  virtual void wait_begin(WaitToken &) {}
  virtual WaitCheck wait_check(WaitToken &) { return WaitCheck::NotReady; }
  virtual void wait_acquire(WaitToken &) {}
  // Before the waiter sleeps: arm whatever notices changes no other thread signals (a
  // pidfd, the death of a mutex owner in another process).
  virtual void wait_prepare_sleep(WaitToken &) {}

  // CreateFileMapping over this handle: the descriptor of a regular file (-1 otherwise)
  // and whether the handle may read and write it.
  virtual int mapping_fd(bool *can_read, bool *can_write) const {
    (void)can_read;
    (void)can_write;
    return -1;
  }

  // Inheritance into CreateProcess children: the descriptor to hand over and a one-letter
  // kind the child rebuilds the object from (inherit.cpp); -1 if not inheritable.
  virtual int inherit_fd() const { return -1; }
  virtual char inherit_kind() const { return '?'; }
  // The descriptor CreateProcess passes for this object: inherit_fd(), or one opened for
  // this spawn (put in temps, closed once the child has its copy).
  virtual int spawn_fd(std::vector<int> &temps) const {
    (void)temps;
    return inherit_fd();
  }
  // spawn_fd, plus for objects one descriptor cannot carry (a named pipe end: its socket,
  // shared page, instance lock, listener and state) a second one, *extra (else -1): a
  // socket holding one queued parcel the receiving side's rebuild_object reads. One call,
  // so the two agree even while other threads change the object.
  virtual int spawn_fds(std::vector<int> &temps, int *extra) const {
    *extra = -1;
    return spawn_fd(temps);
  }
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
// The handle flags SECURITY_ATTRIBUTES ask for (bInheritHandle).
inline DWORD inherit_flags(const SECURITY_ATTRIBUTES *sa) {
  return (sa && sa->bInheritHandle) ? HANDLE_FLAG_INHERIT : 0;
}
// The entry, or nullopt with ERROR_INVALID_HANDLE set.
std::optional<HandleEntry> handle_lookup(HANDLE h);
bool handle_close(HANDLE h);
bool handle_set_flags(HANDLE h, DWORD mask, DWORD flags);
// Every live handle with its entry, for CreateProcess to pick the inheritable ones.
std::vector<std::pair<HANDLE, HandleEntry>> handle_snapshot();
// Creates the table (and so adopts inherited handles) if nothing has yet.
void handle_table_init();
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

// The same, for an operation that needs access rights the handle may not grant
// (ERROR_ACCESS_DENIED).
template <class T> std::shared_ptr<T> handle_object(HANDLE h, DWORD required_access) {
  auto e = handle_lookup(h);
  if (!e)
    return nullptr;
  auto p = std::dynamic_pointer_cast<T>(e->object);
  if (!p) {
    SetLastError(ERROR_INVALID_HANDLE);
    return nullptr;
  }
  if ((e->access & required_access) != required_access) {
    SetLastError(ERROR_ACCESS_DENIED);
    return nullptr;
  }
  return p;
}

// Objects over descriptors, by kind (pipe.cpp, file.cpp). make_fd_object looks at what fd
// is (pipe/FIFO/socket, regular file, device) and its access mode.
ObjectPtr make_pipe_end(int fd, bool read_end);
ObjectPtr make_fd_object(int fd);
// A real handle's object for the calling thread (DuplicateHandle of GetCurrentThread()).
ObjectPtr current_thread_object();
// A real handle's object for this process (DuplicateHandle of GetCurrentProcess()), or
// nullptr with the last error set.
ObjectPtr current_process_object();
// A file mapping handed over by a CreateProcess parent (file_mapping.cpp).
ObjectPtr section_adopt(int fd);
// Mailslots (mailslot.cpp): whether CreateFile's name is \\HOST\mailslot\..., the
// client end CreateFile opens for it, and a server ('M') or client ('W') end handed over
// by a CreateProcess parent.
bool is_mailslot_name(const std::string &win_name);
// Named pipes (named_pipe.cpp): whether CreateFile's name is \\HOST\pipe\..., and the client
// end CreateFile opens for it.
bool is_pipe_name(const std::string &win_name);
HANDLE named_pipe_open_client(const std::string &win_name, DWORD access,
                              LPSECURITY_ATTRIBUTES sa, DWORD flags);
// A named pipe end ('P') handed over by a CreateProcess parent or DuplicateHandle.
ObjectPtr named_pipe_adopt(int fd, int parcel);
HANDLE mailslot_open_client(const std::string &win_name, DWORD access, LPSECURITY_ATTRIBUTES sa);
ObjectPtr mailslot_adopt(int fd, bool server);
// A Winsock socket handed over by a CreateProcess parent (winsock.cpp).
ObjectPtr socket_adopt(int fd);

// Handles a CreateProcess parent handed to this process (inherit.cpp), read once from the
// environment when the handle table is first used: they take their parent's values.
struct InheritedHandle {
  HANDLE value;
  ObjectPtr object;
  DWORD access;
  DWORD flags;
};
struct Inheritance {
  std::vector<InheritedHandle> handles;
  HANDLE std_handles[3] = {nullptr, nullptr, nullptr}; // values the parent set, if any
  bool from_parent = false;
};
Inheritance take_inheritance_from_environment();
// What take_inheritance_from_environment found (std handle values, for GetStdHandle).
const Inheritance &inheritance();
constexpr const char *kInheritEnv = "WOP_INHERIT";
// The object of an inherited or transferred descriptor of the given kind (inherit_kind()),
// with the extra descriptor spawn_fds gave (-1 if none); takes both (closed if no object
// can be made of them).
ObjectPtr rebuild_object(char kind, int fd, int extra = -1);

// Cross-process DuplicateHandle (handle_transfer.cpp). A CreateProcess child of ours runs
// a handle agent on its end of a socket pair named by WOP_AGENT; the parent's process
// object keeps the other end.
constexpr const char *kAgentEnv = "WOP_AGENT";
struct AgentLink {
  int fd;    // the parent's end
  int pidfd; // the child, so a wait for its answer ends if it dies
};
// The agent link of a process handle: nullopt with ERROR_INVALID_HANDLE if h is no process
// handle, ERROR_ACCESS_DENIED if the process has ended, ERROR_NOT_SUPPORTED if it runs no
// agent (a program not built with win-on-posix).
std::optional<AgentLink> process_agent(HANDLE h);
// Puts object into the child's handle table; *out is the handle value there.
bool handle_push(const AgentLink &link, const ObjectPtr &object, DWORD access, DWORD flags,
                 HANDLE *out);
// Takes the child's handle `remote` (object and access) into *out, closing it there if
// close_source; with out NULL, only closes it.
bool handle_pull(const AgentLink &link, HANDLE remote, bool close_source, HandleEntry *out);

// One errno -> Win32 error mapping for the whole layer.
DWORD win32_error_from_errno(int err) noexcept;
// Sets the last error from errno (or from err) and returns false, for `return fail_errno();`.
bool fail_errno(int err);
bool fail(DWORD win32_error);

} // namespace wop
