/* The platform's own <signal.h>, included before the overlay renames anything. */
#if defined(__GNUC__)
#pragma GCC system_header
#include_next <signal.h>
#else
#include <../ucrt/signal.h>
#endif
