/* Built against an installed win-on-posix: an anonymous pipe round trip. */
#include <string.h>
#include <windows.h>

int main(void) {
  HANDLE r, w;
  char buf[8];
  DWORD n;
  if (!CreatePipe(&r, &w, NULL, 0))
    return 1;
  if (!WriteFile(w, "hello", 5, &n, NULL) || n != 5)
    return 2;
  if (!ReadFile(r, buf, sizeof buf, &n, NULL) || n != 5 || memcmp(buf, "hello", 5) != 0)
    return 3;
  CloseHandle(w);
  if (ReadFile(r, buf, sizeof buf, &n, NULL) || GetLastError() != ERROR_BROKEN_PIPE)
    return 4;
  CloseHandle(r);
  return 0;
}
