#include "tokenizers/sentencepiece_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tokenizers/hf_tokenizer_files.h"
#include "tokenizers/utf8.h"

namespace vdep {

namespace {

constexpr std::string_view kWordBoundary = "\xE2\x96\x81";  // "▁", SentencePiece's space

// A serialized ModelProto extended with normalizer_spec { add_dummy_prefix: false }: protobuf
// merges a repeated singular message field into the earlier one, which is what HF's
// `model.normalizer_spec.MergeFrom(...)` does, without a protobuf dependency here.
std::string without_dummy_prefix(std::string serialized_model) {
  // field 3 (normalizer_spec), length-delimited, 2 bytes: field 3 (add_dummy_prefix), varint, 0
  serialized_model.append("\x1A\x02\x18\x00", 4);
  return serialized_model;
}

std::string replace_word_boundaries_with_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    if (text.compare(at, kWordBoundary.size(), kWordBoundary) == 0) {
      out += ' ';
      at += kWordBoundary.size();
    } else {
      out += text[at++];
    }
  }
  return out;
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::filesystem::path& model_file) {
  std::unique_ptr<SentencePieceTokenizer> tokenizer(new SentencePieceTokenizer());
  SentencePieceTokenizer& t = *tokenizer;
  t.model_file_ = model_file;
  const std::filesystem::path folder = model_file.parent_path();
  const HfTokenizerSettings settings = HfTokenizerSettings::read(folder);
  t.legacy_ = settings.flag("legacy", true);
  t.add_bos_ = settings.flag("add_bos_token", true);
  t.add_eos_ = settings.flag("add_eos_token", false);
  std::ifstream in(model_file, std::ios::binary);
  if (!in) throw std::runtime_error(model_file.string() + ": cannot be read");
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string serialized_model = bytes.str();
  t.model_ = load_sentencepiece_model(serialized_model, model_file);
  if (!t.legacy_) t.unprefixed_model_ = load_sentencepiece_model(without_dummy_prefix(serialized_model), model_file);

  read_added_tokens(folder, settings, t.added_);
  // LlamaTokenizer's defaults stand in for tokens the files do not mention, when the model has them.
  const std::pair<const char*, const char*> kSpecialTokens[] = {
      {"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"pad_token", nullptr}};
  for (const auto& [key, fallback] : kSpecialTokens) {
    std::optional<AddedToken> token = settings.special_token(key);
    const bool named = token.has_value();
    if (!token && fallback != nullptr) token = AddedToken{fallback, 0, true};
    if (!token) continue;
    const std::optional<std::int64_t> id = t.piece_to_id(token->content);
    if (!id) {
      if (!named) continue;
      throw std::runtime_error(folder.string() + ": " + key + " '" + token->content + "' is neither in " +
                               model_file.filename().string() + " nor an added token");
    }
    token->id = *id;
    if (std::string_view(key) == "bos_token") t.bos_id_ = *id;
    if (std::string_view(key) == "eos_token") t.eos_id_ = *id;
    if (std::string_view(key) == "unk_token") t.unk_token_ = token->content;
    t.added_.add_special(std::move(*token));
  }
  if (t.unprefixed_model_) {
    std::vector<std::int64_t> unk_ids;
    t.append_encoded(*t.unprefixed_model_, t.unk_token_, unk_ids);
    t.unk_token_length_ = unk_ids.size();
  }

  t.vocab_size_ = t.model_->piece_count();
  for (const AddedToken& token : t.added_.tokens()) t.vocab_size_ = std::max(t.vocab_size_, token.id + 1);
  return tokenizer;
}

std::vector<std::int64_t> SentencePieceTokenizer::encode(std::string_view text, const TokenizeOptions& options) const {
  require_valid_utf8(text);
  std::vector<std::int64_t> ids;
  if (options.add_special_tokens && add_bos_ && bos_id_) ids.push_back(*bos_id_);

  std::string prefixed;
  if (!legacy_ && !text.empty()) {
    prefixed = std::string(kWordBoundary) + replace_word_boundaries_with_spaces(text);
    text = prefixed;
  }
  std::vector<TextSegment> segments = added_.split(text);
  // legacy=false, text starting with a special token: the prefix alone would be a lone "▁".
  if (!legacy_ && segments.size() > 1 && segments[0].token == nullptr && segments[0].text == kWordBoundary &&
      segments[1].token != nullptr && segments[1].token->special) {
    segments.erase(segments.begin());
  }
  for (const TextSegment& segment : segments) {
    if (segment.token != nullptr) {
      ids.push_back(segment.token->id);
    } else {
      append_segment(segment.text, ids);
    }
  }

  if (options.add_special_tokens && add_eos_ && eos_id_) ids.push_back(*eos_id_);
  return ids;
}

void SentencePieceTokenizer::append_segment(std::string_view text, std::vector<std::int64_t>& ids) const {
  if (legacy_) {
    append_encoded(*model_, text, ids);
  } else if (starts_with(text, kWordBoundary) || starts_with(text, " ")) {
    // HF encodes unk_token + text and drops unk_token's pieces, so that the leading "▁" stays a
    // word boundary of the text's first word.
    std::vector<std::int64_t> with_unk;
    append_encoded(*unprefixed_model_, unk_token_ + std::string(text), with_unk);
    const std::size_t skip = with_unk.size() >= unk_token_length_ ? unk_token_length_ : 0;
    ids.insert(ids.end(), with_unk.begin() + static_cast<std::ptrdiff_t>(skip), with_unk.end());
  } else {
    append_encoded(*unprefixed_model_, text, ids);
  }
}

void SentencePieceTokenizer::append_encoded(const SentencePieceModel& model, std::string_view text,
                                            std::vector<std::int64_t>& ids) const {
  std::string error;
  const std::vector<int> encoded = model.encode(text, error);
  if (!error.empty()) throw std::runtime_error(model_file_.string() + ": SentencePiece cannot encode the text (" + error + ")");
  ids.insert(ids.end(), encoded.begin(), encoded.end());
}

std::string SentencePieceTokenizer::decode(const std::vector<std::int64_t>& ids, bool skip_special_tokens) const {
  std::string text;
  std::vector<int> run;
  for (std::int64_t id : ids) {
    if (const AddedToken* added = added_.find(id)) {
      if (skip_special_tokens && added->special) continue;
      text += decode_run(run);
      run.clear();
      text += added->content;
      continue;
    }
    if (id < 0 || id >= model_->piece_count()) {
      throw std::out_of_range("token id " + std::to_string(id) + " is not in the vocabulary (size " +
                              std::to_string(vocab_size_) + ")");
    }
    run.push_back(static_cast<int>(id));
  }
  return text + decode_run(run);
}

std::string SentencePieceTokenizer::decode_run(const std::vector<int>& ids) const {
  if (ids.empty()) return std::string();
  std::string error;
  std::string text = model_->decode(ids, error);
  if (!error.empty()) throw std::runtime_error(model_file_.string() + ": SentencePiece cannot decode the ids (" + error + ")");
  return text;
}

std::string SentencePieceTokenizer::piece(std::int64_t id) const {
  if (const AddedToken* added = added_.find(id)) return added->content;
  if (id < 0 || id >= model_->piece_count()) {
    throw std::out_of_range("token id " + std::to_string(id) + " is not in the vocabulary (size " +
                            std::to_string(vocab_size_) + ")");
  }
  return model_->id_to_piece(static_cast<int>(id));
}

std::optional<std::int64_t> SentencePieceTokenizer::piece_to_id(std::string_view piece) const {
  if (const AddedToken* added = added_.find(piece)) return added->id;
  const int id = model_->piece_to_id(piece);
  if (model_->id_to_piece(id) != piece) return std::nullopt;
  return id;
}

std::string SentencePieceTokenizer::eos_token() const { return eos_id_ ? piece(*eos_id_) : std::string(); }

}  // namespace vdep
