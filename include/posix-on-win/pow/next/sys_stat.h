/* The platform's own <sys/stat.h>, included before the overlay renames anything. */
#if defined(__GNUC__)
#pragma GCC system_header
#include_next <sys/stat.h>
#else
#include <../ucrt/sys/stat.h>
#endif
