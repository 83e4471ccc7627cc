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

WOP_END_DECLS

#endif /* WOP_WINBASE_H */
