// GPT-2-style byte-level BPE (GPT-2, Phi-2) from HF's vocab.json + merges.txt, encoding as HF's
// slow GPT2Tokenizer / CodeGenTokenizer: added tokens first, then GPT-2's pre-tokenisation, then
// merges by rank within each word.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <vdep/tokenizer.h>

#include "tokenizers/added_tokens.h"
#include "tokenizers/byte_level_alphabet.h"

namespace vdep {

class ByteLevelBpeTokenizer final : public Tokenizer {
 public:
  // `vocab_file` and `merges_file`, with the added tokens and special tokens of the HF files in
  // vocab_file's folder: tokenizer.json's added_tokens, added_tokens.json, tokenizer_config.json's
  // added_tokens_decoder and bos_token / eos_token (also from special_tokens_map.json).
  // "<|endoftext|>", when in the vocabulary, is special and the default BOS and EOS.
  static std::unique_ptr<ByteLevelBpeTokenizer> load(const std::filesystem::path& vocab_file,
                                                     const std::filesystem::path& merges_file);

  std::vector<std::int64_t> encode(std::string_view text, const TokenizeOptions& options = {}) const override;
  // Added tokens are written out as they are, between the byte-decoded runs of the other ids,
  // without the spaces the slow HF decode puts around them by default
  // (spaces_between_special_tokens), as HF's fast tokenizers do.
  std::string decode(const std::vector<std::int64_t>& ids, bool skip_special_tokens = false) const override;
  std::string piece(std::int64_t id) const override;
  std::optional<std::int64_t> piece_to_id(std::string_view piece) const override;
  std::int64_t vocab_size() const override { return vocab_size_; }
  std::optional<std::int64_t> bos_id() const override { return bos_id_; }
  std::optional<std::int64_t> eos_id() const override { return eos_id_; }
  std::string eos_token() const override;

 private:
  struct Merge {
    int rank;
    std::int64_t merged;
  };

  ByteLevelBpeTokenizer() = default;
  void append_word(std::string_view word, std::vector<std::int64_t>& ids) const;
  std::vector<std::int64_t> merge_word(std::string_view word) const;
  // Index of `id` into tokens_; throws std::out_of_range when it has no vocabulary entry.
  std::size_t vocabulary_index(std::int64_t id) const;

  ByteLevelAlphabet alphabet_;
  std::unordered_map<std::string, std::int64_t> vocab_;
  std::vector<std::string> tokens_;      // by id; empty where vocab.json has no entry
  std::vector<std::string> token_bytes_;  // by id: the bytes a vocabulary entry stands for
  std::array<std::int64_t, 256> byte_ids_{};
  std::unordered_map<std::uint64_t, Merge> merges_;  // by (left id << 32 | right id)
  AddedTokens added_;
  std::int64_t vocab_size_ = 0;
  std::optional<std::int64_t> bos_id_;
  std::optional<std::int64_t> eos_id_;

  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::int64_t>> word_cache_;
};

}  // namespace vdep
