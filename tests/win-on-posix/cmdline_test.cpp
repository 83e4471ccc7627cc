// Command lines split as the Microsoft C runtime does.
#include "cmdline.hpp"

#include <gtest/gtest.h>

using wop::split_command_line;
using V = std::vector<std::string>;

TEST(CommandLine, ProgramNameHasNoEscapes) {
  EXPECT_EQ(split_command_line(R"("C:\Program Files\a.exe" x)"), (V{R"(C:\Program Files\a.exe)", "x"}));
  EXPECT_EQ(split_command_line(R"(C:\dir\a.exe   x   y)"), (V{R"(C:\dir\a.exe)", "x", "y"}));
  EXPECT_EQ(split_command_line(R"(a\"b c)"), (V{R"(a\"b)", "c"}));
}

TEST(CommandLine, BackslashAndQuoteRules) {
  // The documented examples of CommandLineToArgvW / "Parsing C command-line arguments".
  EXPECT_EQ(split_command_line(R"(p "a b c" d e)"), (V{"p", "a b c", "d", "e"}));
  EXPECT_EQ(split_command_line(R"(p "ab\"c" "\\" d)"), (V{"p", R"(ab"c)", R"(\)", "d"}));
  EXPECT_EQ(split_command_line(R"(p a\\\b d"e f"g h)"), (V{"p", R"(a\\\b)", "de fg", "h"}));
  EXPECT_EQ(split_command_line(R"(p a\\\"b c d)"), (V{"p", R"(a\"b)", "c", "d"}));
  EXPECT_EQ(split_command_line(R"(p a\\\\"b c" d e)"), (V{"p", R"(a\\b c)", "d", "e"}));
  EXPECT_EQ(split_command_line(R"(p "a""b")"), (V{"p", R"(a"b)"}));
  EXPECT_EQ(split_command_line("p \"\" x"), (V{"p", "", "x"}));
}

TEST(CommandLine, Blanks) {
  EXPECT_EQ(split_command_line("p\t a \t"), (V{"p", "a"}));
  EXPECT_EQ(split_command_line(""), (V{""}));
}
