/* win-on-posix: kernel32 functions implemented on Linux. */
#ifndef WOP_WINBASE_H
#define WOP_WINBASE_H

#include "windef.h"
#include "winnt.h"
#include "winerror.h"

WOP_BEGIN_DECLS

/* Last error, per thread (win-on-posix/src/last_error.cpp). */
WOP_API DWORD WINAPI GetLastError(void);
WOP_API void WINAPI SetLastError(DWORD dwErrCode);

/* Handles (win-on-posix/src/handle.cpp). */
#define HANDLE_FLAG_INHERIT 0x00000001
#define HANDLE_FLAG_PROTECT_FROM_CLOSE 0x00000002
WOP_API BOOL WINAPI CloseHandle(HANDLE hObject);
WOP_API BOOL WINAPI GetHandleInformation(HANDLE hObject, LPDWORD lpdwFlags);
WOP_API BOOL WINAPI SetHandleInformation(HANDLE hObject, DWORD dwMask, DWORD dwFlags);
WOP_API HANDLE WINAPI GetCurrentProcess(void);
WOP_API BOOL WINAPI DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle,
                                    HANDLE hTargetProcessHandle, LPHANDLE lpTargetHandle,
                                    DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwOptions);

/* File I/O on any handle that supports it (win-on-posix/src/file.cpp). */
WOP_API BOOL WINAPI ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead,
                             LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped);
WOP_API BOOL WINAPI WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite,
                              LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped);

/* Anonymous pipes (win-on-posix/src/pipe.cpp). */
WOP_API BOOL WINAPI CreatePipe(PHANDLE hReadPipe, PHANDLE hWritePipe,
                               LPSECURITY_ATTRIBUTES lpPipeAttributes, DWORD nSize);
WOP_API BOOL WINAPI PeekNamedPipe(HANDLE hNamedPipe, LPVOID lpBuffer, DWORD nBufferSize,
                                  LPDWORD lpBytesRead, LPDWORD lpTotalBytesAvail,
                                  LPDWORD lpBytesLeftThisMessage);

/* Named pipes (win-on-posix/src/named_pipe.cpp); clients open them with CreateFile. */
#define PIPE_ACCESS_INBOUND 0x00000001
#define PIPE_ACCESS_OUTBOUND 0x00000002
#define PIPE_ACCESS_DUPLEX 0x00000003
#define PIPE_CLIENT_END 0x00000000
#define PIPE_SERVER_END 0x00000001
#define PIPE_WAIT 0x00000000
#define PIPE_NOWAIT 0x00000001
#define PIPE_READMODE_BYTE 0x00000000
#define PIPE_READMODE_MESSAGE 0x00000002
#define PIPE_TYPE_BYTE 0x00000000
#define PIPE_TYPE_MESSAGE 0x00000004
#define PIPE_ACCEPT_REMOTE_CLIENTS 0x00000000
#define PIPE_REJECT_REMOTE_CLIENTS 0x00000008
#define PIPE_UNLIMITED_INSTANCES 255
#define NMPWAIT_WAIT_FOREVER 0xffffffffu
#define NMPWAIT_NOWAIT 0x00000001
#define NMPWAIT_USE_DEFAULT_WAIT 0x00000000
WOP_API HANDLE WINAPI CreateNamedPipeA(LPCSTR lpName, DWORD dwOpenMode, DWORD dwPipeMode,
                                       DWORD nMaxInstances, DWORD nOutBufferSize,
                                       DWORD nInBufferSize, DWORD nDefaultTimeOut,
                                       LPSECURITY_ATTRIBUTES lpSecurityAttributes);
WOP_API HANDLE WINAPI CreateNamedPipeW(LPCWSTR lpName, DWORD dwOpenMode, DWORD dwPipeMode,
                                       DWORD nMaxInstances, DWORD nOutBufferSize,
                                       DWORD nInBufferSize, DWORD nDefaultTimeOut,
                                       LPSECURITY_ATTRIBUTES lpSecurityAttributes);
