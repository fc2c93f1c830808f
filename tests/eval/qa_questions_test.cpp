#include <gtest/gtest.h>

#include <stdexcept>

#include "eval/qa_questions.h"
#include "support/temporary_folder.h"

namespace vdep {
namespace {

using QaQuestionsTest = test::TemporaryFolderTest;

const char* const kTwoQuestions = R"([
  {"id": "q0", "image": "eval_images/0.png", "category": "existence",
   "conversations": [{"from": "human", "value": "<image>\nIs there a red circle?"}, {"from": "gpt", "value": "Yes"}]},
  {"id": 7, "image": "eval_images/1.png", "category": "count",
   "conversations": [{"from": "human", "value": "<image>\nHow many squares are there?"}, {"from": "gpt", "value": "2"}]}
])";

TEST_F(QaQuestionsTest, ReadsCategoryImageQuestionAndReference) {
  const std::vector<QaQuestion> questions = read_qa_questions(write("eval.json", kTwoQuestions), folder_ / "shapes");
  ASSERT_EQ(questions.size(), 2u);
  EXPECT_EQ(questions[0].id, "q0");
  EXPECT_EQ(questions[0].category, "existence");
  EXPECT_EQ(questions[0].image, folder_ / "shapes" / "eval_images/0.png");
  EXPECT_EQ(questions[0].question.from, "human");
  EXPECT_EQ(questions[0].question.value, "<image>\nIs there a red circle?");
  EXPECT_EQ(questions[0].reference, "Yes");
  EXPECT_EQ(questions[1].id, "7");
  EXPECT_EQ(questions[1].category, "count");
  EXPECT_EQ(questions[1].reference, "2");
}

// The experiment's evaluation.questions is relative to the current directory, and so is the image
// folder it gives; the questions still name their images by absolute paths.
TEST_F(QaQuestionsTest, ImagesUnderARelativeFolderGetAbsolutePaths) {
  const auto path = write("eval.json", kTwoQuestions);
  const std::vector<QaQuestion> questions = read_qa_questions(path, "data/../shapes_toy");
  ASSERT_EQ(questions.size(), 2u);
  EXPECT_TRUE(questions[0].image.is_absolute());
  EXPECT_EQ(questions[0].image, std::filesystem::current_path() / "shapes_toy" / "eval_images" / "0.png");
}

TEST_F(QaQuestionsTest, ALimitKeepsTheFirstQuestions) {
  const auto path = write("eval.json", kTwoQuestions);
  ASSERT_EQ(read_qa_questions(path, folder_, 1).size(), 1u);
  EXPECT_EQ(read_qa_questions(path, folder_, 1)[0].id, "q0");
  EXPECT_EQ(read_qa_questions(path, folder_, 5).size(), 2u);
}

TEST_F(QaQuestionsTest, ARecordWithoutCategoryIsADefect) {
  const auto path = write("eval.json", R"([{"id": "q0", "image": "a.png", "conversations": [
    {"from": "human", "value": "<image>\nQ?"}, {"from": "gpt", "value": "A"}]}])");
  EXPECT_THROW(read_qa_questions(path, folder_), std::runtime_error);
}

TEST_F(QaQuestionsTest, ACategoryThatIsNoStringIsADefect) {
  const auto path = write("eval.json", R"([{"id": "q0", "image": "a.png", "category": 3, "conversations": [
    {"from": "human", "value": "<image>\nQ?"}, {"from": "gpt", "value": "A"}]}])");
  EXPECT_THROW(read_qa_questions(path, folder_), std::runtime_error);
}

TEST_F(QaQuestionsTest, ARecordOfMoreThanOneQuestionIsADefect) {
  const auto path = write("eval.json", R"([{"id": "q0", "image": "a.png", "category": "count", "conversations": [
    {"from": "human", "value": "<image>\nQ?"}, {"from": "gpt", "value": "A"},
    {"from": "human", "value": "Q2?"}, {"from": "gpt", "value": "B"}]}])");
  EXPECT_THROW(read_qa_questions(path, folder_), std::runtime_error);
}

}  // namespace
}  // namespace vdep
