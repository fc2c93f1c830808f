#include "chat/conversation_rounds.h"

#include <stdexcept>
#include <string_view>

#include "chat/image_marker_tokenizer.h"

namespace vdep {

namespace {

bool is_human(const std::string& from) { return from == "human" || from == "user"; }
bool is_assistant(const std::string& from) { return from == "gpt" || from == "assistant"; }

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// LLaVA: value.replace('<image>', '').strip(); '<image>\n' + value; .strip().
std::string move_image_marker_to_start(const std::string& question) {
  if (count_image_markers(question) != 1) return question;
  for (const std::string_view marker : {kImageMarker, kAutoImageMarker}) {
    const std::size_t position = question.find(marker);
    if (position == std::string::npos) continue;
    const std::string without = question.substr(0, position) + question.substr(position + marker.size());
    return std::string(trim(std::string(marker) + "\n" + std::string(trim(without))));
  }
  return question;
}

}  // namespace

ConversationRounds read_conversation_rounds(const std::vector<ConversationTurn>& turns) {
  std::size_t first = 0;
  if (!turns.empty() && !is_human(turns.front().from)) first = 1;
  ConversationRounds result;
  for (std::size_t i = first; i < turns.size(); ++i) {
    const ConversationTurn& turn = turns[i];
    const bool expect_human = (i - first) % 2 == 0;
    if (!is_human(turn.from) && !is_assistant(turn.from)) {
      throw std::invalid_argument("turn " + std::to_string(i) + ": unknown speaker '" + turn.from +
                                  "' (expected human/user or gpt/assistant)");
    }
    if (is_human(turn.from) != expect_human) {
      throw std::invalid_argument("turn " + std::to_string(i) + ": expected a " +
                                  (expect_human ? "human" : "gpt") + " turn, got '" + turn.from +
                                  "' (turns must alternate human / gpt)");
    }
    if (expect_human) {
      result.open_question = move_image_marker_to_start(turn.value);
    } else {
      result.rounds.push_back({std::move(*result.open_question), turn.value});
      result.open_question.reset();
    }
  }
  if (result.rounds.empty() && !result.open_question) {
    throw std::invalid_argument("the conversation has no human turn");
  }
  return result;
}

}  // namespace vdep
