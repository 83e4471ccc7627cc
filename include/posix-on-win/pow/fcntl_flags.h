/* posix-on-win: the POSIX open/fcntl flags Windows' C runtime lacks. O_CLOEXEC is the CRT's
 * own _O_NOINHERIT, so _open honours it too; O_NONBLOCK is a bit the CRT does not use. */
#ifndef POW_FCNTL_FLAGS_H
#define POW_FCNTL_FLAGS_H

#ifndef O_NONBLOCK
#define O_NONBLOCK 0x00100000
#endif
#ifndef O_NDELAY
#define O_NDELAY O_NONBLOCK
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0x0080
#endif
#ifndef O_ACCMODE
#define O_ACCMODE 3
#endif

#ifndef F_DUPFD
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#endif
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030
#endif
#ifndef FD_CLOEXEC
#define FD_CLOEXEC 1
#endif

#endif /* POW_FCNTL_FLAGS_H */
