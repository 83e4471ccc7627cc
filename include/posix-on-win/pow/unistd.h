/* posix-on-win: the fd layer's functions under their own names (posix-on-win/src/fd.cpp,
 * pipe.cpp). <unistd.h> maps the POSIX names onto these. */
#ifndef POW_UNISTD_H
#define POW_UNISTD_H

#include "config.h"

POW_BEGIN_DECLS

POW_API int pow_pipe(int fds[2]);
POW_API ssize_t pow_read(int fd, void *buf, size_t count);
POW_API ssize_t pow_write(int fd, const void *buf, size_t count);
POW_API int pow_close(int fd);

POW_END_DECLS

#endif /* POW_UNISTD_H */
