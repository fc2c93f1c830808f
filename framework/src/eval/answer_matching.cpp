#include "eval/answer_matching.h"

#include <algorithm>
#include <cctype>

namespace vdep {

namespace {

bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string normalize_answer(std::string_view answer) {
  std::string_view line = trimmed(answer);
  line = trimmed(line.substr(0, line.find('\n')));
  if (!line.empty() && line.back() == '.') line = trimmed(line.substr(0, line.size() - 1));
  std::string normalized(line);
  std::transform(normalized.begin(), normalized.end(), normalized.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return normalized;
}

bool answers_match(std::string_view generated, std::string_view reference) {
  return normalize_answer(generated) == normalize_answer(reference);
}

}  // namespace vdep
