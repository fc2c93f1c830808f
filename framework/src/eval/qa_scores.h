// Exact-match accuracy of a model's answers to held-out questions, per question type and overall.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/qa_questions.h"

namespace vdep {

struct QaAnswer {
  QaQuestion question;
  std::string generated;
};

struct CategoryScore {
  std::string category;
  std::int64_t correct = 0;
  std::int64_t total = 0;
  double accuracy() const { return total == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(total); }
};

struct QaScores {
  std::vector<CategoryScore> categories;  // by name
  CategoryScore overall{"overall"};
  // The first answers in question order, right or wrong: what the model actually says.
  std::vector<QaAnswer> examples;
};

// Judges each answer with answers_match against its question's reference, and keeps the first
// `examples_kept` answers.
QaScores score_qa_answers(const std::vector<QaAnswer>& answers, std::size_t examples_kept);

}  // namespace vdep
