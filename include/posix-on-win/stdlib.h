/* posix-on-win overlay <stdlib.h>: system() with POSIX's status encoding (WEXITSTATUS). */
#ifndef POW_OVERLAY_STDLIB_H
#define POW_OVERLAY_STDLIB_H

#include <pow/next/stdlib.h>
#include <pow/spawn.h>

#ifndef POW_NO_RENAME
#undef system
#define system pow_system
#endif

#endif /* POW_OVERLAY_STDLIB_H */