WOP_API BOOL WINAPI ConnectNamedPipe(HANDLE hNamedPipe, LPOVERLAPPED lpOverlapped);
WOP_API BOOL WINAPI DisconnectNamedPipe(HANDLE hNamedPipe);
WOP_API BOOL WINAPI WaitNamedPipeA(LPCSTR lpNamedPipeName, DWORD nTimeOut);
WOP_API BOOL WINAPI WaitNamedPipeW(LPCWSTR lpNamedPipeName, DWORD nTimeOut);
WOP_API BOOL WINAPI GetNamedPipeInfo(HANDLE hNamedPipe, LPDWORD lpFlags, LPDWORD lpOutBufferSize,
                                     LPDWORD lpInBufferSize, LPDWORD lpMaxInstances);
WOP_API BOOL WINAPI GetNamedPipeHandleStateA(HANDLE hNamedPipe, LPDWORD lpState,
                                             LPDWORD lpCurInstances,
                                             LPDWORD lpMaxCollectionCount,
                                             LPDWORD lpCollectDataTimeout, LPSTR lpUserName,
                                             DWORD nMaxUserNameSize);
WOP_API BOOL WINAPI GetNamedPipeHandleStateW(HANDLE hNamedPipe, LPDWORD lpState,
                                             LPDWORD lpCurInstances,
                                             LPDWORD lpMaxCollectionCount,
                                             LPDWORD lpCollectDataTimeout, LPWSTR lpUserName,
                                             DWORD nMaxUserNameSize);
WOP_API BOOL WINAPI SetNamedPipeHandleState(HANDLE hNamedPipe, LPDWORD lpMode,
                                            LPDWORD lpMaxCollectionCount,
                                            LPDWORD lpCollectDataTimeout);
WOP_API BOOL WINAPI TransactNamedPipe(HANDLE hNamedPipe, LPVOID lpInBuffer, DWORD nInBufferSize,
                                      LPVOID lpOutBuffer, DWORD nOutBufferSize,
                                      LPDWORD lpBytesRead, LPOVERLAPPED lpOverlapped);
WOP_API BOOL WINAPI CallNamedPipeA(LPCSTR lpNamedPipeName, LPVOID lpInBuffer, DWORD nInBufferSize,
                                   LPVOID lpOutBuffer, DWORD nOutBufferSize, LPDWORD lpBytesRead,
                                   DWORD nTimeOut);
WOP_API BOOL WINAPI CallNamedPipeW(LPCWSTR lpNamedPipeName, LPVOID lpInBuffer,
                                   DWORD nInBufferSize, LPVOID lpOutBuffer, DWORD nOutBufferSize,
                                   LPDWORD lpBytesRead, DWORD nTimeOut);
WOP_API BOOL WINAPI FlushFileBuffers(HANDLE hFile);
WOP_API BOOL WINAPI GetNamedPipeClientProcessId(HANDLE Pipe, PULONG ClientProcessId);
WOP_API BOOL WINAPI GetNamedPipeServerProcessId(HANDLE Pipe, PULONG ServerProcessId);

/* Overlapped I/O and APCs (win-on-posix/src/overlapped.cpp, wait.cpp). */
#define STATUS_PENDING ((DWORD)0x00000103L)
#define HasOverlappedIoCompleted(lpOverlapped) \
  (((DWORD)(lpOverlapped)->Internal) != STATUS_PENDING)
typedef void(WINAPI *LPOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwErrorCode,
                                                       DWORD dwNumberOfBytesTransfered,
                                                       LPOVERLAPPED lpOverlapped);
typedef void(WINAPI *PAPCFUNC)(ULONG_PTR Parameter);
WOP_API BOOL WINAPI GetOverlappedResult(HANDLE hFile, LPOVERLAPPED lpOverlapped,
                                        LPDWORD lpNumberOfBytesTransferred, BOOL bWait);
WOP_API BOOL WINAPI GetOverlappedResultEx(HANDLE hFile, LPOVERLAPPED lpOverlapped,
                                          LPDWORD lpNumberOfBytesTransferred,
                                          DWORD dwMilliseconds, BOOL bAlertable);
