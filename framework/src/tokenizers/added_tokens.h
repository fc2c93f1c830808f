// Tokens matched in the text before the model's own algorithm runs: special tokens ("</s>",
// "<|endoftext|>") and tokens added to a vocabulary (Phi-2's runs of spaces), as HF's slow
// tokenizers split text on them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vdep {

struct AddedToken {
  std::string content;
  std::int64_t id = 0;
  bool special = false;
  // Whether the token swallows the white space on its left / right in the text (HF's AddedToken
  // lstrip / rstrip).
  bool lstrip = false;
  bool rstrip = false;
};

// A stretch of text: either one added token or ordinary text (token == nullptr).
struct TextSegment {
  std::string_view text;
  const AddedToken* token = nullptr;
};

class AddedTokens {
 public:
  // A token whose content is already present is replaced (the later file wins, as in HF).
  void add(AddedToken token);
  // A special token named by the settings (bos_token, ...): an entry with the same content becomes
  // special, keeping the white-space stripping it asks for (a plain-string setting gives none).
  void add_special(AddedToken token);

  // `text` cut at every added token, scanning left to right and taking the longest token that
  // starts at each position (HF's Trie.split). Text next to a token with lstrip / rstrip loses its
  // white space on that side; empty text segments are left out.
  std::vector<TextSegment> split(std::string_view text) const;

  const AddedToken* find(std::string_view content) const;
  const AddedToken* find(std::int64_t id) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  void index();

  std::vector<AddedToken> tokens_;
  // Indices into tokens_ by first byte, longest content first.
  std::vector<std::vector<std::size_t>> by_first_byte_ = std::vector<std::vector<std::size_t>>(256);
  std::unordered_map<std::int64_t, std::size_t> by_id_;
};

}  // namespace vdep
