// Conversation formats: how a LLaVA-JSON conversation becomes one token sequence and its labels,
// exactly as LLaVA-1.5 (`plain`, `vicuna_v1`) and TinyLLaVA (`phi`) build them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <vdep/export.h>
#include <vdep/tokenizer.h>

namespace vdep {

// Image markers in token sequences: the model replaces each by the image's embeddings. `<image>`
// (LLaVA mode) keeps LLaVA's IMAGE_TOKEN_INDEX; `<auto_image>` marks a VDEP-mode image.
inline constexpr std::int64_t kImageTokenIndex = -200;
inline constexpr std::int64_t kAutoImageTokenIndex = -201;
inline constexpr std::string_view kImageMarker = "<image>";
inline constexpr std::string_view kAutoImageMarker = "<auto_image>";

// One turn of a LLaVA-JSON conversation.
struct ConversationTurn {
  std::string from;   // "human" or "gpt" (LLaVA's spelling; "user" / "assistant" are accepted)
  std::string value;  // may contain image markers
};

struct TokenizedConversation {
  std::string prompt;                   // the text that was tokenized, markers included
  std::vector<std::int64_t> input_ids;  // image markers as kImageTokenIndex / kAutoImageTokenIndex
  // Same length as input_ids; kIgnoreIndex (-100) everywhere except the assistant answers and
  // their end token (for `plain`: the caption and its "\n").
  std::vector<std::int64_t> labels;
};

class VDEP_API ChatTemplate {
 public:
  ChatTemplate() = default;
  ChatTemplate(const ChatTemplate&) = delete;
  ChatTemplate& operator=(const ChatTemplate&) = delete;
  virtual ~ChatTemplate();

  // "plain", "vicuna_v1" or "phi"; throws std::invalid_argument listing the names otherwise.
  static std::unique_ptr<ChatTemplate> create(std::string_view name);
  static std::vector<std::string> names();

  virtual std::string name() const = 0;

  // The prompt for training: the image marker moved to the start of the first human turn and
  // followed by "\n", as LLaVA's preprocess_multimodal does.
  virtual std::string render(const std::vector<ConversationTurn>& turns) const = 0;
  // The prompt for generation: the turns so far (ending with a human turn), then the opening of
  // the assistant's answer ("... ASSISTANT:").
  virtual std::string render_generation_prompt(const std::vector<ConversationTurn>& turns) const = 0;

  // Tokens and labels of render(turns). The labels come from tokenizing each round on its own, as
  // the reference implementations do; when those lengths do not add up to the tokenized prompt
  // (a "tokenization mismatch"), returns nullopt and sets *mismatch to what disagreed, instead of
  // silently masking the sample. Throws std::invalid_argument on a malformed conversation (turns
  // not alternating human / gpt, an empty conversation).
  virtual std::optional<TokenizedConversation> tokenize(const std::vector<ConversationTurn>& turns,
                                                        const Tokenizer& tokenizer,
                                                        std::string* mismatch = nullptr) const = 0;
};

}  // namespace vdep