WOP_API BOOL WINAPI CancelIo(HANDLE hFile);
WOP_API BOOL WINAPI CancelIoEx(HANDLE hFile, LPOVERLAPPED lpOverlapped);
WOP_API BOOL WINAPI ReadFileEx(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead,
                               LPOVERLAPPED lpOverlapped,
                               LPOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
WOP_API BOOL WINAPI WriteFileEx(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite,
                                LPOVERLAPPED lpOverlapped,
                                LPOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
WOP_API DWORD WINAPI QueueUserAPC(PAPCFUNC pfnAPC, HANDLE hThread, ULONG_PTR dwData);

/* Mailslots (win-on-posix/src/mailslot.cpp); clients open them with CreateFile. */
#define MAILSLOT_WAIT_FOREVER ((DWORD)-1)
#define MAILSLOT_NO_MESSAGE ((DWORD)-1)
WOP_API HANDLE WINAPI CreateMailslotA(LPCSTR lpName, DWORD nMaxMessageSize, DWORD lReadTimeout,
                                      LPSECURITY_ATTRIBUTES lpSecurityAttributes);
WOP_API HANDLE WINAPI CreateMailslotW(LPCWSTR lpName, DWORD nMaxMessageSize, DWORD lReadTimeout,
                                      LPSECURITY_ATTRIBUTES lpSecurityAttributes);
WOP_API BOOL WINAPI GetMailslotInfo(HANDLE hMailslot, LPDWORD lpMaxMessageSize,
                                    LPDWORD lpNextSize, LPDWORD lpMessageCount,
                                    LPDWORD lpReadTimeout);
WOP_API BOOL WINAPI SetMailslotInfo(HANDLE hMailslot, DWORD lReadTimeout);

/* Regular files (win-on-posix/src/file.cpp). */
#define CREATE_NEW 1
#define CREATE_ALWAYS 2
#define OPEN_EXISTING 3
#define OPEN_ALWAYS 4
#define TRUNCATE_EXISTING 5
#define FILE_ATTRIBUTE_READONLY 0x00000001
#define FILE_ATTRIBUTE_HIDDEN 0x00000002
#define FILE_ATTRIBUTE_DIRECTORY 0x00000010
#define FILE_ATTRIBUTE_ARCHIVE 0x00000020
#define FILE_ATTRIBUTE_NORMAL 0x00000080
#define FILE_ATTRIBUTE_TEMPORARY 0x00000100
#define FILE_FLAG_WRITE_THROUGH 0x80000000u
#define FILE_FLAG_OVERLAPPED 0x40000000
#define FILE_FLAG_NO_BUFFERING 0x20000000
#define FILE_FLAG_RANDOM_ACCESS 0x10000000
#define FILE_FLAG_SEQUENTIAL_SCAN 0x08000000
#define FILE_FLAG_DELETE_ON_CLOSE 0x04000000
#define FILE_FLAG_BACKUP_SEMANTICS 0x02000000
#define FILE_FLAG_FIRST_PIPE_INSTANCE 0x00080000
#define FILE_BEGIN 0
#define FILE_CURRENT 1
#define FILE_END 2
#define INVALID_SET_FILE_POINTER ((DWORD)-1)
#define INVALID_FILE_SIZE ((DWORD)0xFFFFFFFF)
#define FILE_TYPE_UNKNOWN 0x0000
#define FILE_TYPE_DISK 0x0001
#define FILE_TYPE_CHAR 0x0002
#define FILE_TYPE_PIPE 0x0003
#define FILE_TYPE_REMOTE 0x8000
WOP_API HANDLE WINAPI CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
                                  LPSECURITY_ATTRIBUTES lpSecurityAttributes,
                                  DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
                                  HANDLE hTemplateFile);
WOP_API HANDLE WINAPI CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
                                  LPSECURITY_ATTRIBUTES lpSecurityAttributes,
                                  DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
                                  HANDLE hTemplateFile);
WOP_API BOOL WINAPI DeleteFileA(LPCSTR lpFileName);
WOP_API BOOL WINAPI DeleteFileW(LPCWSTR lpFileName);
WOP_API DWORD WINAPI GetFileType(HANDLE hFile);
WOP_API DWORD WINAPI GetFileSize(HANDLE hFile, LPDWORD lpFileSizeHigh);
WOP_API BOOL WINAPI GetFileSizeEx(HANDLE hFile, PLARGE_INTEGER lpFileSize);
WOP_API DWORD WINAPI SetFilePointer(HANDLE hFile, LONG lDistanceToMove, PLONG lpDistanceToMoveHigh,
                                    DWORD dwMoveMethod);
