/* The platform's own <fcntl.h>, included before the overlay renames anything. */
#if defined(__GNUC__)
#pragma GCC system_header
#include_next <fcntl.h>
#else
#include <../ucrt/fcntl.h>
#endif
