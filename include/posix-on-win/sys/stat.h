/* posix-on-win overlay <sys/stat.h>: fstat() says S_IFIFO for pipes and S_IFSOCK for
 * sockets (the C runtime says S_IFIFO for both), and EBADF for an fd that is not open. */
#ifndef POW_OVERLAY_SYS_STAT_H
#define POW_OVERLAY_SYS_STAT_H

#include <pow/next/sys_stat.h>
#include <pow/unistd.h>

#ifndef S_IFSOCK
#define S_IFSOCK 0xC000
#endif
#ifndef S_ISSOCK
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)
#endif
#ifndef S_ISFIFO
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#endif

/* Inline, so that it uses whatever struct stat and fstat the program's own settings
 * (_FILE_OFFSET_BITS, _USE_32BIT_TIME_T) select. */
static __inline int pow_fstat(int fd, struct stat *st) {
  int type = pow_fd_type(fd);
  if (type < 0)
    return -1;
  if (fstat(fd, st) != 0)
    return -1;
  if (type != 0)
    st->st_mode = (unsigned short)((st->st_mode & ~S_IFMT) | type);
  return 0;
}

#ifndef POW_NO_RENAME
#undef fstat
#define fstat pow_fstat
#endif

#endif /* POW_OVERLAY_SYS_STAT_H */
