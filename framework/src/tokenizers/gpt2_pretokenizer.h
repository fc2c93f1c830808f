// GPT-2's pre-tokenisation: text cut into the words that byte-level BPE then encodes one by one,
// as HF's GPT2Tokenizer does with the `regex` module and the pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// matched here by hand, alternative by alternative, on code points.
#pragma once

#include <string_view>
#include <vector>

namespace vdep {

// The words of valid UTF-8 `text`, in order; together they are the whole text.
std::vector<std::string_view> gpt2_pretokenize(std::string_view text);

}  // namespace vdep
