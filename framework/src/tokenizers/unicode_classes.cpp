#include "tokenizers/unicode_classes.h"

#include <algorithm>
#include <iterator>

namespace vdep {

namespace {

struct CodePointRange {
  char32_t first;
  char32_t last;
};

#include "tokenizers/unicode_class_ranges.inc"

template <std::size_t N>
bool in_ranges(const CodePointRange (&ranges)[N], char32_t code_point) {
  const auto after = std::upper_bound(std::begin(ranges), std::end(ranges), code_point,
                                      [](char32_t value, const CodePointRange& range) { return value < range.first; });
  return after != std::begin(ranges) && code_point <= std::prev(after)->last;
}

}  // namespace

bool is_letter(char32_t code_point) {
  if (code_point < 0x80) return (code_point | 0x20) >= 'a' && (code_point | 0x20) <= 'z';
  return in_ranges(kLetterRanges, code_point);
}

bool is_number(char32_t code_point) {
  if (code_point < 0x80) return code_point >= '0' && code_point <= '9';
  return in_ranges(kNumberRanges, code_point);
}

bool is_white_space(char32_t code_point) {
  if (code_point < 0x80) return code_point == ' ' || (code_point >= '\t' && code_point <= '\r');
  return in_ranges(kWhiteSpaceRanges, code_point);
}

}  // namespace vdep