WOP_API BOOL WINAPI SetFilePointerEx(HANDLE hFile, LARGE_INTEGER liDistanceToMove,
                                     PLARGE_INTEGER lpNewFilePointer, DWORD dwMoveMethod);

/* Standard handles (win-on-posix/src/process.cpp). */
#define STD_INPUT_HANDLE ((DWORD)-10)
#define STD_OUTPUT_HANDLE ((DWORD)-11)
#define STD_ERROR_HANDLE ((DWORD)-12)
WOP_API HANDLE WINAPI GetStdHandle(DWORD nStdHandle);
WOP_API BOOL WINAPI SetStdHandle(DWORD nStdHandle, HANDLE hHandle);

/* Waits (win-on-posix/src/wait.cpp). */
#define WAIT_OBJECT_0 0x00000000u
#define WAIT_ABANDONED 0x00000080u
#define WAIT_ABANDONED_0 WAIT_ABANDONED
#define WAIT_IO_COMPLETION 0x000000C0u
#define WAIT_TIMEOUT 258u
#define WAIT_FAILED ((DWORD)0xFFFFFFFF)
#define MAXIMUM_WAIT_OBJECTS 64
WOP_API DWORD WINAPI WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds);
WOP_API DWORD WINAPI WaitForSingleObjectEx(HANDLE hHandle, DWORD dwMilliseconds, BOOL bAlertable);
WOP_API DWORD WINAPI WaitForMultipleObjects(DWORD nCount, const HANDLE *lpHandles, BOOL bWaitAll,
                                            DWORD dwMilliseconds);
WOP_API DWORD WINAPI WaitForMultipleObjectsEx(DWORD nCount, const HANDLE *lpHandles,
                                              BOOL bWaitAll, DWORD dwMilliseconds,
                                              BOOL bAlertable);
WOP_API void WINAPI Sleep(DWORD dwMilliseconds);
WOP_API DWORD WINAPI SleepEx(DWORD dwMilliseconds, BOOL bAlertable);

/* Clocks (win-on-posix/src/wait.cpp): monotonic, as on Windows. */
WOP_API DWORD WINAPI GetTickCount(void);
WOP_API ULONGLONG WINAPI GetTickCount64(void);
WOP_API BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *lpPerformanceCount);
WOP_API BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *lpFrequency);

/* Events, mutexes, semaphores (win-on-posix/src/event.cpp, mutex.cpp, semaphore.cpp).
 * Named ones share one namespace with file mappings, per user (docs/architecture.md). */
#define CREATE_EVENT_MANUAL_RESET 0x00000001
#define CREATE_EVENT_INITIAL_SET 0x00000002
#define CREATE_MUTEX_INITIAL_OWNER 0x00000001
WOP_API HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset,
                                   BOOL bInitialState, LPCSTR lpName);
WOP_API HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset,
                                   BOOL bInitialState, LPCWSTR lpName);
WOP_API HANDLE WINAPI CreateEventExA(LPSECURITY_ATTRIBUTES lpEventAttributes, LPCSTR lpName,
                                     DWORD dwFlags, DWORD dwDesiredAccess);
WOP_API HANDLE WINAPI CreateEventExW(LPSECURITY_ATTRIBUTES lpEventAttributes, LPCWSTR lpName,
                                     DWORD dwFlags, DWORD dwDesiredAccess);
WOP_API HANDLE WINAPI OpenEventA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName);
WOP_API HANDLE WINAPI OpenEventW(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCWSTR lpName);
WOP_API BOOL WINAPI SetEvent(HANDLE hEvent);
WOP_API BOOL WINAPI ResetEvent(HANDLE hEvent);
WOP_API BOOL WINAPI PulseEvent(HANDLE hEvent);
WOP_API HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES lpMutexAttributes, BOOL bInitialOwner,
                                   LPCSTR lpName);
WOP_API HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES lpMutexAttributes, BOOL bInitialOwner,
                                   LPCWSTR lpName);
WOP_API HANDLE WINAPI CreateMutexExA(LPSECURITY_ATTRIBUTES lpMutexAttributes, LPCSTR lpName,
                                     DWORD dwFlags, DWORD dwDesiredAccess);
