#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "eval/qa_report.h"
#include "support/temporary_folder.h"

namespace vdep {
namespace {

QaScores two_categories() {
  QaScores scores;
  scores.categories = {{"colour", 1, 3}, {"count", 2, 2}};
  scores.overall = {"overall", 3, 5};
  QaQuestion question;
  question.id = "eval-0000000-0";
  question.category = "colour";
  question.question = {"human", "<image>\nWhat colour is the circle?"};
  question.reference = "red";
  scores.examples = {{question, "Red."}};
  return scores;
}

// Chance is 1/6 for a colour (six colours) and unknown for a count.
TEST(FormatQaTable, OneAlignedLinePerCategoryThenOverall) {
  EXPECT_EQ(format_qa_table(two_categories()),
            "CATEGORY     CORRECT  TOTAL  ACCURACY  CHANCE\n"
            "colour             1      3     33.3%   16.7%\n"
            "count              2      2    100.0%\n"
            "overall            3      5     60.0%\n");
}

using QaReportTest = test::TemporaryFolderTest;

TEST_F(QaReportTest, WritesCountsAccuraciesChanceAndExamplesAsJson) {
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
  ASSERT_EQ(json["examples"].size(), 1u);
  EXPECT_EQ(json["examples"][0]["id"], "eval-0000000-0");
  EXPECT_EQ(json["examples"][0]["question"], "<image>\nWhat colour is the circle?");
  EXPECT_EQ(json["examples"][0]["expected"], "red");
  EXPECT_EQ(json["examples"][0]["generated"], "Red.");
  EXPECT_EQ(json["examples"][0]["correct"], true);
}

}  // namespace
}  // namespace vdep
