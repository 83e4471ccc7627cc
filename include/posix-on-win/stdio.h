/* posix-on-win overlay <stdio.h>: popen/pclose that run the command with the layer's
 * spawn (fds and exit status as POSIX has them). */
#ifndef POW_OVERLAY_STDIO_H
#define POW_OVERLAY_STDIO_H

#include <pow/next/stdio.h>

#include <pow/spawn.h>

#ifndef POW_NO_RENAME
#undef popen
#undef pclose
#define popen pow_popen
#define pclose pow_pclose
#endif

#endif /* POW_OVERLAY_STDIO_H */
