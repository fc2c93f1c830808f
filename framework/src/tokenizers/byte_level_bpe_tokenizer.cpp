#include "tokenizers/byte_level_bpe_tokenizer.h"

#include <algorithm>
#include <climits>
#include <fstream>
#include <stdexcept>

#include "tokenizers/gpt2_pretokenizer.h"
#include "tokenizers/hf_tokenizer_files.h"
#include "tokenizers/utf8.h"

namespace vdep {

namespace {

constexpr const char* kEndOfText = "<|endoftext|>";
// Bounds the memory of the per-word cache on long, varied inputs; a cleared cache refills quickly.
constexpr std::size_t kWordCacheLimit = 1 << 16;

std::uint64_t pair_key(std::int64_t left, std::int64_t right) {
  return (static_cast<std::uint64_t>(left) << 32) | static_cast<std::uint64_t>(right);
}

}  // namespace

std::unique_ptr<ByteLevelBpeTokenizer> ByteLevelBpeTokenizer::load(const std::filesystem::path& vocab_file,
                                                                   const std::filesystem::path& merges_file) {
  std::unique_ptr<ByteLevelBpeTokenizer> tokenizer(new ByteLevelBpeTokenizer());
  ByteLevelBpeTokenizer& t = *tokenizer;

  const nlohmann::json vocab = read_json_file(vocab_file);
  if (!vocab.is_object()) throw std::runtime_error(vocab_file.string() + ": expected an object mapping each token to its id");
  for (const auto& [token, id_value] : vocab.items()) {
    const std::int64_t id = token_id_from_json(id_value, vocab_file.string() + ": \"" + token + "\"");
    t.vocab_[token] = id;
    if (static_cast<std::size_t>(id) >= t.tokens_.size()) t.tokens_.resize(static_cast<std::size_t>(id) + 1);
    t.tokens_[static_cast<std::size_t>(id)] = token;
  }
  t.token_bytes_.resize(t.tokens_.size());
  for (std::size_t id = 0; id < t.tokens_.size(); ++id) {
    std::string& bytes = t.token_bytes_[id];
    for (char32_t c : decode_utf8(t.tokens_[id])) {
      const auto byte = t.alphabet_.byte(c);
      // Entries spelt outside the alphabet (special tokens some vocabularies list) stand for
      // their own text.
      if (!byte) {
        bytes = t.tokens_[id];
        break;
      }
      bytes += static_cast<char>(*byte);
    }
  }
  for (int b = 0; b < 256; ++b) {
    const auto found = t.vocab_.find(t.alphabet_.character(static_cast<unsigned char>(b)));
    if (found == t.vocab_.end()) {
      throw std::runtime_error(vocab_file.string() + ": no entry for byte " + std::to_string(b) + " ('" +
                               t.alphabet_.character(static_cast<unsigned char>(b)) +
                               "'): not a byte-level BPE vocabulary");
    }
    t.byte_ids_[static_cast<std::size_t>(b)] = found->second;
  }

  std::ifstream merges(merges_file, std::ios::binary);
  if (!merges) throw std::runtime_error(merges_file.string() + ": cannot be read");
  std::string line;
  int rank = 0;
  for (int number = 1; std::getline(merges, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    const std::string where = merges_file.string() + ":" + std::to_string(number);
    const auto space = line.find(' ');
    if (space == std::string::npos || space == 0 || line.find(' ', space + 1) != std::string::npos) {
      throw std::runtime_error(where + ": expected two tokens separated by one space (got '" + line + "')");
    }
    const std::string left = line.substr(0, space);
    const std::string right = line.substr(space + 1);
    const auto left_id = t.vocab_.find(left);
    const auto right_id = t.vocab_.find(right);
    const auto merged_id = t.vocab_.find(left + right);
    if (left_id == t.vocab_.end() || right_id == t.vocab_.end() || merged_id == t.vocab_.end()) {
      throw std::runtime_error(where + ": '" + line + "' uses or makes a token that " +
                               vocab_file.filename().string() + " lacks");
    }
    t.merges_[pair_key(left_id->second, right_id->second)] = Merge{rank++, merged_id->second};
  }

  const std::filesystem::path folder = vocab_file.parent_path();
  const HfTokenizerSettings settings = HfTokenizerSettings::read(folder);
  if (const auto end_of_text = t.vocab_.find(kEndOfText); end_of_text != t.vocab_.end()) {
    t.added_.add(AddedToken{kEndOfText, end_of_text->second, true});
    t.bos_id_ = t.eos_id_ = end_of_text->second;
  }
  read_added_tokens(folder, settings, t.added_);
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
    std::optional<AddedToken> token = settings.special_token(key);
    if (!token) continue;
    const std::optional<std::int64_t> id = t.piece_to_id(token->content);
    if (!id) {
      throw std::runtime_error(folder.string() + ": " + key + " '" + token->content +
                               "' is neither in " + vocab_file.filename().string() + " nor an added token");
    }
    token->id = *id;
    t.added_.add_special(std::move(*token));
    if (std::string(key) == "bos_token") t.bos_id_ = *id;
    if (std::string(key) == "eos_token") t.eos_id_ = *id;
  }

  t.vocab_size_ = static_cast<std::int64_t>(t.tokens_.size());
  for (const AddedToken& token : t.added_.tokens()) t.vocab_size_ = std::max(t.vocab_size_, token.id + 1);
  return tokenizer;
}

std::vector<std::int64_t> ByteLevelBpeTokenizer::encode(std::string_view text, const TokenizeOptions& options) const {
  require_valid_utf8(text);
  std::vector<std::int64_t> ids;
  for (const TextSegment& segment : added_.split(text)) {
    if (segment.token != nullptr) {
      ids.push_back(segment.token->id);
      continue;
    }
    for (std::string_view word : gpt2_pretokenize(segment.text)) append_word(word, ids);
  }
  return ids;
}

void ByteLevelBpeTokenizer::append_word(std::string_view word, std::vector<std::int64_t>& ids) const {
  const std::string key(word);
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (const auto cached = word_cache_.find(key); cached != word_cache_.end()) {
      ids.insert(ids.end(), cached->second.begin(), cached->second.end());
      return;
    }
  }
  std::vector<std::int64_t> merged = merge_word(word);
  ids.insert(ids.end(), merged.begin(), merged.end());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (word_cache_.size() >= kWordCacheLimit) word_cache_.clear();
  word_cache_.emplace(key, std::move(merged));
}

