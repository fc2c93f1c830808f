#include "tokenizers/byte_level_alphabet.h"

#include "tokenizers/utf8.h"

namespace vdep {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the others (control
// characters, space, and a few more) take the code points from U+0100 on, in byte order.
ByteLevelAlphabet::ByteLevelAlphabet() {
  bytes_by_code_point_.fill(-1);
  const auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
  char32_t next_substitute = 0x100;
  for (int b = 0; b < 256; ++b) {
    const char32_t code_point = printable(b) ? static_cast<char32_t>(b) : next_substitute++;
    append_utf8(characters_[b], code_point);
    bytes_by_code_point_[code_point] = b;
  }
}

std::optional<unsigned char> ByteLevelAlphabet::byte(char32_t code_point) const {
  if (code_point >= bytes_by_code_point_.size() || bytes_by_code_point_[code_point] < 0) return std::nullopt;
  return static_cast<unsigned char>(bytes_by_code_point_[code_point]);
}

}  // namespace vdep
