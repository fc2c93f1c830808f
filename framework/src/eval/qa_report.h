// The QA evaluation for people and for scripts: runs/<name>/eval.json and a table for the log.
#pragma once

#include <filesystem>
#include <string>

#include "eval/qa_scores.h"

namespace vdep {

// {"overall": {"correct", "total", "accuracy"}, "categories": {NAME: {"correct", "total",
// "accuracy", "chance" when chance_accuracy knows it}}, "examples": [{"id", "category",
// "question", "expected", "generated", "correct"}]}.
std::string qa_scores_json(const QaScores& scores);

// qa_scores_json through an atomic write: a reader never sees half an evaluation.
void write_qa_scores(const std::filesystem::path& path, const QaScores& scores);

// One line per category, then "overall", under
//   CATEGORY     CORRECT  TOTAL  ACCURACY  CHANCE
// accuracies in percent; the chance column is blank where chance_accuracy does not know it.
std::string format_qa_table(const QaScores& scores);

}  // namespace vdep
