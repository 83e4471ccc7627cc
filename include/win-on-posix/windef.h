/* win-on-posix: the basic Win32 types, sized as on Windows (LLP64) whatever the Linux
 * data model: DWORD/LONG/ULONG are 32-bit, WCHAR is 16-bit, HANDLE and *_PTR are
 * pointer-sized. Compiles as C11 and C++. */
#ifndef WOP_WINDEF_H
#define WOP_WINDEF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define WOP_EXTERN_C extern "C"
#define WOP_BEGIN_DECLS extern "C" {
#define WOP_END_DECLS }
#else
#define WOP_EXTERN_C
#define WOP_BEGIN_DECLS
#define WOP_END_DECLS
#endif

#if defined(__GNUC__) && !defined(WOP_STATIC_DEFINE)
#define WOP_API __attribute__((visibility("default")))
#else
#define WOP_API
#endif

/* Nameless struct/union members, as Windows headers use them (an extension in C++). */
#if defined(__GNUC__)
#define WOP_NAMELESS __extension__
#else
#define WOP_NAMELESS
#endif

/* Calling conventions mean nothing on x86-64 Linux; kept so prototypes compile unchanged. */
#define WINAPI
#define APIENTRY
#define CALLBACK
#define WINAPIV
#define __stdcall
#define __cdecl
#define CONST const
#define VOID void
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif

typedef int BOOL;
typedef BOOL *PBOOL, *LPBOOL;
#ifndef FALSE
#define FALSE 0
#endif
#ifndef TRUE
#define TRUE 1
#endif

typedef unsigned char BYTE, UCHAR, BOOLEAN;
typedef BYTE *PBYTE, *LPBYTE;
typedef unsigned short WORD, USHORT;
typedef WORD *PWORD, *LPWORD;
typedef uint32_t DWORD, ULONG, UINT;
typedef int32_t LONG, INT;
typedef DWORD *PDWORD, *LPDWORD;
typedef LONG *PLONG, *LPLONG;
typedef ULONG *PULONG;
typedef int64_t LONGLONG, LONG64, INT64;
typedef uint64_t ULONGLONG, DWORD64, ULONG64, UINT64, DWORDLONG;
typedef intptr_t INT_PTR, LONG_PTR, SSIZE_T;
typedef uintptr_t UINT_PTR, ULONG_PTR, DWORD_PTR, SIZE_T;
typedef SIZE_T *PSIZE_T;
typedef ULONG_PTR *PULONG_PTR;
typedef char CHAR;
typedef CHAR *PSTR, *LPSTR;
typedef const CHAR *PCSTR, *LPCSTR;
typedef void *PVOID, *LPVOID;
typedef const void *LPCVOID;

/* WCHAR is 16-bit as on Windows. With -fshort-wchar, L"" literals are WCHAR strings;
 * otherwise write wide literals as u"" (char16_t), see docs/porting-win32-to-linux.md. */
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
typedef wchar_t WCHAR;
#elif defined(__cplusplus)
typedef char16_t WCHAR;
#else
typedef uint_least16_t WCHAR; /* the type of C11's u"" literals */
#endif
typedef WCHAR *PWSTR, *LPWSTR;
typedef const WCHAR *PCWSTR, *LPCWSTR;

typedef void *HANDLE;
typedef HANDLE *PHANDLE, *LPHANDLE;
typedef HANDLE HMODULE, HINSTANCE, HLOCAL, HGLOBAL;

typedef union _LARGE_INTEGER {
  WOP_NAMELESS struct { DWORD LowPart; LONG HighPart; };
  struct { DWORD LowPart; LONG HighPart; } u;
  LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef struct _SECURITY_ATTRIBUTES {
  DWORD nLength;
  LPVOID lpSecurityDescriptor;
  BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

typedef struct _OVERLAPPED {
  ULONG_PTR Internal;
  ULONG_PTR InternalHigh;
  WOP_NAMELESS union {
    WOP_NAMELESS struct { DWORD Offset; DWORD OffsetHigh; };
    PVOID Pointer;
  };
  HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED;

#define MAKEWORD(a, b) ((WORD)(((BYTE)(a)) | ((WORD)((BYTE)(b))) << 8))
#define MAKELONG(a, b) ((LONG)(((WORD)(a)) | ((DWORD)((WORD)(b))) << 16))
#define LOWORD(l) ((WORD)((DWORD_PTR)(l) & 0xffff))
#define HIWORD(l) ((WORD)((DWORD_PTR)(l) >> 16))
#define LOBYTE(w) ((BYTE)((DWORD_PTR)(w) & 0xff))
#define HIBYTE(w) ((BYTE)((DWORD_PTR)(w) >> 8))

#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#define INFINITE 0xFFFFFFFFu
#define MAX_PATH 260

/* TCHAR: the A functions unless UNICODE is defined, as on Windows. TEXT("x") is a wide
 * literal only where WCHAR literals exist: L"" under -fshort-wchar, else u"". */
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
#define WOP_WIDE_(s) L##s
#else
#define WOP_WIDE_(s) u##s
#endif
#ifdef UNICODE
typedef WCHAR TCHAR;
#define TEXT(s) WOP_WIDE_(s)
#else
typedef char TCHAR;
#define TEXT(s) s
#endif
#define _TEXT(s) TEXT(s)
typedef TCHAR *LPTSTR;
typedef const TCHAR *LPCTSTR;

#endif /* WOP_WINDEF_H */