// GPT-2's bpe(): repeatedly merge every occurrence of the adjacent pair with the lowest rank.
std::vector<std::int64_t> ByteLevelBpeTokenizer::merge_word(std::string_view word) const {
  std::vector<std::int64_t> symbols;
  symbols.reserve(word.size());
  for (char c : word) symbols.push_back(byte_ids_[static_cast<unsigned char>(c)]);
  std::vector<std::int64_t> next;
  while (symbols.size() > 1) {
    const Merge* best = nullptr;
    std::uint64_t best_key = 0;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      const std::uint64_t key = pair_key(symbols[i], symbols[i + 1]);
      const auto found = merges_.find(key);
      if (found != merges_.end() && (best == nullptr || found->second.rank < best->rank)) {
        best = &found->second;
        best_key = key;
      }
    }
    if (best == nullptr) break;
    next.clear();
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      if (i + 1 < symbols.size() && pair_key(symbols[i], symbols[i + 1]) == best_key) {
        next.push_back(best->merged);
        ++i;
      } else {
        next.push_back(symbols[i]);
      }
    }
    symbols.swap(next);
  }
  return symbols;
}

std::string ByteLevelBpeTokenizer::decode(const std::vector<std::int64_t>& ids, bool skip_special_tokens) const {
  std::string text;
  std::string pending_bytes;
  for (std::int64_t id : ids) {
    if (const AddedToken* added = added_.find(id)) {
      if (skip_special_tokens && added->special) continue;
      text += utf8_with_replacements(pending_bytes);
      pending_bytes.clear();
      text += added->content;
      continue;
    }
    pending_bytes += token_bytes_[vocabulary_index(id)];
  }
  return text + utf8_with_replacements(pending_bytes);
}

std::size_t ByteLevelBpeTokenizer::vocabulary_index(std::int64_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size() || tokens_[static_cast<std::size_t>(id)].empty()) {
    throw std::out_of_range("token id " + std::to_string(id) + " is not in the vocabulary (size " +
                            std::to_string(vocab_size_) + ")");
  }
  return static_cast<std::size_t>(id);
}

std::string ByteLevelBpeTokenizer::piece(std::int64_t id) const {
  if (const AddedToken* added = added_.find(id)) return added->content;
  return tokens_[vocabulary_index(id)];
}

std::optional<std::int64_t> ByteLevelBpeTokenizer::piece_to_id(std::string_view piece) const {
  if (const AddedToken* added = added_.find(piece)) return added->id;
  const auto found = vocab_.find(std::string(piece));
  if (found == vocab_.end()) return std::nullopt;
  return found->second;
}

std::string ByteLevelBpeTokenizer::eos_token() const { return eos_id_ ? piece(*eos_id_) : std::string(); }

}  // namespace vdep
