// Windows command lines: split as the Microsoft C runtime does (CommandLineToArgvW rules),
// and the program name as CreateProcess reads it.
#pragma once

#include <string>
#include <vector>

namespace wop {

// The first argument ends at the closing quote or the first blank, with no escapes;
// later ones follow the backslash rules: 2n backslashes + '"' -> n backslashes and a
// quote toggle, 2n+1 + '"' -> n backslashes and a literal '"', other backslashes literal,
// and "" inside quotes is a literal '"'.
std::vector<std::string> split_command_line(const std::string &cmdline);

} // namespace wop
