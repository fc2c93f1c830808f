// Token ids and labels for a prompt made of masked and supervised text segments.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <vdep/chat_template.h>

namespace vdep {

struct PromptSegment {
  std::string text;
  bool supervised = false;  // an assistant answer with its end token, or a caption
};

// Tokenizes the concatenated segments once, then finds each segment's last token by tokenizing
// the prompt up to the segment's end. Where that prefix's tokens are not a prefix of the whole
// prompt's tokens, the tokenizer merged across the boundary and labels cannot be placed: the
// result is nullopt and *mismatch says where. Segments must end where tokenization is stable:
// before a space that starts the next word, or after a special token.
//
// This gives the labels that LLaVA's and TinyLLaVA's round-length arithmetic gives when that
// arithmetic is consistent, and detects instead of guesses when it is not.
std::optional<TokenizedConversation> label_segments(const std::vector<PromptSegment>& segments,
                                                    const Tokenizer& tokenizer, std::string* mismatch);

}  // namespace vdep
