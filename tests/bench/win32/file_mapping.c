/* File mapping benchmark (Win32 API): a 256 MiB page-file-backed mapping created, mapped
 * and touched page by page; then copy bandwidth into the view. Built against win-on-posix
 * (Linux) and against real Win32 (mingw, run under Wine): the same source on both. */
#include <windows.h>

#include "bench.h"

#define MIB (1024u * 1024u)

int main(int argc, char **argv) {
  const SIZE_T size = 256u * MIB;
  const int reps = bench_quick(argc, argv) ? 2 : 5;
  struct bench_series create = {"mapping.create_touch_256MiB", "ms", "lower", {0}, 0};
  struct bench_series copy = {"mapping.copy_bandwidth", "GiB/s", "higher", {0}, 0};
  char *src = (char *)malloc(size);
  int r;
  if (!src)
    return 1;
  memset(src, 0x5a, size);
  for (r = 0; r < reps; ++r) {
    double t0 = bench_now(), t1, t2;
    SIZE_T off;
    char *view;
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)size, NULL);
    if (!m) {
      fprintf(stderr, "CreateFileMapping: %lu\n", (unsigned long)GetLastError());
      return 1;
    }
    view = (char *)MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (!view) {
      fprintf(stderr, "MapViewOfFile: %lu\n", (unsigned long)GetLastError());
      return 1;
    }
    for (off = 0; off < size; off += 4096)
      view[off] = 1;
    t1 = bench_now();
    bench_add(&create, (t1 - t0) * 1e3);
    memcpy(view, src, size); /* pages are present now: this measures the copy alone */
    t2 = bench_now();
    bench_add(&copy, (double)size / (1024.0 * MIB) / (t2 - t1));
    UnmapViewOfFile(view);
    CloseHandle(m);
  }
  free(src);
  bench_print(&create);
  bench_print(&copy);
  return 0;
}
