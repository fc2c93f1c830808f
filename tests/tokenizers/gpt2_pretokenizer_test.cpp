// GPT-2's pre-tokenisation regex, alternative by alternative, and the Unicode classes under it.
#include <gtest/gtest.h>

#include "tokenizers/gpt2_pretokenizer.h"
#include "tokenizers/unicode_classes.h"

namespace vdep {
namespace {

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view word : gpt2_pretokenize(text)) out.emplace_back(word);
  return out;
}

using Words = std::vector<std::string>;

TEST(Gpt2Pretokenizer, SplitsAsTheRegexDoes) {
  EXPECT_EQ(words(""), Words{});
  EXPECT_EQ(words("Hello, world!"), (Words{"Hello", ",", " world", "!"}));
  EXPECT_EQ(words("it's we'll I'M"), (Words{"it", "'s", " we", "'ll", " I", "'", "M"}));
  EXPECT_EQ(words("!!'s"), (Words{"!!'", "s"}));
  EXPECT_EQ(words("abc123 456"), (Words{"abc", "123", " 456"}));
  // \s+(?!\S): a run of spaces leaves its last one to the next word.
  EXPECT_EQ(words("a   b"), (Words{"a", "  ", " b"}));
  EXPECT_EQ(words("x  "), (Words{"x", "  "}));
  EXPECT_EQ(words(" \nfoo"), (Words{" ", "\n", "foo"}));
  EXPECT_EQ(words("a\n\n\nb"), (Words{"a", "\n\n", "\n", "b"}));
  // Only U+0020 joins the next word; other white space stands alone.
  EXPECT_EQ(words("x\u00A0\u00A0y"), (Words{"x", "\u00A0", "\u00A0", "y"}));
  EXPECT_EQ(words("na\u00EFve \u6771\u4EAC \u0663\u0664"), (Words{"na\u00EFve", " \u6771\u4EAC", " \u0663\u0664"}));
  EXPECT_EQ(words("\U0001F642\U0001F642 x"), (Words{"\U0001F642\U0001F642", " x"}));
}

TEST(UnicodeClasses, FollowTheUnicodeDatabase) {
  EXPECT_TRUE(is_letter(U'a'));
  EXPECT_TRUE(is_letter(U'\u00E9'));    // é
  EXPECT_TRUE(is_letter(U'\u4E2D'));    // 中
  EXPECT_TRUE(is_letter(U'\u02B0'));    // ʰ, Lm
  EXPECT_FALSE(is_letter(U'1'));
  EXPECT_FALSE(is_letter(U'\u0301'));   // combining acute, Mn
  EXPECT_TRUE(is_number(U'\u00B2'));    // ², No
  EXPECT_TRUE(is_number(U'\u2166'));    // Ⅶ, Nl
  EXPECT_TRUE(is_number(U'\U0001D7CE'));  // mathematical bold digit zero
  EXPECT_FALSE(is_number(U'x'));
  EXPECT_TRUE(is_white_space(U'\u0085'));
  EXPECT_TRUE(is_white_space(U'\u3000'));
  EXPECT_TRUE(is_white_space(U'\v'));
  EXPECT_FALSE(is_white_space(U'\u001C'));  // str.isspace() but not White_Space
  EXPECT_FALSE(is_white_space(U'\u200B'));  // zero width space is not White_Space
  EXPECT_FALSE(is_letter(0x10FFFF));
}

}  // namespace
}  // namespace vdep
