/* posix-on-win overlay <unistd.h>: put include/posix-on-win first on the include path.
 * The platform's header comes first; then the POSIX names are mapped onto the layer's
 * functions, as gnulib does with its rpl_ functions. Define POW_NO_RENAME to keep the
 * platform's own names and call pow_* explicitly. */
#ifndef POW_OVERLAY_UNISTD_H
#define POW_OVERLAY_UNISTD_H

#include <pow/next/unistd.h>
#include <pow/fcntl_flags.h>
#include <pow/unistd.h>
#include <pow/ids.h>

#ifndef POW_NO_RENAME
#undef pipe
#undef pipe2
#undef read
#undef write
#undef close
#undef dup
#undef dup2
#undef dup3
#undef isatty
#undef lseek
#define pipe pow_pipe
#define pipe2 pow_pipe2
#define read pow_read
#define write pow_write
#define close pow_close
#define dup pow_dup
#define dup2 pow_dup2
#define dup3 pow_dup3
#define isatty pow_isatty
#define lseek pow_lseek
#define getuid pow_getuid
#define geteuid pow_geteuid
#define getgid pow_getgid
#define getegid pow_getegid
#define setuid pow_setuid
#define setgid pow_setgid
#endif

/* POSIX programs declare `extern char **environ;`: the C runtime calls it _environ. */
#ifndef environ
#define environ _environ
#endif

#ifndef PIPE_BUF
#define PIPE_BUF 4096
#endif

#endif /* POW_OVERLAY_UNISTD_H */
