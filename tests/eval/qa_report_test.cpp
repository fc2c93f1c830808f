#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/qa_report.h"
#include "support/temporary_folder.h"

namespace vdep {
namespace {

QaScores two_categories() {
  QaScores scores;
  scores.categories = {{"colour", 1, 3, "red", 2}, {"count", 2, 2, "2", 2}};
  scores.overall = {"overall", 3, 5, "", 4};
  QaQuestion question;
  question.id = "eval-0000000-0";
  question.category = "colour";
  question.question = {"human", "<image>\nWhat colour is the circle?"};
  question.reference = "red";
  question.image = "/data/eval_images/0000000.png";
  scores.answers = {{question, "Red.", true}};
  return scores;
}

// Chance is 1/6 for a colour (six colours) and unknown for a count; the prior column stays aligned
// either way.
TEST(FormatQaTable, OneAlignedLinePerCategoryThenOverall) {
  EXPECT_EQ(format_qa_table(two_categories()),
            "CATEGORY     CORRECT  TOTAL  ACCURACY  CHANCE   PRIOR\n"
            "colour             1      3     33.3%   16.7%   66.7% red\n"
            "count              2      2    100.0%          100.0% 2\n"
            "overall            3      5     60.0%           80.0%\n");
}

using QaReportTest = test::TemporaryFolderTest;

TEST_F(QaReportTest, WritesCountsAccuraciesChancePriorsAndExamplesAsJson) {
  const auto path = folder_ / "eval.json";
  write_qa_scores(path, two_categories());
  std::ifstream file(path);
  const nlohmann::json json = nlohmann::json::parse(file);
  EXPECT_EQ(json["overall"]["correct"], 3);
  EXPECT_EQ(json["overall"]["total"], 5);
  EXPECT_DOUBLE_EQ(json["overall"]["accuracy"].get<double>(), 0.6);
  EXPECT_FALSE(json["overall"].contains("chance"));
  EXPECT_EQ(json["categories"]["colour"]["correct"], 1);
  EXPECT_EQ(json["categories"]["colour"]["total"], 3);
  EXPECT_DOUBLE_EQ(json["categories"]["colour"]["accuracy"].get<double>(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(json["categories"]["colour"]["chance"].get<double>(), 1.0 / 6.0);
  EXPECT_FALSE(json["categories"]["count"].contains("chance"));
  EXPECT_EQ(json["categories"]["colour"]["prior"]["answer"], "red");
  EXPECT_DOUBLE_EQ(json["categories"]["colour"]["prior"]["accuracy"].get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(json["overall"]["prior"]["accuracy"].get<double>(), 0.8);
  EXPECT_FALSE(json["overall"]["prior"].contains("answer"));
  ASSERT_EQ(json["examples"].size(), 1u);
  EXPECT_EQ(json["examples"][0]["id"], "eval-0000000-0");
  EXPECT_EQ(json["examples"][0]["question"], "<image>\nWhat colour is the circle?");
  EXPECT_EQ(json["examples"][0]["expected"], "red");
  EXPECT_EQ(json["examples"][0]["generated"], "Red.");
  EXPECT_EQ(json["examples"][0]["correct"], true);
}

// eval.json shows the first few answers; eval_answers.jsonl holds all of them.
TEST_F(QaReportTest, ReportsTheFirstExamplesAndWritesEveryAnswerAsALine) {
  QaScores scores = two_categories();
  for (int extra = 1; extra <= 6; ++extra) {
    QaAnswer wrong = scores.answers.front();
    wrong.question.id = "eval-0000000-" + std::to_string(extra);
    wrong.generated = "blue";
    wrong.correct = false;
    scores.answers.push_back(wrong);
  }
  const nlohmann::json report = nlohmann::json::parse(qa_scores_json(scores));
  ASSERT_EQ(report["examples"].size(), kReportedExamples);
  EXPECT_EQ(report["examples"][4]["id"], "eval-0000000-4");

  const auto path = folder_ / "eval_answers.jsonl";
  write_qa_answers(path, scores);
  std::ifstream file(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0]["id"], "eval-0000000-0");
  EXPECT_EQ(lines[0]["category"], "colour");
  EXPECT_EQ(lines[0]["image"], "/data/eval_images/0000000.png");
  EXPECT_EQ(lines[0]["question"], "<image>\nWhat colour is the circle?");
  EXPECT_EQ(lines[0]["expected"], "red");
  EXPECT_EQ(lines[0]["generated"], "Red.");
  EXPECT_EQ(lines[0]["correct"], true);
  EXPECT_EQ(lines[6]["id"], "eval-0000000-6");
  EXPECT_EQ(lines[6]["generated"], "blue");
  EXPECT_EQ(lines[6]["correct"], false);
}

}  // namespace
}  // namespace vdep
