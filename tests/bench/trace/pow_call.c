/* Call tracing's cost when off (POW_TRACE unset): ns per call of a trivial function through
 * its public name (the generated wrapper: one load and branch, then the impl) beside the
 * same implementation called directly under its impl name. */
#include <signal.h>

#include "bench.h"

int pow_impl_sigemptyset(pow_sigset_t *set); /* the layer's own symbol (static library) */

#define CALLS 20000000u

static double ns_per_call(int wrapped) {
  volatile int sink = 0;
  sigset_t set;
  unsigned i;
  double t0 = bench_now();
  if (wrapped)
    for (i = 0; i < CALLS; ++i)
      sink += sigemptyset(&set);
  else
    for (i = 0; i < CALLS; ++i)
      sink += pow_impl_sigemptyset(&set);
  (void)sink;
  return (bench_now() - t0) * 1e9 / CALLS;
}

int main(int argc, char **argv) {
  struct bench_series w = {"trace.off_sigemptyset_public", "ns/call", "lower", {0}, 0};
  struct bench_series d = {"trace.off_sigemptyset_impl_direct", "ns/call", "lower", {0}, 0};
  int reps = bench_quick(argc, argv) ? 3 : 15, r;
  for (r = 0; r < reps; ++r) {
    bench_add(&w, ns_per_call(1));
    bench_add(&d, ns_per_call(0));
  }
  bench_print(&w);
  bench_print(&d);
  return 0;
}
