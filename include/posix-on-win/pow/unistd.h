/* posix-on-win: the fd layer's functions under their own names (posix-on-win/src/fd.cpp,
 * pipe.cpp). <unistd.h> and <fcntl.h> map the POSIX names onto these. */
#ifndef POW_UNISTD_H
#define POW_UNISTD_H

#include "config.h"

POW_BEGIN_DECLS

POW_API int pow_pipe(int fds[2]);
POW_API int pow_pipe2(int fds[2], int flags);
POW_API ssize_t pow_read(int fd, void *buf, size_t count);
POW_API ssize_t pow_write(int fd, const void *buf, size_t count);
POW_API int pow_close(int fd);
POW_API int pow_dup(int fd);
/* Returns newfd (msvcrt's _dup2 returns 0). */
POW_API int pow_dup2(int fd, int newfd);
POW_API int pow_dup3(int fd, int newfd, int flags);
POW_API int pow_isatty(int fd);
POW_API long long pow_lseek(int fd, long long offset, int whence);
POW_API int pow_fcntl(int fd, int cmd, ...);
POW_API int pow_open(const char *path, int flags, ...);
/* The S_IFMT bits POSIX gives fd (S_IFIFO for pipes, S_IFSOCK for sockets), 0 when the
 * C runtime's own fstat is right, -1 with errno EBADF if fd is not open. */
POW_API int pow_fd_type(int fd);

POW_END_DECLS

#endif /* POW_UNISTD_H */