WOP_API HANDLE WINAPI CreateMutexExW(LPSECURITY_ATTRIBUTES lpMutexAttributes, LPCWSTR lpName,
                                     DWORD dwFlags, DWORD dwDesiredAccess);
WOP_API HANDLE WINAPI OpenMutexA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName);
WOP_API HANDLE WINAPI OpenMutexW(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCWSTR lpName);
WOP_API BOOL WINAPI ReleaseMutex(HANDLE hMutex);
WOP_API HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES lpSemaphoreAttributes,
                                       LONG lInitialCount, LONG lMaximumCount, LPCSTR lpName);
WOP_API HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES lpSemaphoreAttributes,
                                       LONG lInitialCount, LONG lMaximumCount, LPCWSTR lpName);
WOP_API HANDLE WINAPI OpenSemaphoreA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName);
WOP_API HANDLE WINAPI OpenSemaphoreW(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCWSTR lpName);
WOP_API BOOL WINAPI ReleaseSemaphore(HANDLE hSemaphore, LONG lReleaseCount,
                                     LPLONG lpPreviousCount);

/* File mappings (win-on-posix/src/file_mapping.cpp). */
#define FILE_MAP_COPY 0x0001
#define FILE_MAP_WRITE 0x0002
#define FILE_MAP_READ 0x0004
#define FILE_MAP_EXECUTE 0x0020
#define FILE_MAP_ALL_ACCESS SECTION_ALL_ACCESS
WOP_API HANDLE WINAPI CreateFileMappingA(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
                                         DWORD flProtect, DWORD dwMaximumSizeHigh,
                                         DWORD dwMaximumSizeLow, LPCSTR lpName);
WOP_API HANDLE WINAPI CreateFileMappingW(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
                                         DWORD flProtect, DWORD dwMaximumSizeHigh,
                                         DWORD dwMaximumSizeLow, LPCWSTR lpName);
WOP_API HANDLE WINAPI OpenFileMappingA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName);
WOP_API HANDLE WINAPI OpenFileMappingW(DWORD dwDesiredAccess, BOOL bInheritHandle,
                                       LPCWSTR lpName);
WOP_API LPVOID WINAPI MapViewOfFile(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
                                    DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
                                    SIZE_T dwNumberOfBytesToMap);
WOP_API LPVOID WINAPI MapViewOfFileEx(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
                                      DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
                                      SIZE_T dwNumberOfBytesToMap, LPVOID lpBaseAddress);
WOP_API BOOL WINAPI UnmapViewOfFile(LPCVOID lpBaseAddress);
WOP_API BOOL WINAPI FlushViewOfFile(LPCVOID lpBaseAddress, SIZE_T dwNumberOfBytesToFlush);
WOP_API SIZE_T WINAPI VirtualQuery(LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION lpBuffer,
                                   SIZE_T dwLength);

/* System information (win-on-posix/src/file_mapping.cpp: page size and granularity). */
#define PROCESSOR_ARCHITECTURE_INTEL 0
#define PROCESSOR_ARCHITECTURE_ARM64 12
#define PROCESSOR_ARCHITECTURE_AMD64 9
typedef struct _SYSTEM_INFO {
  WOP_NAMELESS union {
    DWORD dwOemId;
    WOP_NAMELESS struct {
      WORD wProcessorArchitecture;
      WORD wReserved;
    };
  };
  DWORD dwPageSize;
  LPVOID lpMinimumApplicationAddress;
  LPVOID lpMaximumApplicationAddress;
  DWORD_PTR dwActiveProcessorMask;
  DWORD dwNumberOfProcessors;
  DWORD dwProcessorType;
  DWORD dwAllocationGranularity;
  WORD wProcessorLevel;
  WORD wProcessorRevision;
} SYSTEM_INFO, *LPSYSTEM_INFO;
WOP_API void WINAPI GetSystemInfo(LPSYSTEM_INFO lpSystemInfo);

