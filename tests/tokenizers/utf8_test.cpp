// UTF-8 checks and Python's errors="replace" decoding of arbitrary bytes.
#include <gtest/gtest.h>

#include "tokenizers/utf8.h"

namespace vdep {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(first_invalid_utf8("h\xC3\xA9llo \xF0\x9F\x99\x82"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("ab\xFF"), 2u);
  EXPECT_EQ(first_invalid_utf8("a\xC0\x80"), 1u);          // overlong
  EXPECT_EQ(first_invalid_utf8("a\xED\xA0\x80"), 1u);      // surrogate
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);   // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("ok\xE6\x9D"), 2u);         // cut short
  EXPECT_THROW(require_valid_utf8("\x80"), std::invalid_argument);
}

TEST(Utf8, ReplacesEachMaximalInvalidSubsequenceAsPythonDoes) {
  EXPECT_EQ(utf8_with_replacements("plain \xC3\xA9"), "plain \xC3\xA9");
  EXPECT_EQ(utf8_with_replacements("\xE6\x9D"), kReplacement);
  EXPECT_EQ(utf8_with_replacements("a\xE6\x9D" "b"), "a" + kReplacement + "b");
  EXPECT_EQ(utf8_with_replacements("\xF0\x9F\x99"), kReplacement);
  EXPECT_EQ(utf8_with_replacements("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);
  EXPECT_EQ(utf8_with_replacements("\xFF\xFE"), kReplacement + kReplacement);
  EXPECT_EQ(utf8_with_replacements("\xE6\x9D\xE6\x9D\xB1"), kReplacement + "\xE6\x9D\xB1");
}

TEST(Utf8, DecodesAndEncodesCodePoints) {
  EXPECT_EQ(decode_utf8("a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x99\x82"), (std::vector<char32_t>{U'a', 0xE9, 0x6771, 0x1F642}));
  std::string out;
  for (char32_t c : {U'a', char32_t{0xE9}, char32_t{0x6771}, char32_t{0x1F642}}) append_utf8(out, c);
  EXPECT_EQ(out, "a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x99\x82");
}

}  // namespace
}  // namespace vdep
