// GPT-2's byte-level alphabet: each of the 256 byte values spelt as one printable Unicode
// character, so that BPE vocabularies over arbitrary bytes are plain strings ("Ġthe" is " the").
#pragma once

#include <array>
#include <optional>
#include <string>

namespace vdep {

class ByteLevelAlphabet {
 public:
  ByteLevelAlphabet();

  // The character of `byte`, UTF-8 encoded.
  const std::string& character(unsigned char byte) const { return characters_[byte]; }
  // The byte spelt by `code_point`, if it belongs to the alphabet.
  std::optional<unsigned char> byte(char32_t code_point) const;

 private:
  std::array<std::string, 256> characters_;
  std::array<int, 512> bytes_by_code_point_{};  // every character lies below U+0200; -1 where none
};

}  // namespace vdep
