// GetComputerNameA/W, and which \\HOST\ prefixes name this machine (named pipes).
// The computer name is the NetBIOS form Windows reports: the host name's first label,
// upper-cased, at most MAX_COMPUTERNAME_LENGTH characters.
#include "named_object.hpp"
#include "object.hpp"
#include "text.hpp"

#include <cstring>
#include <unistd.h>

namespace wop {

namespace {

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::string host_name() {
  char self[256] = {};
  ::gethostname(self, sizeof self - 1);
  return self;
}

bool same_name(const std::string &a, const std::string &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper(b[i]))
      return false;
  return true;
}

} // namespace

std::string computer_name() {
  std::string h = host_name();
  h = h.substr(0, h.find('.'));
  if (h.size() > MAX_COMPUTERNAME_LENGTH)
    h.resize(MAX_COMPUTERNAME_LENGTH);
  for (char &c : h)
    c = upper(c);
  return h.empty() ? "LOCALHOST" : h;
}

bool is_this_host(const std::string &host) {
  std::string full = host_name();
  return host == "." || same_name(host, full) || same_name(host, full.substr(0, full.find('.'))) ||
         same_name(host, computer_name()) || same_name(host, "localhost");
}

} // namespace wop

using namespace wop;

extern "C" {

BOOL WINAPI GetComputerNameA(LPSTR buffer, LPDWORD size) {
  if (!size)
    return fail(ERROR_INVALID_PARAMETER);
  std::string name = computer_name();
  if (!buffer || *size <= name.size()) {
    *size = static_cast<DWORD>(name.size() + 1);
    return fail(ERROR_BUFFER_OVERFLOW);
  }
  std::memcpy(buffer, name.c_str(), name.size() + 1);
  *size = static_cast<DWORD>(name.size());
  return TRUE;
}

BOOL WINAPI GetComputerNameW(LPWSTR buffer, LPDWORD size) {
  if (!size)
    return fail(ERROR_INVALID_PARAMETER);
  std::u16string name = utf16_from_utf8(computer_name());
  if (!buffer || *size <= name.size()) {
    *size = static_cast<DWORD>(name.size() + 1);
    return fail(ERROR_BUFFER_OVERFLOW);
  }
  std::memcpy(buffer, name.c_str(), (name.size() + 1) * sizeof(WCHAR));
  *size = static_cast<DWORD>(name.size());
  return TRUE;
}

} // extern "C"
