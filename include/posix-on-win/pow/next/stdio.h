/* The platform's own <stdio.h>, included before the overlay renames anything. */
#if defined(__GNUC__)
#pragma GCC system_header
#include_next <stdio.h>
#else
#include <../ucrt/stdio.h>
#endif
