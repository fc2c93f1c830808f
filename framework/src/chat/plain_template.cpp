#include "chat/plain_template.h"

#include <stdexcept>

#include "chat/conversation_rounds.h"
#include "chat/segment_labeller.h"

namespace vdep {

namespace {

// Empty for a text-only example.
std::string_view image_marker_of(const std::string& question) {
  for (const std::string_view marker : {kImageMarker, kAutoImageMarker}) {
    if (question.find(marker) != std::string::npos) return marker;
  }
  return {};
}

class PlainTemplate final : public ChatTemplate {
 public:
  std::string name() const override { return "plain"; }

  std::string render(const std::vector<ConversationTurn>& turns) const override {
    const std::vector<PromptSegment> parts = segments(turns);
    return parts[0].text + parts[1].text;
  }

  // LLaVA's conv_llava_plain renders a pending question as the question followed by its "\n".
  std::string render_generation_prompt(const std::vector<ConversationTurn>& turns) const override {
    const ConversationRounds conversation = read_conversation_rounds(turns);
    if (!conversation.rounds.empty() || !conversation.open_question) {
      throw std::invalid_argument("plain template: a generation prompt is one human turn");
    }
    return *conversation.open_question + "\n";
  }

  std::optional<TokenizedConversation> tokenize(const std::vector<ConversationTurn>& turns, const Tokenizer& tokenizer,
                                                std::string* mismatch) const override {
    return label_segments(segments(turns), tokenizer, mismatch);
  }

 private:
  static std::vector<PromptSegment> segments(const std::vector<ConversationTurn>& turns) {
    const ConversationRounds conversation = read_conversation_rounds(turns);
    if (conversation.rounds.size() != 1 || conversation.open_question) {
      throw std::invalid_argument("plain template: expected one human turn and one gpt turn (the caption), got " +
                                  std::to_string(turns.size()) + " turns");
    }
    const ConversationRound& round = conversation.rounds.front();
    // LLaVA's plain template requires an image. Without one the example is its text alone, all of
    // it supervised: language-model pre-training on a dataset's captions.
    return {{std::string(image_marker_of(round.question)), false}, {round.answer + "\n", true}};
  }
};

}  // namespace

std::unique_ptr<ChatTemplate> make_plain_template() { return std::make_unique<PlainTemplate>(); }

}  // namespace vdep
