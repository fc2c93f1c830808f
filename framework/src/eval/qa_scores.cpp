#include "eval/qa_scores.h"

#include <map>

#include "eval/answer_matching.h"

namespace vdep {

QaScores score_qa_answers(std::vector<QaAnswer> answers) {
  std::map<std::string, CategoryScore> by_category;
  QaScores scores;
  for (QaAnswer& answer : answers) {
    CategoryScore& category = by_category[answer.question.category];
    category.category = answer.question.category;
    answer.correct = answers_match(answer.generated, answer.question.reference);
    for (CategoryScore* score : {&category, &scores.overall}) {
      ++score->total;
      if (answer.correct) ++score->correct;
    }
  }
  scores.answers = std::move(answers);
  for (auto& [name, score] : by_category) scores.categories.push_back(std::move(score));
  return scores;
}

}  // namespace vdep
