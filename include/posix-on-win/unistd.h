/* posix-on-win overlay <unistd.h>: put include/posix-on-win first on the include path.
 * The platform's header comes first; then the POSIX names are mapped onto the layer's
 * functions, as gnulib does with its rpl_ functions. Define POW_NO_RENAME to keep the
 * platform's own names and call pow_* explicitly. */
#ifndef POW_OVERLAY_UNISTD_H
#define POW_OVERLAY_UNISTD_H

#include <pow/next/unistd.h>
#include <pow/unistd.h>

#ifndef POW_NO_RENAME
#undef pipe
#undef read
#undef write
#undef close
#define pipe pow_pipe
#define read pow_read
#define write pow_write
#define close pow_close
#endif

#ifndef PIPE_BUF
#define PIPE_BUF 4096
#endif

#endif /* POW_OVERLAY_UNISTD_H */
