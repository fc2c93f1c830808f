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
  // The blind baseline (VQA's per-question-type prior): the score of giving every question of the
  // category its most common reference answer in these questions, the alphabetically first on a
  // tie. A model that ignores the image gets about as far by learning the training answers'
  // frequencies; accuracy at or below it means the category was not learnt, whatever chance says.
  // For "overall", the sum over the categories, prior_answer empty.
  std::string prior_answer{};  // normalized as answers are compared
  std::int64_t prior_correct = 0;
  double accuracy() const { return fraction(correct); }
  double prior_accuracy() const { return fraction(prior_correct); }

 private:
  double fraction(std::int64_t count) const {
    return total == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(total);
  }
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
