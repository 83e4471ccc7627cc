/* posix-on-win: readv/writev (posix-on-win/src/fd.cpp). */
#ifndef POW_UIO_H
#define POW_UIO_H

#include "config.h"

POW_BEGIN_DECLS

struct iovec {
  void *iov_base;
  size_t iov_len;
};

POW_API ssize_t pow_readv(int fd, const struct iovec *iov, int iovcnt);
/* One write of the gathered bytes: a total of at most PIPE_BUF is atomic on a pipe. */
POW_API ssize_t pow_writev(int fd, const struct iovec *iov, int iovcnt);

POW_END_DECLS

#endif /* POW_UIO_H */
