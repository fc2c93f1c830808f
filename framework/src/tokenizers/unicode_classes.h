// The Unicode character classes of GPT-2's pre-tokenisation regex, from generated tables
// (generate_unicode_class_ranges.py; its output names the Unicode version).
#pragma once

namespace vdep {

bool is_letter(char32_t code_point);       // \p{L}
bool is_number(char32_t code_point);       // \p{N}
bool is_white_space(char32_t code_point);  // \s: the White_Space property

}  // namespace vdep
