/* The conformance corpus harness (CMocka). One test source runs in two cells: its
 * reference (the real API) and its shim (our layer). Multi-process tests re-launch their
 * own binary with "--role NAME [args]" (no fork), so the same source runs on both OSes. */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A role: the body of a re-launched child. Its return value is the process exit code. */
typedef int (*conf_role_fn)(int argc, char **argv);
struct conf_role {
  const char *name;
  conf_role_fn fn;
};

/* Runs the role named by "--role NAME" (argv after NAME passed on), else the tests. */
int conf_main(int argc, char **argv, const char *group, const struct CMUnitTest *tests,
              size_t ntests, const struct conf_role *roles, size_t nroles);

/* Path of this test binary, for re-launching it in a role. */
const char *conf_self(void);

/* Which cell this binary is (CONF_CELL_REFERENCE / CONF_CELL_SHIM), set by the build. */
const char *conf_cell(void);

#define CONF_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define CONF_MAIN(tests)                                                                      \
  int main(int argc, char **argv) {                                                           \
    return conf_main(argc, argv, CONF_GROUP, tests, CONF_COUNT(tests), NULL, 0);              \
  }

#define CONF_MAIN_WITH_ROLES(tests, roles)                                                    \
  int main(int argc, char **argv) {                                                           \
    return conf_main(argc, argv, CONF_GROUP, tests, CONF_COUNT(tests), roles,                 \
                     CONF_COUNT(roles));                                                      \
  }

#ifdef __cplusplus
}
#endif

#endif /* CONFORMANCE_H */
