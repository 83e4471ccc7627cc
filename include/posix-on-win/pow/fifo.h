/* posix-on-win: FIFOs (posix-on-win/src/fifo.cpp). <sys/stat.h> maps mkfifo, mknod, stat
 * and lstat here; open() of a FIFO path is pow_open's (<fcntl.h>). */
#ifndef POW_FIFO_H
#define POW_FIFO_H

#include "config.h"

POW_BEGIN_DECLS

/* A FIFO at path: a small marker file (see docs/architecture.md) with mode & ~umask. */
POW_API int pow_mkfifo(const char *path, unsigned mode);
/* S_IFIFO makes a FIFO, S_IFREG (or no type) an empty regular file; S_IFCHR/S_IFBLK are
 * EPERM (as for an unprivileged Linux process), anything else EINVAL. dev is unused. */
POW_API int pow_mknod(const char *path, unsigned mode, unsigned dev);
/* The st_mode of the FIFO at path (S_IFIFO | permission bits), or 0 if path is not a FIFO
 * (or cannot be read: stat's own answer stands). Used by pow_stat/pow_lstat. */
POW_API int pow_fifo_mode(const char *path);
/* The size of a FIFO's marker file: stat looks closer only at regular files of this size. */
#define POW_FIFO_MARKER_SIZE 64

POW_END_DECLS

#endif /* POW_FIFO_H */
