// The JSON files an HF model folder keeps next to its vocabulary: tokenizer_config.json,
// special_tokens_map.json and friends, read with errors that name the file and what is wrong.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tokenizers/added_tokens.h"

namespace vdep {

// Throws std::runtime_error "FILE: ..." when the file cannot be read or is not JSON.
nlohmann::json read_json_file(const std::filesystem::path& file);

// The settings HF's from_pretrained gives a tokenizer: tokenizer_config.json, with
// special_tokens_map.json's special tokens taking precedence over its own. Both files optional.
class HfTokenizerSettings {
 public:
  static HfTokenizerSettings read(const std::filesystem::path& folder);

  // tokenizer_config.json's boolean `key`; `fallback` when absent or null.
  bool flag(const std::string& key, bool fallback) const;
  // tokenizer_config.json's added_tokens_decoder ({"id": {"content": ..., ...}}), or an empty object.
  const nlohmann::json& added_tokens_decoder() const;
  const std::filesystem::path& config_file() const { return config_file_; }

  // A special token ("bos_token", "eos_token", "unk_token", "pad_token") as a string or an
  // AddedToken object; nullopt when not set or null. The id is left 0 for the caller to resolve.
  // `fallback`, when given, stands in for a token the files do not mention (a key set to null
  // means no token).
  std::optional<AddedToken> special_token(const std::string& key, const char* fallback = nullptr) const;

 private:
  std::filesystem::path config_file_;
  nlohmann::json config_ = nlohmann::json::object();
  std::filesystem::path map_file_;
  nlohmann::json map_ = nlohmann::json::object();
};

// One added token from an HF AddedToken object ({"content", "lstrip", "rstrip", "special", ...});
// `where` names it in errors ("tokenizer.json: added_tokens[3]").
AddedToken added_token_from_json(const nlohmann::json& value, const std::string& where);

// Adds to `added` the tokens an HF model folder adds to its vocabulary, from tokenizer.json's
// added_tokens, added_tokens.json and tokenizer_config.json's added_tokens_decoder (all optional);
// a later source overrides an earlier one for the same content, added_tokens_decoder being what
// current HF writes and reads.
void read_added_tokens(const std::filesystem::path& folder, const HfTokenizerSettings& settings, AddedTokens& added);

// A non-negative token id from JSON; `where` names it in errors.
std::int64_t token_id_from_json(const nlohmann::json& value, const std::string& where);

}  // namespace vdep
