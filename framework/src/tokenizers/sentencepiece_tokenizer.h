// A SentencePiece `tokenizer.model` (LLaMA, Vicuna, LLaVA), encoding and decoding as HF's slow
// LlamaTokenizer (transformers 4.31-4.37): special tokens written in the text become their ids,
// the rest is encoded by SentencePiece segment by segment, BOS in front.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <vdep/tokenizer.h>

#include "tokenizers/added_tokens.h"
#include "tokenizers/sentencepiece_model.h"

namespace vdep {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // `model_file` with the settings of the HF files in its folder (tokenizer_config.json,
  // special_tokens_map.json, added tokens; see HfTokenizerSettings): legacy (default true),
  // add_bos_token (true), add_eos_token (false), bos/eos/unk/pad tokens ("<s>", "</s>", "<unk>",
  // none) with their lstrip / rstrip.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::filesystem::path& model_file);

  // legacy=true: every stretch of text between special tokens is encoded on its own, with
  // SentencePiece's dummy prefix ("A</s>B" → ▁A </s> ▁B). legacy=false: only the start of the
  // whole text gets the "▁" prefix; text right after a special token gets none (▁A </s> B).
  // White space next to a special token is kept unless the token's lstrip / rstrip says otherwise:
  // LlamaTokenizer makes its special tokens AddedToken(lstrip=False, rstrip=False), so the
  // default stripping of HF's slow tokenize() for plain-string tokens never applies.
  std::vector<std::int64_t> encode(std::string_view text, const TokenizeOptions& options = {}) const override;
  // Special and added tokens are written out as they are; each run of ordinary ids between them is
  // decoded by SentencePiece, which drops the run's leading "▁" (HF 4.35+; 4.31 also put a space in
  // front of a special token that follows text when legacy=true).
  std::string decode(const std::vector<std::int64_t>& ids, bool skip_special_tokens = false) const override;
  std::string piece(std::int64_t id) const override;
  std::optional<std::int64_t> piece_to_id(std::string_view piece) const override;
  std::int64_t vocab_size() const override { return vocab_size_; }
  std::optional<std::int64_t> bos_id() const override { return bos_id_; }
  std::optional<std::int64_t> eos_id() const override { return eos_id_; }
  std::string eos_token() const override;

 private:
  SentencePieceTokenizer() = default;
  void append_segment(std::string_view text, std::vector<std::int64_t>& ids) const;
  void append_encoded(const SentencePieceModel& model, std::string_view text, std::vector<std::int64_t>& ids) const;
  std::string decode_run(const std::vector<int>& ids) const;

  std::filesystem::path model_file_;
  // The model as it is; and, for legacy=false, the model without its dummy prefix (as HF loads it).
  std::unique_ptr<SentencePieceModel> model_;
  std::unique_ptr<SentencePieceModel> unprefixed_model_;
  AddedTokens added_;
  bool legacy_ = true;
  bool add_bos_ = true;
  bool add_eos_ = false;
  std::optional<std::int64_t> bos_id_;
  std::optional<std::int64_t> eos_id_;
  std::string unk_token_;
  std::size_t unk_token_length_ = 0;  // ids of unk_token_ encoded as text by unprefixed_model_
  std::int64_t vocab_size_ = 0;
};

}  // namespace vdep
