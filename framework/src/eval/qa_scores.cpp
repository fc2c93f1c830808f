#include "eval/qa_scores.h"

#include <map>

#include "eval/answer_matching.h"

namespace vdep {

QaScores score_qa_answers(std::vector<QaAnswer> answers) {
  std::map<std::string, CategoryScore> by_category;
  std::map<std::string, std::map<std::string, std::int64_t>> references;  // category → answer → count
  QaScores scores;
  for (QaAnswer& answer : answers) {
    CategoryScore& category = by_category[answer.question.category];
    category.category = answer.question.category;
    ++references[category.category][normalize_answer(answer.question.reference)];
    answer.correct = answers_match(answer.generated, answer.question.reference);
    for (CategoryScore* score : {&category, &scores.overall}) {
      ++score->total;
      if (answer.correct) ++score->correct;
    }
  }
  scores.answers = std::move(answers);
  for (auto& [name, score] : by_category) {
    for (const auto& [reference, count] : references[name]) {
      if (count > score.prior_correct) {  // strictly more: the alphabetically first of a tie stays
        score.prior_answer = reference;
        score.prior_correct = count;
      }
    }
    scores.overall.prior_correct += score.prior_correct;
    scores.categories.push_back(std::move(score));
  }
  return scores;
}

}  // namespace vdep
