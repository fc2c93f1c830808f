#include <gtest/gtest.h>

#include "eval/qa_scores.h"

namespace vdep {
namespace {

QaAnswer answered(std::string id, std::string category, std::string reference, std::string generated) {
  QaQuestion question;
  question.id = std::move(id);
  question.category = std::move(category);
  question.question = {"human", "<image>\nA question?"};
  question.reference = std::move(reference);
  return {std::move(question), std::move(generated)};
}

std::vector<QaAnswer> six_answers() {
  return {answered("a", "existence", "Yes", "Yes."),  // right
          answered("b", "colour", "red", "Red"),      // right
          answered("c", "existence", "No", "Yes"),    // wrong
          answered("d", "count", "2", "3"),           // wrong
          answered("e", "existence", "No", "no\n"),   // right
          answered("f", "colour", "blue", "")};       // wrong
}

TEST(ScoreQaAnswers, CountsMatchesPerCategoryAndOverall) {
  const QaScores scores = score_qa_answers(six_answers());
  ASSERT_EQ(scores.categories.size(), 3u);
  EXPECT_EQ(scores.categories[0].category, "colour");
  EXPECT_EQ(scores.categories[0].correct, 1);
  EXPECT_EQ(scores.categories[0].total, 2);
  EXPECT_DOUBLE_EQ(scores.categories[0].accuracy(), 0.5);
  EXPECT_EQ(scores.categories[1].category, "count");
  EXPECT_EQ(scores.categories[1].correct, 0);
  EXPECT_EQ(scores.categories[1].total, 1);
  EXPECT_DOUBLE_EQ(scores.categories[1].accuracy(), 0.0);
  EXPECT_EQ(scores.categories[2].category, "existence");
  EXPECT_EQ(scores.categories[2].correct, 2);
  EXPECT_EQ(scores.categories[2].total, 3);
  EXPECT_DOUBLE_EQ(scores.categories[2].accuracy(), 2.0 / 3.0);
  EXPECT_EQ(scores.overall.category, "overall");
  EXPECT_EQ(scores.overall.correct, 3);
  EXPECT_EQ(scores.overall.total, 6);
  EXPECT_DOUBLE_EQ(scores.overall.accuracy(), 0.5);
}

// The prior answers every question of a category with its most common reference: "no" is right
// for two of the three existence questions; red and blue tie, blue comes first; overall sums them.
TEST(ScoreQaAnswers, PriorIsTheCategorysMostCommonReference) {
  const QaScores scores = score_qa_answers(six_answers());
  ASSERT_EQ(scores.categories.size(), 3u);
  EXPECT_EQ(scores.categories[0].prior_answer, "blue");
  EXPECT_EQ(scores.categories[0].prior_correct, 1);
  EXPECT_DOUBLE_EQ(scores.categories[0].prior_accuracy(), 0.5);
  EXPECT_EQ(scores.categories[1].prior_answer, "2");
  EXPECT_DOUBLE_EQ(scores.categories[1].prior_accuracy(), 1.0);
  EXPECT_EQ(scores.categories[2].prior_answer, "no");
  EXPECT_EQ(scores.categories[2].prior_correct, 2);
  EXPECT_DOUBLE_EQ(scores.categories[2].prior_accuracy(), 2.0 / 3.0);
  EXPECT_TRUE(scores.overall.prior_answer.empty());
  EXPECT_EQ(scores.overall.prior_correct, 4);
  EXPECT_DOUBLE_EQ(scores.overall.prior_accuracy(), 4.0 / 6.0);
}

TEST(ScoreQaAnswers, KeepsEveryAnswerInQuestionOrderWithItsJudgement) {
  const QaScores scores = score_qa_answers(six_answers());
  ASSERT_EQ(scores.answers.size(), 6u);
  const std::vector<std::string> ids = {"a", "b", "c", "d", "e", "f"};
  const std::vector<bool> correct = {true, true, false, false, true, false};
  for (std::size_t index = 0; index < ids.size(); ++index) {
    EXPECT_EQ(scores.answers[index].question.id, ids[index]);
    EXPECT_EQ(scores.answers[index].correct, correct[index]) << ids[index];
  }
  EXPECT_EQ(scores.answers[1].generated, "Red");
}

TEST(ScoreQaAnswers, NoAnswersScoreZeroOfZero) {
  const QaScores scores = score_qa_answers({});
  EXPECT_TRUE(scores.categories.empty());
  EXPECT_EQ(scores.overall.total, 0);
  EXPECT_DOUBLE_EQ(scores.overall.accuracy(), 0.0);
  EXPECT_DOUBLE_EQ(scores.overall.prior_accuracy(), 0.0);
}

}  // namespace
}  // namespace vdep
