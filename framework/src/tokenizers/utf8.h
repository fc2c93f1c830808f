// UTF-8 decoding and encoding as the tokenizers need it: code points of valid text, and bytes of
// arbitrary token pieces turned back into valid text.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vdep {

// Byte offset of the first invalid sequence in `text`, or nullopt when it is valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// Throws std::invalid_argument naming the byte offset unless `text` is valid UTF-8.
void require_valid_utf8(std::string_view text);

// The code points of valid UTF-8 `text` (check it first: invalid bytes are not reported).
std::vector<char32_t> decode_utf8(std::string_view text);

void append_utf8(std::string& out, char32_t code_point);

// `bytes` as valid UTF-8, each maximal invalid subsequence replaced by U+FFFD: what Python's
// bytes.decode("utf-8", errors="replace") returns.
std::string utf8_with_replacements(std::string_view bytes);

}  // namespace vdep
