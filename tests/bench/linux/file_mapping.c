/* The Linux limit for the file mapping benchmark: memfd_create + ftruncate + mmap, touched
 * page by page, then copy bandwidth into the mapping (same sizes and steps as
 * tests/bench/win32/file_mapping.c). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define MIB (1024u * 1024u)

int main(int argc, char **argv) {
  const size_t size = 256u * MIB;
  const int reps = bench_quick(argc, argv) ? 2 : 5;
  struct bench_series create = {"mapping.create_touch_256MiB", "ms", "lower", {0}, 0};
  struct bench_series copy = {"mapping.copy_bandwidth", "GiB/s", "higher", {0}, 0};
  char *src = malloc(size);
  int r;
  if (!src)
    return 1;
  memset(src, 0x5a, size);
  for (r = 0; r < reps; ++r) {
    double t0 = bench_now(), t1, t2;
    size_t off;
    char *view;
    int fd = memfd_create("bench", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
      return 1;
    view = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (view == MAP_FAILED)
      return 1;
    for (off = 0; off < size; off += 4096)
      view[off] = 1;
    t1 = bench_now();
    bench_add(&create, (t1 - t0) * 1e3);
    memcpy(view, src, size);
    t2 = bench_now();
    bench_add(&copy, (double)size / (1024.0 * MIB) / (t2 - t1));
    munmap(view, size);
    close(fd);
  }
  free(src);
  bench_print(&create);
  bench_print(&copy);
  return 0;
}
