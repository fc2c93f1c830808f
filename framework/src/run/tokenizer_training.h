// A SentencePiece tokenizer trained for an experiment whose LLM starts from scratch (the toy
// experiment): on the text its stages will tokenize, in the layout of LLaMA's tokenizer.model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <vdep/chat_template.h>
#include <vdep/dataset.h>

namespace vdep {

// Every example of `dataset` rendered by `chat_template` as training would render it, image markers
// left out, one entry per line of text.
std::vector<std::string> rendered_text_lines(const Dataset& dataset, const ChatTemplate& chat_template);

struct TokenizerTrainingOptions {
  std::int64_t vocab_size = 512;
  std::string model_type = "bpe";  // or "unigram"
};

// Trains on `lines` with LLaMA's conventions (unk 0, <s> 1, </s> 2, no padding piece; byte
// fallback, digits split, whitespace kept as written) and writes the model to `path` atomically.
// Returns the number of pieces. Throws std::runtime_error with SentencePiece's message.
std::int64_t train_sentencepiece_tokenizer(const std::vector<std::string>& lines, const TokenizerTrainingOptions& options,
                                           const std::filesystem::path& path);

}  // namespace vdep
