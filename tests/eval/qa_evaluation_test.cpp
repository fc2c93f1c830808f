// The whole evaluation on the tiny random model and a generated shapes folder: what its answers
// are is chance, so the test checks the bookkeeping, and scores hand-written answers whose
// correctness the test knows.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include <vdep/shapes_dataset.h>
#include <vdep/tokenizer.h>

#include "eval/qa_evaluation.h"
#include "eval/qa_questions.h"
#include "support/temporary_folder.h"
#include "support/tiny_multimodal_model.h"

namespace vdep {
namespace {

class QaEvaluationTest : public test::TemporaryFolderTest {
 protected:
  void SetUp() override {
    TemporaryFolderTest::SetUp();
    ShapesDatasetOptions options;
    options.scenes = 20;  // two held-out scenes of three questions each
    options.seed = 3;
    options.image_size = 64;
    write_shapes_dataset(shapes_folder(), options);
    std::ifstream file(eval_json());
    records_ = nlohmann::json::parse(file);
    ASSERT_EQ(records_.size(), 6u);
  }

  std::filesystem::path shapes_folder() const { return folder_ / "shapes"; }
  std::filesystem::path eval_json() const { return shapes_folder() / "eval.json"; }
  std::string category_of(std::size_t record) const { return records_[record]["category"].get<std::string>(); }

  nlohmann::json records_;
};

TEST_F(QaEvaluationTest, AnswersEveryQuestionOnceAndAccountsForItsCategory) {
  const auto tokenizer =
      load_tokenizer(std::filesystem::path(VDEP_FIXTURES_DIR) / "chat" / "llama_sp" / "tokenizer.model");
  test::TinyMultimodalModel tiny(tokenizer->vocab_size());
  tiny.llm->module().train(true);  // as the trainer leaves it between steps

  QaEvaluationOptions options;
  options.limit = 6;
  const QaScores scores = evaluate_qa(tiny.model, *tokenizer, "vicuna_v1", eval_json(), shapes_folder(), options);

  EXPECT_TRUE(tiny.llm->module().is_training());
  EXPECT_EQ(scores.overall.total, 6);
  std::map<std::string, std::int64_t> expected_totals;
  for (std::size_t record = 0; record < 6; ++record) ++expected_totals[category_of(record)];
  std::map<std::string, std::int64_t> totals;
  std::int64_t correct = 0;
  for (const CategoryScore& score : scores.categories) {
    totals[score.category] = score.total;
    correct += score.correct;
    EXPECT_LE(score.correct, score.total) << score.category;
    EXPECT_DOUBLE_EQ(score.accuracy(), static_cast<double>(score.correct) / static_cast<double>(score.total))
        << score.category;
  }
  EXPECT_EQ(totals, expected_totals);
  EXPECT_EQ(correct, scores.overall.correct);
  ASSERT_EQ(scores.answers.size(), 6u);
  for (std::size_t record = 0; record < scores.answers.size(); ++record) {
    EXPECT_EQ(scores.answers[record].question.id, records_[record]["id"].get<std::string>());
    EXPECT_EQ(scores.answers[record].question.reference,
              records_[record]["conversations"][1]["value"].get<std::string>());
  }
}

// Every other question answered right, in the spelling a model might use; the others wrong.
TEST_F(QaEvaluationTest, ScoresHandWrittenAnswersAgainstTheReferences) {
  std::vector<QaAnswer> answers;
  std::map<std::string, std::int64_t> expected_correct;
  std::size_t record = 0;
  for (QaQuestion& question : read_qa_questions(eval_json(), shapes_folder())) {
    const bool right = record % 2 == 0;
    if (right) ++expected_correct[category_of(record)];
    std::string generated = right ? " " + question.reference + ".\nThat is all." : "not " + question.reference;
    answers.push_back({std::move(question), std::move(generated)});
    ++record;
  }
  const QaScores scores = score_qa_answers(answers);
  EXPECT_EQ(scores.overall.correct, 3);
  EXPECT_EQ(scores.overall.total, 6);
  for (const CategoryScore& score : scores.categories) {
    EXPECT_EQ(score.correct, expected_correct[score.category]) << score.category;
  }
}

}  // namespace
}  // namespace vdep
