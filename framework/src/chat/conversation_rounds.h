// A LLaVA-JSON conversation as question/answer rounds, the shape every template renders.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <vdep/chat_template.h>

namespace vdep {

struct ConversationRound {
  std::string question;
  std::string answer;
};

struct ConversationRounds {
  std::vector<ConversationRound> rounds;
  std::optional<std::string> open_question;  // a final human turn without an answer
};

// Reads the turns as LLaVA and TinyLLaVA do: a leading assistant turn is dropped, then turns must
// alternate human / assistant. A question holding exactly one image marker gets it moved to its
// start followed by "\n" (LLaVA's preprocess_multimodal); several markers stay where they are
// written, for interleaved multi-image samples. Throws std::invalid_argument naming the turn.
ConversationRounds read_conversation_rounds(const std::vector<ConversationTurn>& turns);

}  // namespace vdep
