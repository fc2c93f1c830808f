// Text ↔ token ids, behind one interface for the tokenizer formats of the supported LLMs: a
// SentencePiece `tokenizer.model` (LLaMA / Vicuna, as HF's slow LlamaTokenizer) and GPT-2-style
// byte-level BPE from `vocab.json` + `merges.txt` (Phi-2).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <vdep/export.h>

namespace vdep {

struct TokenizeOptions {
  // Add the tokens the model's tokenizer adds around a text by default (LLaMA: BOS in front;
  // GPT-2 / Phi-2: none).
  bool add_special_tokens = true;
};

class VDEP_API Tokenizer {
 public:
  Tokenizer() = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;
  virtual ~Tokenizer();

  // Special and added tokens written in the text ("</s>", "<|endoftext|>") become their ids, as
  // HF tokenizers do; everything else is encoded by the model's algorithm. Throws
  // std::invalid_argument when `text` is not valid UTF-8.
  virtual std::vector<std::int64_t> encode(std::string_view text, const TokenizeOptions& options = {}) const = 0;
  // Ids back to text (UTF-8; byte-level pieces that end mid-character are completed by the next
  // ids, or replaced by U+FFFD at the end). Special tokens are written out unless skipped.
  // Throws std::out_of_range for an id outside the vocabulary.
  virtual std::string decode(const std::vector<std::int64_t>& ids, bool skip_special_tokens = false) const = 0;

  // The vocabulary entry of `id` as the model files spell it ("▁the", "Ġthe", "<0x0A>"); throws
  // std::out_of_range for an id outside the vocabulary.
  virtual std::string piece(std::int64_t id) const = 0;
  // Id of a vocabulary entry or added token spelt exactly so, if any.
  virtual std::optional<std::int64_t> piece_to_id(std::string_view piece) const = 0;
  // Number of ids the tokenizer can produce (base vocabulary plus added tokens).
  virtual std::int64_t vocab_size() const = 0;

  virtual std::optional<std::int64_t> bos_id() const = 0;
  virtual std::optional<std::int64_t> eos_id() const = 0;
  // Text of the end-of-sequence token ("</s>", "<|endoftext|>"), empty when there is none.
  virtual std::string eos_token() const = 0;
};

// Opens the tokenizer of an HF model folder, or one file:
//   - a folder with tokenizer.model (SentencePiece; tokenizer_config.json / special_tokens_map.json
//     read for `legacy`, `add_bos_token`, `add_eos_token` when present),
//   - a folder with vocab.json + merges.txt (byte-level BPE; added tokens from tokenizer.json,
//     added_tokens.json and tokenizer_config.json's added_tokens_decoder when present),
//   - a `tokenizer.model` file, or a `vocab.json` whose merges.txt lies next to it.
// Throws std::runtime_error naming the path when nothing usable is there, or a file is malformed.
VDEP_API std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path);

}  // namespace vdep
