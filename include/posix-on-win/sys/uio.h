/* posix-on-win overlay <sys/uio.h> (Windows has none): struct iovec, readv, writev. */
#ifndef POW_OVERLAY_SYS_UIO_H
#define POW_OVERLAY_SYS_UIO_H

#include <pow/uio.h>

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

#ifndef POW_NO_RENAME
#define readv pow_readv
#define writev pow_writev
#endif

#endif /* POW_OVERLAY_SYS_UIO_H */