/* Threads (win-on-posix/src/thread.cpp). */
typedef DWORD(WINAPI *PTHREAD_START_ROUTINE)(LPVOID lpThreadParameter);
typedef PTHREAD_START_ROUTINE LPTHREAD_START_ROUTINE;
#define STACK_SIZE_PARAM_IS_A_RESERVATION 0x00010000
WOP_API HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES lpThreadAttributes, SIZE_T dwStackSize,
                                   LPTHREAD_START_ROUTINE lpStartAddress, LPVOID lpParameter,
                                   DWORD dwCreationFlags, LPDWORD lpThreadId);
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
WOP_API void WINAPI ExitThread(DWORD dwExitCode);
WOP_API BOOL WINAPI GetExitCodeThread(HANDLE hThread, LPDWORD lpExitCode);
WOP_API DWORD WINAPI ResumeThread(HANDLE hThread);
WOP_API HANDLE WINAPI GetCurrentThread(void);
WOP_API DWORD WINAPI GetCurrentThreadId(void);
WOP_API DWORD WINAPI GetThreadId(HANDLE hThread);

/* Processes (win-on-posix/src/process.cpp). */
#define STILL_ACTIVE 259
#define STARTF_USESHOWWINDOW 0x00000001
#define STARTF_USESIZE 0x00000002
#define STARTF_USEPOSITION 0x00000004
#define STARTF_USESTDHANDLES 0x00000100
#define DEBUG_PROCESS 0x00000001
#define DEBUG_ONLY_THIS_PROCESS 0x00000002
#define CREATE_SUSPENDED 0x00000004
#define DETACHED_PROCESS 0x00000008
#define CREATE_NEW_CONSOLE 0x00000010
#define NORMAL_PRIORITY_CLASS 0x00000020
#define IDLE_PRIORITY_CLASS 0x00000040
#define HIGH_PRIORITY_CLASS 0x00000080
#define CREATE_NEW_PROCESS_GROUP 0x00000200
#define CREATE_UNICODE_ENVIRONMENT 0x00000400
#define BELOW_NORMAL_PRIORITY_CLASS 0x00004000
#define ABOVE_NORMAL_PRIORITY_CLASS 0x00008000
#define CREATE_DEFAULT_ERROR_MODE 0x04000000
#define CREATE_NO_WINDOW 0x08000000

typedef struct _STARTUPINFOA {
  DWORD cb;
  LPSTR lpReserved;
  LPSTR lpDesktop;
  LPSTR lpTitle;
  DWORD dwX, dwY, dwXSize, dwYSize, dwXCountChars, dwYCountChars, dwFillAttribute;
  DWORD dwFlags;
  WORD wShowWindow;
  WORD cbReserved2;
  LPBYTE lpReserved2;
  HANDLE hStdInput;
  HANDLE hStdOutput;
  HANDLE hStdError;
} STARTUPINFOA, *LPSTARTUPINFOA;

typedef struct _STARTUPINFOW {
  DWORD cb;
  LPWSTR lpReserved;
  LPWSTR lpDesktop;
  LPWSTR lpTitle;
  DWORD dwX, dwY, dwXSize, dwYSize, dwXCountChars, dwYCountChars, dwFillAttribute;
  DWORD dwFlags;
  WORD wShowWindow;
  WORD cbReserved2;
  LPBYTE lpReserved2;
  HANDLE hStdInput;
  HANDLE hStdOutput;
  HANDLE hStdError;
} STARTUPINFOW, *LPSTARTUPINFOW;

typedef struct _PROCESS_INFORMATION {
  HANDLE hProcess;
  HANDLE hThread;
  DWORD dwProcessId;
  DWORD dwThreadId;
} PROCESS_INFORMATION, *PPROCESS_INFORMATION, *LPPROCESS_INFORMATION;

WOP_API BOOL WINAPI CreateProcessA(LPCSTR lpApplicationName, LPSTR lpCommandLine,
                                   LPSECURITY_ATTRIBUTES lpProcessAttributes,
                                   LPSECURITY_ATTRIBUTES lpThreadAttributes, BOOL bInheritHandles,
                                   DWORD dwCreationFlags, LPVOID lpEnvironment,
                                   LPCSTR lpCurrentDirectory, LPSTARTUPINFOA lpStartupInfo,
                                   LPPROCESS_INFORMATION lpProcessInformation);
