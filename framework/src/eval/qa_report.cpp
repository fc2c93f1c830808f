#include "eval/qa_report.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "data/shapes_questions.h"
#include "io/atomic_file.h"

namespace vdep {

namespace {

using Json = nlohmann::ordered_json;

// A generated answer may end inside a multi-byte character cut by max_new_tokens: the report must
// still be written.
constexpr auto kInvalidUtf8 = Json::error_handler_t::replace;

Json score_json(const CategoryScore& score) {
  Json json{{"correct", score.correct}, {"total", score.total}, {"accuracy", score.accuracy()}};
  if (const std::optional<double> chance = chance_accuracy(score.category)) json["chance"] = *chance;
  Json prior{{"accuracy", score.prior_accuracy()}};
  if (!score.prior_answer.empty()) prior["answer"] = score.prior_answer;
  json["prior"] = std::move(prior);
  return json;
}

std::string table_row(const CategoryScore& score) {
  char row[160];
  std::snprintf(row, sizeof row, "%-12s %7lld  %5lld  %7.1f%%", score.category.c_str(),
                static_cast<long long>(score.correct), static_cast<long long>(score.total), 100.0 * score.accuracy());
  std::string line = row;
  if (const std::optional<double> chance = chance_accuracy(score.category)) {
    std::snprintf(row, sizeof row, "  %5.1f%%", 100.0 * *chance);
    line += row;
  } else {
    line += std::string(8, ' ');
  }
  std::snprintf(row, sizeof row, "  %5.1f%%", 100.0 * score.prior_accuracy());
  line += row;
  if (!score.prior_answer.empty()) line += " " + score.prior_answer;
  return line + "\n";
}

// One answer as both reports show it.
Json answer_json(const QaAnswer& answer) {
  return Json{{"id", answer.question.id},
              {"category", answer.question.category},
              {"question", answer.question.question.value},
              {"expected", answer.question.reference},
              {"generated", answer.generated},
              {"correct", answer.correct}};
}

}  // namespace

std::string qa_scores_json(const QaScores& scores) {
  Json categories = Json::object();
  for (const CategoryScore& score : scores.categories) categories[score.category] = score_json(score);
  Json examples = Json::array();
  for (std::size_t index = 0; index < std::min(scores.answers.size(), kReportedExamples); ++index) {
    examples.push_back(answer_json(scores.answers[index]));
  }
  const CategoryScore& overall = scores.overall;
  const Json json{{"overall",
                   {{"correct", overall.correct},
                    {"total", overall.total},
                    {"accuracy", overall.accuracy()},
                    {"prior", {{"accuracy", overall.prior_accuracy()}}}}},
                  {"categories", std::move(categories)},
                  {"examples", std::move(examples)}};
  return json.dump(2, ' ', false, kInvalidUtf8) + "\n";
}

std::string qa_answers_jsonl(const QaScores& scores) {
  std::string lines;
  for (const QaAnswer& answer : scores.answers) {
    Json line = answer_json(answer);
    line["image"] = answer.question.image.string();
    lines += line.dump(-1, ' ', false, kInvalidUtf8) + "\n";
  }
  return lines;
}

void write_qa_scores(const std::filesystem::path& path, const QaScores& scores) {
  write_file_atomically(path, qa_scores_json(scores));
}

void write_qa_answers(const std::filesystem::path& path, const QaScores& scores) {
  write_file_atomically(path, qa_answers_jsonl(scores));
}

std::string format_qa_table(const QaScores& scores) {
  std::string table = "CATEGORY     CORRECT  TOTAL  ACCURACY  CHANCE   PRIOR\n";
  for (const CategoryScore& score : scores.categories) table += table_row(score);
  return table + table_row(scores.overall);
}

}  // namespace vdep
