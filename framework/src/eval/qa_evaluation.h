// The held-out QA evaluation of a trained model: every question of an evaluation file answered
// and judged by exact match, accuracy per question type and overall.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include <vdep/tokenizer.h>

#include "eval/qa_scores.h"
#include "model/multimodal_model.h"

namespace vdep {

struct QaEvaluationOptions {
  std::int64_t max_new_tokens = 8;
  std::size_t limit = 0;      // the first `limit` questions; 0 = all of them
  bool pad_to_square = true;  // the image preprocessing the model was trained with
};

// `eval_json`'s questions (read_qa_questions; images relative to `image_folder`) answered by
// QaAnswerer with the chat template `template_name`, and scored. Throws what those throw, and
// std::invalid_argument for an unknown template name.
QaScores evaluate_qa(MultimodalModel& model, const Tokenizer& tokenizer, const std::string& template_name,
                     const std::filesystem::path& eval_json, const std::filesystem::path& image_folder,
                     const QaEvaluationOptions& options = {});

}  // namespace vdep
