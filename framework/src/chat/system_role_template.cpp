#include "chat/system_role_template.h"

#include <stdexcept>

#include "chat/conversation_rounds.h"
#include "chat/segment_labeller.h"

namespace vdep {

namespace {

constexpr const char* kSystemPrompt =
    "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, "
    "detailed, and polite answers to the user's questions.";

// Both reference templates render the same text apart from the token that ends an answer:
//   SYSTEM USER: q1 ASSISTANT: a1<end>USER: q2 ASSISTANT: a2<end>
class SystemRoleTemplate final : public ChatTemplate {
 public:
  SystemRoleTemplate(std::string name, std::string answer_end) : name_(std::move(name)), answer_end_(std::move(answer_end)) {}

  std::string name() const override { return name_; }

  std::string render(const std::vector<ConversationTurn>& turns) const override {
    return joined(segments(read_conversation_rounds(turns)));
  }

  std::string render_generation_prompt(const std::vector<ConversationTurn>& turns) const override {
    const ConversationRounds conversation = read_conversation_rounds(turns);
    if (!conversation.open_question) {
      throw std::invalid_argument(name_ + " template: a generation prompt needs the conversation to end with a human turn");
    }
    return joined(segments(conversation));
  }

  std::optional<TokenizedConversation> tokenize(const std::vector<ConversationTurn>& turns, const Tokenizer& tokenizer,
                                                std::string* mismatch) const override {
    const ConversationRounds conversation = read_conversation_rounds(turns);
    if (conversation.open_question) {
      throw std::invalid_argument(name_ + " template: the conversation ends with a human turn that has no answer");
    }
    return label_segments(segments(conversation), tokenizer, mismatch);
  }

 private:
  // Each question segment ends at "ASSISTANT:" and the answer segment starts with the space
  // before the answer: SentencePiece and GPT-2 both attach that space to the answer's first word,
  // which the references supervise (their "- 2" / "- 1" in instruction_len).
  std::vector<PromptSegment> segments(const ConversationRounds& conversation) const {
    std::vector<PromptSegment> result;
    std::string question_prefix = std::string(kSystemPrompt) + " ";
    for (const ConversationRound& round : conversation.rounds) {
      result.push_back({question_prefix + "USER: " + round.question + " ASSISTANT:", false});
      result.push_back({" " + round.answer + answer_end_, true});
      question_prefix.clear();
    }
    if (conversation.open_question) {
      result.push_back({question_prefix + "USER: " + *conversation.open_question + " ASSISTANT:", false});
    }
    return result;
  }

  static std::string joined(const std::vector<PromptSegment>& parts) {
    std::string prompt;
    for (const PromptSegment& part : parts) prompt += part.text;
    return prompt;
  }

  std::string name_;
  std::string answer_end_;
};

}  // namespace

std::unique_ptr<ChatTemplate> make_vicuna_v1_template() {
  return std::make_unique<SystemRoleTemplate>("vicuna_v1", "</s>");
}

std::unique_ptr<ChatTemplate> make_phi_template() {
  return std::make_unique<SystemRoleTemplate>("phi", "<|endoftext|>");
}

}  // namespace vdep
