/* The platform's own <unistd.h> (mingw) or its MSVC equivalents, included before the
 * overlay renames anything. A system header, so include_next passes -pedantic. */
#if defined(__GNUC__)
#pragma GCC system_header
#include_next <unistd.h>
#else
#include <io.h>
#include <process.h>
#endif
