/* The platform's own <stdlib.h>, included before the overlay renames anything. */
#if defined(__GNUC__)
#pragma GCC system_header
#include_next <stdlib.h>
#else
#include <../ucrt/stdlib.h>
#endif
