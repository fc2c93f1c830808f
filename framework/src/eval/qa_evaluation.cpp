#include "eval/qa_evaluation.h"

#include <memory>
#include <vector>

#include <vdep/chat_template.h>

#include "eval/qa_answerer.h"
#include "eval/qa_questions.h"

namespace vdep {

QaScores evaluate_qa(MultimodalModel& model, const Tokenizer& tokenizer, const std::string& template_name,
                     const std::filesystem::path& eval_json, const std::filesystem::path& image_folder,
                     const QaEvaluationOptions& options) {
  const std::unique_ptr<ChatTemplate> chat_template = ChatTemplate::create(template_name);
  QaAnswerer answerer(model, tokenizer, *chat_template, {options.max_new_tokens, options.pad_to_square});
  std::vector<QaAnswer> answers;
  for (QaQuestion& question : read_qa_questions(eval_json, image_folder, options.limit)) {
    std::string generated = answerer.answer(question);
    answers.push_back({std::move(question), std::move(generated)});
  }
  return score_qa_answers(std::move(answers));
}

}  // namespace vdep