WOP_API BOOL WINAPI CreateProcessW(LPCWSTR lpApplicationName, LPWSTR lpCommandLine,
                                   LPSECURITY_ATTRIBUTES lpProcessAttributes,
                                   LPSECURITY_ATTRIBUTES lpThreadAttributes, BOOL bInheritHandles,
                                   DWORD dwCreationFlags, LPVOID lpEnvironment,
                                   LPCWSTR lpCurrentDirectory, LPSTARTUPINFOW lpStartupInfo,
                                   LPPROCESS_INFORMATION lpProcessInformation);
WOP_API void WINAPI GetStartupInfoA(LPSTARTUPINFOA lpStartupInfo);
WOP_API void WINAPI GetStartupInfoW(LPSTARTUPINFOW lpStartupInfo);
WOP_API BOOL WINAPI GetExitCodeProcess(HANDLE hProcess, LPDWORD lpExitCode);
WOP_API BOOL WINAPI TerminateProcess(HANDLE hProcess, UINT uExitCode);
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
WOP_API void WINAPI ExitProcess(UINT uExitCode);
WOP_API DWORD WINAPI GetCurrentProcessId(void);
WOP_API DWORD WINAPI GetProcessId(HANDLE hProcess);
WOP_API DWORD WINAPI GetModuleFileNameA(HMODULE hModule, LPSTR lpFilename, DWORD nSize);
WOP_API DWORD WINAPI GetModuleFileNameW(HMODULE hModule, LPWSTR lpFilename, DWORD nSize);

/* The NetBIOS form of the host name: its first label, upper-cased, at most
 * MAX_COMPUTERNAME_LENGTH characters (\\NAME\pipe\... reaches this machine's pipes). */
#define MAX_COMPUTERNAME_LENGTH 15
WOP_API BOOL WINAPI GetComputerNameA(LPSTR lpBuffer, LPDWORD nSize);
WOP_API BOOL WINAPI GetComputerNameW(LPWSTR lpBuffer, LPDWORD nSize);

#ifdef UNICODE
#define CreateFile CreateFileW
#define GetComputerName GetComputerNameW
#define CreateMailslot CreateMailslotW
#define CreateNamedPipe CreateNamedPipeW
#define WaitNamedPipe WaitNamedPipeW
#define CallNamedPipe CallNamedPipeW
#define GetNamedPipeHandleState GetNamedPipeHandleStateW
#define CreateEvent CreateEventW
#define CreateFileMapping CreateFileMappingW
#define OpenFileMapping OpenFileMappingW
#define CreateEventEx CreateEventExW
#define OpenEvent OpenEventW
#define CreateMutex CreateMutexW
#define CreateMutexEx CreateMutexExW
#define OpenMutex OpenMutexW
#define CreateSemaphore CreateSemaphoreW
#define OpenSemaphore OpenSemaphoreW
#define DeleteFile DeleteFileW
#define CreateProcess CreateProcessW
#define GetStartupInfo GetStartupInfoW
#define GetModuleFileName GetModuleFileNameW
typedef STARTUPINFOW STARTUPINFO;
typedef LPSTARTUPINFOW LPSTARTUPINFO;
#else
#define CreateFile CreateFileA
#define GetComputerName GetComputerNameA
#define CreateMailslot CreateMailslotA
#define CreateNamedPipe CreateNamedPipeA
#define WaitNamedPipe WaitNamedPipeA
#define CallNamedPipe CallNamedPipeA
#define GetNamedPipeHandleState GetNamedPipeHandleStateA
#define CreateEvent CreateEventA
#define CreateFileMapping CreateFileMappingA
#define OpenFileMapping OpenFileMappingA
#define CreateEventEx CreateEventExA
#define OpenEvent OpenEventA
#define CreateMutex CreateMutexA
#define CreateMutexEx CreateMutexExA
#define OpenMutex OpenMutexA
#define CreateSemaphore CreateSemaphoreA
#define OpenSemaphore OpenSemaphoreA
#define DeleteFile DeleteFileA
#define CreateProcess CreateProcessA
#define GetStartupInfo GetStartupInfoA
#define GetModuleFileName GetModuleFileNameA
typedef STARTUPINFOA STARTUPINFO;
typedef LPSTARTUPINFOA LPSTARTUPINFO;
#endif

WOP_END_DECLS

#endif /* WOP_WINBASE_H */
