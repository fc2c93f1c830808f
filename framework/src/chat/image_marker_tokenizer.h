// LLaVA's tokenizer_image_token: image markers become marker ids, the text between them is
// tokenized chunk by chunk.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <vdep/tokenizer.h>

namespace vdep {

// Splits `prompt` at every `<image>` / `<auto_image>`, tokenizes each chunk on its own (with the
// tokenizer's default special tokens) and joins the chunks with kImageTokenIndex /
// kAutoImageTokenIndex. When the tokenizer prepends BOS, only the first chunk keeps it. A chunk
// boundary at a marker therefore acts like a special token: text right after a marker starts a
// fresh SentencePiece word, exactly as in LLaVA and TinyLLaVA.
std::vector<std::int64_t> tokenize_with_image_markers(std::string_view prompt, const Tokenizer& tokenizer);

// Whether `text` contains an image marker, and how many.
std::size_t count_image_markers(std::string_view text);

}  // namespace vdep
