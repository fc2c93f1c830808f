// The QA evaluation for people and for scripts: runs/<name>/eval.json, runs/<name>/eval_answers.jsonl
// and a table for the log.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "eval/qa_scores.h"

namespace vdep {

// {"overall": {"correct", "total", "accuracy", "prior": {"accuracy"}}, "categories": {NAME:
// {"correct", "total", "accuracy", "chance" when chance_accuracy knows it, "prior": {"answer",
// "accuracy"}}}, "examples": [{"id", "category", "question", "expected", "generated", "correct"}]},
// the examples being the first kReportedExamples answers; "prior" is CategoryScore's blind baseline.
std::string qa_scores_json(const QaScores& scores);
inline constexpr std::size_t kReportedExamples = 5;

// Every answer, one JSON object per line in question order: the examples' keys and "image"; for
// error analysis (which scenes, which confusions), as LLaVA's evaluation scripts write answer files.
std::string qa_answers_jsonl(const QaScores& scores);

// qa_scores_json (eval.json) and qa_answers_jsonl (eval_answers.jsonl) through atomic writes: a
// reader never sees half an evaluation.
void write_qa_scores(const std::filesystem::path& path, const QaScores& scores);
void write_qa_answers(const std::filesystem::path& path, const QaScores& scores);

// One line per category, then "overall", under
//   CATEGORY     CORRECT  TOTAL  ACCURACY  CHANCE   PRIOR
// accuracies in percent; the chance column is blank where chance_accuracy does not know it; the
// prior is followed by its answer.
std::string format_qa_table(const QaScores& scores);

}  // namespace vdep
