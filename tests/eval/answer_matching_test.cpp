#include <gtest/gtest.h>

#include "eval/answer_matching.h"

namespace vdep {
namespace {

TEST(NormalizeAnswer, LowerCasesAndTrimsWhiteSpaceAndOneTrailingPeriod) {
  EXPECT_EQ(normalize_answer("Yes"), "yes");
  EXPECT_EQ(normalize_answer("  Red \t"), "red");
  EXPECT_EQ(normalize_answer("Circle."), "circle");
  EXPECT_EQ(normalize_answer("No .  "), "no");
  EXPECT_EQ(normalize_answer("2."), "2");
  EXPECT_EQ(normalize_answer("wait.."), "wait.");
  EXPECT_EQ(normalize_answer("Dark Blue"), "dark blue");
  EXPECT_EQ(normalize_answer(""), "");
  EXPECT_EQ(normalize_answer(" . "), "");
}

TEST(NormalizeAnswer, KeepsOnlyTheFirstNonBlankLine) {
  EXPECT_EQ(normalize_answer("Yes\nThe red circle is on the left."), "yes");
  EXPECT_EQ(normalize_answer("\n \n  Square.\nsquare"), "square");
  EXPECT_EQ(normalize_answer("three\r\nfour"), "three");
}

TEST(AnswersMatch, IsEqualityAfterNormalisation) {
  EXPECT_TRUE(answers_match("Yes.", "Yes"));
  EXPECT_TRUE(answers_match(" red\n", "red"));
  EXPECT_TRUE(answers_match("TRIANGLE\nbecause it has three sides", "triangle"));
  EXPECT_FALSE(answers_match("No", "Yes"));
  EXPECT_FALSE(answers_match("red circle", "red"));
  EXPECT_FALSE(answers_match("3", "2"));
  EXPECT_FALSE(answers_match("", "Yes"));
  EXPECT_FALSE(answers_match("Yes, it is", "Yes"));
}

}  // namespace
}  // namespace vdep
