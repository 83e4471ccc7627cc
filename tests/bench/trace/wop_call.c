/* Call tracing's cost when off (WOP_TRACE unset): ns per call of a trivial API function
 * through its public name (the generated wrapper: one load and branch, then the impl) beside
 * the same implementation called directly under its impl name. */
#include <windows.h>

#include "bench.h"

DWORD wop_impl_GetLastError(void); /* the layer's own symbol (static library) */

#define CALLS 20000000u

static double ns_per_call(int wrapped) {
  volatile DWORD sink = 0;
  unsigned i;
  double t0 = bench_now();
  if (wrapped)
    for (i = 0; i < CALLS; ++i)
      sink += GetLastError();
  else
    for (i = 0; i < CALLS; ++i)
      sink += wop_impl_GetLastError();
  (void)sink;
  return (bench_now() - t0) * 1e9 / CALLS;
}

int main(int argc, char **argv) {
  struct bench_series w = {"trace.off_GetLastError_public", "ns/call", "lower", {0}, 0};
  struct bench_series d = {"trace.off_GetLastError_impl_direct", "ns/call", "lower", {0}, 0};
  int reps = bench_quick(argc, argv) ? 3 : 15, r;
  for (r = 0; r < reps; ++r) {
    bench_add(&w, ns_per_call(1));
    bench_add(&d, ns_per_call(0));
  }
  bench_print(&w);
  bench_print(&d);
  return 0;
}
