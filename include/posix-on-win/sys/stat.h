/* posix-on-win overlay <sys/stat.h>: fstat() says S_IFIFO for pipes and S_IFSOCK for
 * sockets (the C runtime says S_IFIFO for both), and EBADF for an fd that is not open;
 * mkfifo/mknod make FIFOs, which stat/lstat report as S_IFIFO with their mode bits. */
#ifndef POW_OVERLAY_SYS_STAT_H
#define POW_OVERLAY_SYS_STAT_H

#include <pow/next/sys_stat.h>
#include <pow/unistd.h>
#include <pow/fifo.h>

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

/* stat through the C runtime, then a FIFO's marker file is reported as the FIFO. */
static __inline int pow_stat(const char *path, struct stat *st) {
  int fifo;
  if (stat(path, st) != 0)
    return -1;
  if ((st->st_mode & S_IFMT) == S_IFREG && st->st_size == POW_FIFO_MARKER_SIZE &&
      (fifo = pow_fifo_mode(path)) > 0) {
    st->st_mode = (unsigned short)fifo;
    st->st_size = 0;
  }
  return 0;
}
/* The C runtime knows no symbolic links: lstat is stat. */
static __inline int pow_lstat(const char *path, struct stat *st) { return pow_stat(path, st); }

#ifndef POW_NO_RENAME
#undef fstat
#define fstat pow_fstat
#undef mkfifo
#undef mknod
#undef lstat
#define mkfifo pow_mkfifo
#define mknod pow_mknod
#define lstat(path, st) pow_lstat(path, st)
/* Function-like, so that `struct stat` keeps its name. Where the C runtime itself maps stat
 * to another name (_FILE_OFFSET_BITS=64), call pow_stat explicitly. */
#ifndef stat
#define stat(path, st) pow_stat(path, st)
#endif
#endif

#endif /* POW_OVERLAY_SYS_STAT_H */
