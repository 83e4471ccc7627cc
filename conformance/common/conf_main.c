/* The corpus main: role dispatch, then CMocka. Uses only the C library so that it builds
 * unchanged in all four cells. */
#include "conformance.h"

#include <stdio.h>
#include <string.h>

static const char *g_self = "";

const char *conf_self(void) { return g_self; }

const char *conf_cell(void) { return CONF_CELL; }

int conf_main(int argc, char **argv, const char *group, const struct CMUnitTest *tests,
              size_t ntests, const struct conf_role *roles, size_t nroles) {
  size_t i;
  g_self = argv[0];
  if (argc >= 3 && strcmp(argv[1], "--role") == 0) {
    for (i = 0; i < nroles; ++i) {
      if (strcmp(roles[i].name, argv[2]) == 0)
        return roles[i].fn(argc - 3, argv + 3);
    }
    fprintf(stderr, "%s: no role named '%s'\n", group, argv[2]);
    return 125;
  }
  if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
    for (i = 0; i < ntests; ++i)
      printf("%s\n", tests[i].name);
    return 0;
  }
  /* Unbuffered, so a child's and a parent's output interleave readably in logs. */
  setvbuf(stdout, NULL, _IONBF, 0);
  return _cmocka_run_group_tests(group, tests, ntests, NULL, NULL);
}
