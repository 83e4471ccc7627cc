/* win-on-posix: the Win32 API for Linux builds of Win32 code.
 * Put include/win-on-posix on the include path and link libwin-on-posix. */
#ifndef WOP_WINDOWS_H
#define WOP_WINDOWS_H

#include "windef.h"
#include "winnt.h"
#include "winerror.h"
#include "winbase.h"

#endif /* WOP_WINDOWS_H */
