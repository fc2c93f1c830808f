#include "eval/qa_questions.h"

#include <algorithm>
#include <stdexcept>

#include <vdep/llava_annotations.h>

namespace vdep {

namespace {

bool from_human(const ConversationTurn& turn) { return turn.from == "human" || turn.from == "user"; }
bool from_gpt(const ConversationTurn& turn) { return turn.from == "gpt" || turn.from == "assistant"; }

}  // namespace

std::vector<QaQuestion> read_qa_questions(const std::filesystem::path& eval_json,
                                          const std::filesystem::path& image_folder, std::size_t limit) {
  const LlavaAnnotations annotations = LlavaAnnotations::open(eval_json);
  const std::size_t count = limit == 0 ? annotations.size() : std::min(limit, annotations.size());
  std::vector<QaQuestion> questions;
  questions.reserve(count);
  for (std::size_t index = 0; index < count; ++index) {
    LlavaRecord record = annotations.record(index);
    const auto defect = [&](const std::string& what) {
      return std::runtime_error(eval_json.string() + ": record " + std::to_string(index) + " (id \"" + record.id +
                                "\"): " + what);
    };
    if (!record.category) throw defect("no \"category\"");
    if (!record.image) throw defect("no \"image\"");
    if (record.conversations.size() != 2 || !from_human(record.conversations[0]) ||
        !from_gpt(record.conversations[1])) {
      throw defect("an evaluation record is one human question and one gpt answer");
    }
    // Absolute, as QaQuestion promises: eval_answers.jsonl names the image for readers elsewhere.
    questions.push_back({record.id, std::move(*record.category),
                         std::filesystem::absolute(image_folder / *record.image).lexically_normal(),
                         std::move(record.conversations[0]), std::move(record.conversations[1].value)});
  }
  return questions;
}

}  // namespace vdep
