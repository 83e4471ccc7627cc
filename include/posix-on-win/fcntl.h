/* posix-on-win overlay <fcntl.h>: fcntl() and open() with O_NONBLOCK/O_CLOEXEC. */
#ifndef POW_OVERLAY_FCNTL_H
#define POW_OVERLAY_FCNTL_H

#include <pow/next/fcntl.h>
#include <pow/fcntl_flags.h>
#include <pow/unistd.h>

#ifndef POW_NO_RENAME
#undef fcntl
#undef open
#define fcntl pow_fcntl
#define open pow_open
#endif

#endif /* POW_OVERLAY_FCNTL_H */
