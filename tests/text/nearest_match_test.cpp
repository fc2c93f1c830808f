#include <gtest/gtest.h>

#include "text/nearest_match.h"

namespace vdep {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("alpha", "alpha"), 0u);
  EXPECT_EQ(edit_distance("alpha", "alpah"), 1u);  // two adjacent letters swapped
  EXPECT_EQ(edit_distance("wieght", "weight"), 1u);
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);  // no substring is edited twice
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
}

TEST(NearestMatch, SuggestsTheClosestPlausibleCandidate) {
  const std::vector<std::string> keys = {"alpha", "shift", "detach_target", "variant"};
  EXPECT_EQ(nearest_match("alpah", keys), "alpha");
  EXPECT_EQ(nearest_match("detach_targt", keys), "detach_target");
  EXPECT_EQ(nearest_match("shfit", keys), "shift");
}

TEST(NearestMatch, StaysSilentWhenNothingIsClose) {
  const std::vector<std::string> keys = {"alpha", "shift"};
  EXPECT_EQ(nearest_match("learning_rate", keys), std::nullopt);
  EXPECT_EQ(nearest_match("x", {}), std::nullopt);
}

}  // namespace
}  // namespace vdep
