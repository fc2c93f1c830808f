#include "tokenizers/gpt2_pretokenizer.h"

#include <cstddef>

#include "tokenizers/unicode_classes.h"
#include "tokenizers/utf8.h"

namespace vdep {

namespace {

bool is_other(char32_t c) { return !is_white_space(c) && !is_letter(c) && !is_number(c); }

// Length of the regex match at `at` (always at least one code point).
std::size_t match_length(const std::vector<char32_t>& text, std::size_t at) {
  const std::size_t size = text.size();
  const auto run = [&](std::size_t from, bool (*in_class)(char32_t)) {
    std::size_t end = from;
    while (end < size && in_class(text[end])) ++end;
    return end - from;
  };

  // 's|'t|'re|'ve|'m|'ll|'d
  if (text[at] == U'\'' && at + 1 < size) {
    const char32_t next = text[at + 1];
    if (next == U's' || next == U't' || next == U'm' || next == U'd') return 2;
    if (at + 2 < size) {
      const char32_t after = text[at + 2];
      if ((next == U'r' && after == U'e') || (next == U'v' && after == U'e') || (next == U'l' && after == U'l')) return 3;
    }
  }
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: the space belongs to the run that follows it.
  const std::size_t start = (text[at] == U' ' && at + 1 < size) ? at + 1 : at;
  for (bool (*in_class)(char32_t) : {is_letter, is_number, is_other}) {
    if (in_class(text[start])) return start - at + run(start, in_class);
  }
  // `\s+(?!\S)`: a run of white space, less its last character when a non-space follows it (that
  // character then starts the next word, " word"); `\s+` when the run is a single character.
  const std::size_t spaces = run(at, is_white_space);
  if (at + spaces < size && spaces > 1) return spaces - 1;
  return spaces;
}

}  // namespace

std::vector<std::string_view> gpt2_pretokenize(std::string_view text) {
  const std::vector<char32_t> code_points = decode_utf8(text);
  std::vector<std::string_view> words;
  std::size_t byte = 0;
  for (std::size_t at = 0; at < code_points.size();) {
    const std::size_t length = match_length(code_points, at);
    std::size_t bytes = 0;
    for (std::size_t i = at; i < at + length; ++i) {
      const char32_t c = code_points[i];
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }
    words.push_back(text.substr(byte, bytes));
    byte += bytes;
    at += length;
  }
  return words;
}

}  // namespace vdep
