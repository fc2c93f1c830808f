#include "data/shapes_questions.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "shapes_test_support.h"

namespace vdep {
namespace {

// The test's own reading of the words in a question: back from a name to the kind or colour.
std::vector<Shape> shapes_where(const ShapesScene& scene, const std::string& colour, const std::string& kind) {
  std::vector<Shape> found;
  for (const Shape& s : scene.shapes) {
    if ((colour.empty() || colour == colour_name(s.colour)) && (kind.empty() || kind == kind_name(s.kind))) {
      found.push_back(s);
    }
  }
  return found;
}

std::string yes_no(bool yes) { return yes ? "Yes" : "No"; }

// Re-derives the answer to `question` from the scene alone, by the question's words rather than
// by the generator's bookkeeping; "" when the question has no unique answer.
std::string derived_answer(const ShapesScene& scene, const std::string& question) {
  std::smatch match;
  if (std::regex_match(question, match, std::regex("What colour is the (\\w+)\\?"))) {
    const auto found = shapes_where(scene, "", match[1]);
    return found.size() == 1 ? colour_name(found[0].colour) : "";
  }
  if (std::regex_match(question, match, std::regex("What shape is the (\\w+) object\\?"))) {
    const auto found = shapes_where(scene, match[1], "");
    return found.size() == 1 ? kind_name(found[0].kind) : "";
  }
  if (std::regex_match(question, match, std::regex("How many (\\w+)s are there\\?"))) {
    return std::to_string(shapes_where(scene, "", match[1]).size());
  }
  if (std::regex_match(question, match, std::regex("Is there (a|an) (\\w+) (\\w+) in the image\\?"))) {
    if (match[1] != (match[2] == "orange" ? "an" : "a")) return "";
    return yes_no(!shapes_where(scene, match[2], match[3]).empty());
  }
  if (std::regex_match(question, match,
                       std::regex("Is the (\\w+) (\\w+) (to the left of|to the right of|above|below) the (\\w+) (\\w+)\\?"))) {
    const auto subjects = shapes_where(scene, match[1], match[2]);
    const auto objects = shapes_where(scene, match[4], match[5]);
    if (subjects.size() != 1 || objects.size() != 1) return "";
    const Shape& a = subjects[0];
    const Shape& b = objects[0];
    // Only asked where the two do not overlap along that axis: no judgement call.
    const bool apart_horizontally = a.right() < b.left() || b.right() < a.left();
    const bool apart_vertically = a.bottom() < b.top() || b.bottom() < a.top();
    if (match[3] == "to the left of") return apart_horizontally ? yes_no(a.centre_x < b.centre_x) : "";
    if (match[3] == "to the right of") return apart_horizontally ? yes_no(a.centre_x > b.centre_x) : "";
    if (match[3] == "above") return apart_vertically ? yes_no(a.centre_y < b.centre_y) : "";
    return apart_vertically ? yes_no(a.centre_y > b.centre_y) : "";
  }
  return "";
}

TEST(ShapesQuestions, EveryAnswerFollowsFromTheScene) {
  for (std::uint64_t index = 0; index < kScenesToCheck; ++index) {
    const ShapesScene scene = generate_scene(5, index, ShapesOptions{});
    ShapesRandom random({5, index});
    for (const ShapesQuestion& q : ask_questions(scene, random, 4)) {
      EXPECT_EQ(q.answer, derived_answer(scene, q.question)) << "index " << index << ": " << q.question;
    }
  }
}

TEST(ShapesQuestions, AsksAsManyDifferentQuestionsAsRequested) {
  for (std::uint64_t index = 0; index < kScenesToCheck; ++index) {
    const ShapesScene scene = generate_scene(6, index, ShapesOptions{});
    for (int count = 1; count <= 4; ++count) {
      ShapesRandom random({6, index});
      const auto questions = ask_questions(scene, random, count);
      ASSERT_EQ(static_cast<int>(questions.size()), count) << "index " << index;
      std::set<std::string> texts;
      for (const auto& q : questions) texts.insert(q.question);
      EXPECT_EQ(static_cast<int>(texts.size()), count) << "index " << index;
    }
  }
}

TEST(ShapesQuestions, TheSameRandomKeysGiveTheSameQuestions) {
  const ShapesScene scene = generate_scene(0, 0, ShapesOptions{});
  ShapesRandom first({1, 2, 3});
  ShapesRandom again({1, 2, 3});
  const auto a = ask_questions(scene, first, 4);
  const auto b = ask_questions(scene, again, 4);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].question, b[i].question);
    EXPECT_EQ(a[i].answer, b[i].answer);
  }
}

TEST(ShapesQuestions, EveryCategoryComesUpAndYesNoAnswersAreBalanced) {
  std::map<QuestionCategory, int> asked;
  std::map<QuestionCategory, int> yes;
  for (std::uint64_t index = 0; index < 2000; ++index) {
    const ShapesScene scene = generate_scene(7, index, ShapesOptions{});
    ShapesRandom random({7, index});
    for (const ShapesQuestion& q : ask_questions(scene, random, 3)) {
      ++asked[q.category];
      if (q.answer == "Yes") ++yes[q.category];
    }
  }
  for (QuestionCategory category : {QuestionCategory::Colour, QuestionCategory::Shape, QuestionCategory::Count,
                                    QuestionCategory::Position, QuestionCategory::Existence}) {
    EXPECT_GT(asked[category], 300) << category_name(category);
  }
  // POPE's balance: the object asked about is absent about half the time.
  const double existence_yes = double(yes[QuestionCategory::Existence]) / asked[QuestionCategory::Existence];
  EXPECT_NEAR(existence_yes, 0.5, 0.05);
  const double position_yes = double(yes[QuestionCategory::Position]) / asked[QuestionCategory::Position];
  EXPECT_NEAR(position_yes, 0.5, 0.05);
}

}  // namespace
}  // namespace vdep
