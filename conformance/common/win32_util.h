/* Helpers for the Win32 corpus only: compiled into every win32 cell (reference and shim),
 * never into the POSIX corpus. They use only the Win32 API the corpus tests and the C
 * library, and report failures through CMocka, so call them from test cases, not roles. */
#ifndef CONF_WIN32_UTIL_H
#define CONF_WIN32_UTIL_H

#include <stddef.h>
#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The bound of every wait on a child or on a pipe, in milliseconds. */
#define CONF_WAIT_MS 20000u

/* Full path of this executable (GetModuleFileNameA(NULL, ...)). */
const char *conf_module_path(void);

/* Path of an executable next to this one: its directory + name, plus ".exe" when this
 * executable's own name ends in ".exe" (the Windows tree), nothing otherwise (Linux). */
void conf_sibling_exe(const char *name, char *out, size_t cap);

/* Appends " arg" (no leading space if cmd is empty) to a command line, quoted as the
 * Microsoft C runtime parses it: unchanged unless it is empty or contains a space, a tab
 * or a double quote; then in quotes, with each '"' escaped as \" and the backslashes
 * that precede a '"' (or the closing quote) doubled. Fails the test if it does not fit. */
void conf_append_arg(char *cmd, size_t cap, const char *arg);

/* Starts this executable in a role: command line "<module path>" --role <role> <args>
 * (args appended verbatim when not NULL/empty), CreateProcessA(NULL, cmdline, NULL, NULL,
 * inherit, 0, NULL, NULL, si, pi). si may be NULL: a zeroed STARTUPINFOA is used. Returns
 * CreateProcessA's result; GetLastError() is CreateProcessA's on failure. A started child
 * is tracked (see conf_track_process). */
BOOL conf_spawn_self(const char *role, const char *args, STARTUPINFOA *si, BOOL inherit,
                     PROCESS_INFORMATION *pi);

/* Waits at most timeout_ms for the process to exit and returns its exit code. If it does
 * not exit in time, it is terminated and the test fails with a message naming `what`. */
DWORD conf_wait_exit(HANDLE process, DWORD timeout_ms, const char *what);

/* conf_spawn_self, failing the case (with the error) if CreateProcess fails. */
void conf_spawn_self_or_fail(const char *role, const char *args, STARTUPINFOA *si, BOOL inherit,
                             PROCESS_INFORMATION *pi);
/* Starts this executable in `role` with the arguments "<name> <ready event name>" and waits
 * (bounded) until the child sets that event; fails the case, naming `what`, otherwise. */
void conf_spawn_until_ready(const char *role, const char *name, PROCESS_INFORMATION *pi,
                            const char *what);
/* Fail the case unless h is NULL with GetLastError() == err / unless h is a handle with
 * GetLastError() == err (0: a fresh object). */
void conf_expect_null(HANDLE h, DWORD err, const char *what);
void conf_expect_handle(HANDLE h, DWORD err, const char *what);
/* CreateThread, failing the case if it fails; and a bounded wait for a thread's end that
 * returns its exit code and closes its handle. */
HANDLE conf_start_thread(LPTHREAD_START_ROUTINE fn, void *arg, DWORD *tid);
DWORD conf_join_thread(HANDLE t, DWORD timeout_ms, const char *what);
/* An ASCII string as a WCHAR string (names for the W functions, whatever L"" means). */
void conf_to_wide(const char *s, WCHAR *out, size_t cap);

/* Reads a pipe until EOF, i.e. until ReadFile fails with ERROR_BROKEN_PIPE once every
 * write handle is closed, into buf (at most cap bytes; more fails the test). Returns the
 * number of bytes read. Bounded: ReadFile is only called when PeekNamedPipe reports data
 * or EOF; while the pipe is empty it waits on `writer` (a process handle, e.g. the child
 * that writes) in short slices, and fails the test if EOF is not reached within
 * timeout_ms (a write handle still open somewhere), terminating `writer` first. */
DWORD conf_read_to_eof(HANDLE r, HANDLE writer, void *buf, DWORD cap, DWORD timeout_ms);

/* Reads exactly n bytes from a pipe with blocking ReadFile calls; fails the test if the
 * pipe reaches EOF first (bounded by the writer: once every write handle is closed, and
 * so once a writing child dies, ReadFile fails with ERROR_BROKEN_PIPE). */
void conf_read_exact(HANDLE r, void *buf, DWORD n);

/* An anonymous pipe of which only the child's end is inheritable: if child_reads, *child_end
 * is the read end, else the write end. size is CreatePipe's nSize. */
void conf_child_pipe(HANDLE *parent_end, HANDLE *child_end, BOOL child_reads, DWORD size);

/* A STARTUPINFOA with STARTF_USESTDHANDLES; a NULL argument is replaced by this process's
 * own standard handle (GetStdHandle). */
void conf_stdio_startup(STARTUPINFOA *si, HANDLE in, HANDLE out, HANDLE err);

/* Children a case started and has not closed yet. A case that fails mid-way (CMocka
 * jumps out of it) may leave a child blocked on a pipe whose write end the case still
 * holds; such a child would outlive the test binary and keep the runner's output pipe
 * open. conf_reap_children, the teardown of every process.c case, terminates them.
 * conf_spawn_self tracks what it starts; track other CreateProcess results yourself. */
void conf_track_process(const PROCESS_INFORMATION *pi);
/* Stops tracking (for a case that closes the handles itself). */
void conf_untrack_process(const PROCESS_INFORMATION *pi);
/* CMocka teardown: terminates (exit code 254) and closes every still-tracked child. */
int conf_reap_children(void **state);

/* Closes both handles of a PROCESS_INFORMATION (asserting success) and stops tracking it. */
void conf_close_process(PROCESS_INFORMATION *pi);

#ifdef __cplusplus
}
#endif

#endif /* CONF_WIN32_UTIL_H */
