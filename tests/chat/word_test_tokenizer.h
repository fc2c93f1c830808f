// A word-level tokenizer with SentencePiece's or GPT-2's treatment of spaces, for tests that
// check which positions a template supervises: its pieces are whole words, so expected sequences
// can be written down literally.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include <vdep/tokenizer.h>

namespace vdep::test {

struct WordTokenizerStyle {
  std::string space;                 // "▁" (SentencePiece) or "Ġ" (GPT-2)
  bool dummy_prefix = true;          // SentencePiece's "▁" before the first word of a segment
  bool prefix_after_special = true;  // false: HF LlamaTokenizer with legacy=false
  std::optional<std::string> bos;    // prepended by encode()
  std::string eos;
  // Merge a word ending in ':' with the next word, as a real merge across the end of a
  // template segment would: the labels of such a prompt cannot be placed.
  bool glue_after_colon = false;
};

inline WordTokenizerStyle llama_style() { return {"\xe2\x96\x81", true, true, "<s>", "</s>", false}; }
inline WordTokenizerStyle gpt2_style() { return {"\xc4\xa0", false, false, std::nullopt, "<|endoftext|>", false}; }

class WordTestTokenizer final : public Tokenizer {
 public:
  explicit WordTestTokenizer(WordTokenizerStyle style) : style_(std::move(style)) {
    if (style_.bos) id_of(*style_.bos);
    id_of(style_.eos);
  }

  std::vector<std::int64_t> encode(std::string_view text, const TokenizeOptions& options) const override {
    std::vector<std::int64_t> ids;
    if (options.add_special_tokens && style_.bos) ids.push_back(id_of(*style_.bos));
    bool first_segment = true;
    while (true) {
      const std::size_t special = next_special(text);
      encode_segment(text.substr(0, special), first_segment ? style_.dummy_prefix : style_.prefix_after_special, ids);
      if (special == std::string_view::npos) break;
      const std::string token = special_at(text, special);
      ids.push_back(id_of(token));
      text.remove_prefix(special + token.size());
      first_segment = false;
    }
    return ids;
  }

  std::string decode(const std::vector<std::int64_t>& ids, bool) const override {
    std::string text;
    for (const std::int64_t id : ids) text += piece(id);
    return text;
  }
  std::string piece(std::int64_t id) const override {
    std::lock_guard lock(vocabulary_mutex_);
    return pieces_.at(static_cast<std::size_t>(id));
  }
  std::optional<std::int64_t> piece_to_id(std::string_view text) const override {
    std::lock_guard lock(vocabulary_mutex_);
    const auto found = ids_.find(std::string(text));
    return found == ids_.end() ? std::nullopt : std::optional<std::int64_t>(found->second);
  }
  std::int64_t vocab_size() const override {
    std::lock_guard lock(vocabulary_mutex_);
    return static_cast<std::int64_t>(pieces_.size());
  }
  std::optional<std::int64_t> bos_id() const override {
    return style_.bos ? std::optional<std::int64_t>(id_of(*style_.bos)) : std::nullopt;
  }
  std::optional<std::int64_t> eos_id() const override { return id_of(style_.eos); }
  std::string eos_token() const override { return style_.eos; }

  // Pieces of `ids`, image markers written as <IMG> / <AUTO>, masked labels as "·".
  std::string spell(const std::vector<std::int64_t>& ids) const {
    std::string text;
    for (const std::int64_t id : ids) {
      if (!text.empty()) text += ' ';
      if (id == -200) text += "<IMG>";
      else if (id == -201) text += "<AUTO>";
      else if (id == -100) text += "\xc2\xb7";
      else text += piece(id);
    }
    return text;
  }

 private:
  std::size_t next_special(std::string_view text) const {
    std::size_t best = std::string_view::npos;
    for (const std::string& token : specials()) best = std::min(best, text.find(token));
    return best;
  }
  std::string special_at(std::string_view text, std::size_t position) const {
    for (const std::string& token : specials()) {
      if (text.substr(position, token.size()) == token) return token;
    }
    throw std::logic_error("no special token here");
  }
  std::vector<std::string> specials() const {
    std::vector<std::string> tokens{style_.eos};
    if (style_.bos) tokens.push_back(*style_.bos);
    return tokens;
  }

  void encode_segment(std::string_view segment, bool prefix, std::vector<std::int64_t>& ids) const {
    if (segment.empty()) return;
    std::string spaced = prefix ? style_.space : "";
    for (const char c : segment) spaced += c == ' ' ? style_.space : std::string(1, c);
    std::vector<std::string> words;
    for (std::size_t start = 0; start < spaced.size();) {
      const bool starts_with_space = spaced.compare(start, style_.space.size(), style_.space) == 0;
      std::size_t end = spaced.find(style_.space, start + (starts_with_space ? style_.space.size() : 0));
      if (end == std::string::npos) end = spaced.size();
      if (style_.glue_after_colon && !words.empty() && words.back().back() == ':') {
        words.back() += spaced.substr(start, end - start);
      } else {
        words.push_back(spaced.substr(start, end - start));
      }
      start = end;
    }
    for (const std::string& word : words) ids.push_back(id_of(word));
  }

  std::int64_t id_of(const std::string& piece) const {
    std::lock_guard lock(vocabulary_mutex_);
    const auto known = ids_.find(piece);
    if (known != ids_.end()) return known->second;
    ids_.emplace(piece, static_cast<std::int64_t>(pieces_.size()));
    pieces_.push_back(piece);
    return pieces_.size() - 1;
  }

  WordTokenizerStyle style_;
  // The vocabulary grows as words are met; data-loader tests encode from several threads.
  mutable std::mutex vocabulary_mutex_;
  mutable std::map<std::string, std::int64_t> ids_;
  mutable std::vector<std::string> pieces_;
};

}  // namespace vdep::test
