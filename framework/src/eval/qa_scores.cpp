#include "eval/qa_scores.h"

#include <map>

#include "eval/answer_matching.h"

namespace vdep {

QaScores score_qa_answers(const std::vector<QaAnswer>& answers, std::size_t examples_kept) {
  std::map<std::string, CategoryScore> by_category;
  QaScores scores;
  for (const QaAnswer& answer : answers) {
    CategoryScore& category = by_category[answer.question.category];
    category.category = answer.question.category;
    const bool correct = answers_match(answer.generated, answer.question.reference);
    for (CategoryScore* score : {&category, &scores.overall}) {
      ++score->total;
      if (correct) ++score->correct;
    }
    if (scores.examples.size() < examples_kept) scores.examples.push_back(answer);
  }
  for (auto& [name, score] : by_category) scores.categories.push_back(std::move(score));
  return scores;
}

}  // namespace vdep
