#include "cmdline.hpp"

namespace wop {

namespace {
bool blank(char c) { return c == ' ' || c == '\t'; }
} // namespace

std::vector<std::string> split_command_line(const std::string &s) {
  std::vector<std::string> args;
  size_t i = 0, n = s.size();
  // Program name.
  std::string first;
  if (i < n && s[i] == '"') {
    ++i;
    while (i < n && s[i] != '"')
      first += s[i++];
    if (i < n)
      ++i;
  } else {
    while (i < n && !blank(s[i]))
      first += s[i++];
  }
  args.push_back(first);
  for (;;) {
    while (i < n && blank(s[i]))
      ++i;
    if (i >= n)
      break;
    std::string arg;
    bool quoted = false;
    while (i < n && (quoted || !blank(s[i]))) {
      if (s[i] == '\\') {
        size_t bs = 0;
        while (i < n && s[i] == '\\') {
          ++bs;
          ++i;
        }
        if (i < n && s[i] == '"') {
          arg.append(bs / 2, '\\');
          if (bs % 2) {
            arg += '"';
            ++i;
          }
          // even: the quote is handled as a delimiter below
        } else {
          arg.append(bs, '\\');
        }
        continue;
      }
      if (s[i] == '"') {
        if (quoted && i + 1 < n && s[i + 1] == '"') {
          arg += '"';
          i += 2;
          continue;
        }
        quoted = !quoted;
        ++i;
        continue;
      }
      arg += s[i++];
    }
    args.push_back(arg);
  }
  return args;
}

} // namespace wop
