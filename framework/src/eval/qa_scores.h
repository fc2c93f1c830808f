// Exact-match accuracy of a model's answers to held-out questions, per question type and overall.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/qa_questions.h"

namespace vdep {

struct QaAnswer {
  QaQuestion question;
  std::string generated;
  bool correct = false;  // set by score_qa_answers
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
  // Every answer in question order, judged: what the model actually says, for error analysis.
  std::vector<QaAnswer> answers;
};

// Judges each answer with answers_match against its question's reference.
QaScores score_qa_answers(std::vector<QaAnswer> answers);

}  // namespace vdep
