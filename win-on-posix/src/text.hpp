// UTF-16 <-> UTF-8 for the W functions, and Win32 path spelling -> POSIX path.
#pragma once

#include <windows.h>

#include <string>

namespace wop {

std::string utf8_from_utf16(const WCHAR *s, size_t len = static_cast<size_t>(-1));
std::u16string utf16_from_utf8(const std::string &s);
// Backslashes become slashes; nothing else is rewritten (no drive letters on Linux).
std::string posix_path(const std::string &win_path);

} // namespace wop
