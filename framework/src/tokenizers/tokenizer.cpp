#include <vdep/tokenizer.h>

#include <stdexcept>

#include "tokenizers/byte_level_bpe_tokenizer.h"
#include "tokenizers/sentencepiece_tokenizer.h"

namespace vdep {

// Defined here, out of line, so that Tokenizer's vtable and type information live in libvdep
// only: plugins and host then agree on one type for dynamic_cast and exceptions.
Tokenizer::~Tokenizer() = default;

namespace {

std::unique_ptr<Tokenizer> load_byte_level_bpe(const std::filesystem::path& vocab_file) {
  const std::filesystem::path merges_file = vocab_file.parent_path() / "merges.txt";
  if (!std::filesystem::is_regular_file(merges_file)) {
    throw std::runtime_error(merges_file.string() + ": not found (byte-level BPE needs it next to " +
                             vocab_file.filename().string() + ")");
  }
  return ByteLevelBpeTokenizer::load(vocab_file, merges_file);
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path)) {
    if (std::filesystem::is_regular_file(path / "tokenizer.model")) return SentencePieceTokenizer::load(path / "tokenizer.model");
    if (std::filesystem::is_regular_file(path / "vocab.json")) return load_byte_level_bpe(path / "vocab.json");
    throw std::runtime_error(path.string() + ": no tokenizer here (expected tokenizer.model, or vocab.json + merges.txt)");
  }
  if (!std::filesystem::exists(path)) throw std::runtime_error(path.string() + ": no such file or folder");
  if (path.extension() == ".json") return load_byte_level_bpe(path);
  return SentencePieceTokenizer::load(path);
}

}  // namespace vdep
