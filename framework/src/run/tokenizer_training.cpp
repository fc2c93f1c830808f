#include "run/tokenizer_training.h"

#include <string_view>

#include "io/atomic_file.h"
#include "tokenizers/sentencepiece_model.h"

namespace vdep {

namespace {

void erase_all(std::string& text, std::string_view part) {
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at)) text.erase(at, part.size());
}

}  // namespace

std::vector<std::string> rendered_text_lines(const Dataset& dataset, const ChatTemplate& chat_template) {
  std::vector<std::string> lines;
  for (std::size_t index = 0; index < dataset.size(); ++index) {
    std::string text = chat_template.render(dataset.example(index).conversations);
    erase_all(text, kImageMarker);
    erase_all(text, kAutoImageMarker);
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      if (end > start) lines.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  return lines;
}

std::int64_t train_sentencepiece_tokenizer(const std::vector<std::string>& lines, const TokenizerTrainingOptions& options,
                                           const std::filesystem::path& path) {
  // LLaMA's tokenizer.model settings, so that the chat templates tokenize as they do with LLaMA's:
  // "\n" and characters never seen fall back to byte pieces instead of <unk>. hard_vocab_limit off:
  // a toy corpus may not have vocab_size distinct pieces in it.
  const std::vector<std::pair<std::string, std::string>> arguments = {
      {"vocab_size", std::to_string(options.vocab_size)},
      {"model_type", options.model_type},
      {"character_coverage", "1.0"},
      {"byte_fallback", "true"},
      {"split_digits", "true"},
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"add_dummy_prefix", "true"},
      {"allow_whitespace_only_pieces", "true"},
      {"hard_vocab_limit", "false"},
      {"unk_id", "0"},
      {"bos_id", "1"},
      {"eos_id", "2"},
      {"pad_id", "-1"},
  };
  const std::string serialized = train_sentencepiece_model(lines, arguments);
  std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path, serialized);
  return load_sentencepiece_model(serialized, path)->piece_count();
}

}  // namespace vdep
