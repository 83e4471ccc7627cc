// User and group ids: stable numbers for the process token's SIDs (the last sub-authority,
// the RID), so every process of one user agrees on its uid and gid (System V ownership).
#include "fd.hpp"

#include <pow/ids.h>

#include <cerrno>

namespace posix_on_win {
namespace {

// The RID of the token's user (TokenUser) or primary group (TokenPrimaryGroup).
unsigned token_rid(TOKEN_INFORMATION_CLASS cls, unsigned fallback) {
  HANDLE tok = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
    return fallback;
  alignas(8) unsigned char buf[512];
  DWORD len = 0;
  unsigned rid = fallback;
  if (GetTokenInformation(tok, cls, buf, sizeof buf, &len)) {
    PSID sid = cls == TokenUser ? reinterpret_cast<TOKEN_USER *>(buf)->User.Sid
                                : reinterpret_cast<TOKEN_PRIMARY_GROUP *>(buf)->PrimaryGroup;
    if (IsValidSid(sid)) {
      UCHAR n = *GetSidSubAuthorityCount(sid);
      if (n > 0)
        rid = *GetSidSubAuthority(sid, n - 1u);
    }
  }
  CloseHandle(tok);
  return rid;
}

} // namespace

unsigned current_uid() {
  static const unsigned uid = token_rid(TokenUser, 1000);
  return uid;
}
unsigned current_gid() {
  static const unsigned gid = token_rid(TokenPrimaryGroup, 513);
  return gid;
}

} // namespace posix_on_win

using namespace posix_on_win;

extern "C" {

uid_t pow_getuid(void) { return current_uid(); }
uid_t pow_geteuid(void) { return current_uid(); }
gid_t pow_getgid(void) { return current_gid(); }
gid_t pow_getegid(void) { return current_gid(); }
int pow_setuid(uid_t id) { return id == current_uid() ? 0 : fail_errno(EPERM); }
int pow_setgid(gid_t id) { return id == current_gid() ? 0 : fail_errno(EPERM); }

} // extern "C"
