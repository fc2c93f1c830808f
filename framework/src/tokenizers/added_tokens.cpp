#include "tokenizers/added_tokens.h"

#include <algorithm>
#include <stdexcept>

#include "tokenizers/unicode_classes.h"
#include "tokenizers/utf8.h"

namespace vdep {

namespace {

// Python's str.isspace(), which HF's str.lstrip() / str.rstrip() use: White_Space plus the ASCII
// information separators.
bool is_python_space(char32_t c) { return is_white_space(c) || (c >= 0x1C && c <= 0x1F); }

std::string_view strip_left(std::string_view text) {
  while (!text.empty()) {
    std::size_t length = 1;
    while (length < text.size() && (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80) ++length;
    if (!is_python_space(decode_utf8(text.substr(0, length)).front())) break;
    text.remove_prefix(length);
  }
  return text;
}

std::string_view strip_right(std::string_view text) {
  while (!text.empty()) {
    std::size_t start = text.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    if (!is_python_space(decode_utf8(text.substr(start)).front())) break;
    text.remove_suffix(text.size() - start);
  }
  return text;
}

}  // namespace

void AddedTokens::add(AddedToken token) {
  if (token.content.empty()) throw std::invalid_argument("an added token's content is empty (id " + std::to_string(token.id) + ")");
  const auto same = std::find_if(tokens_.begin(), tokens_.end(), [&](const AddedToken& t) { return t.content == token.content; });
  if (same != tokens_.end()) {
    *same = std::move(token);
  } else {
    tokens_.push_back(std::move(token));
  }
  index();
}

void AddedTokens::add_special(AddedToken token) {
  if (const AddedToken* existing = find(token.content)) {
    token.lstrip = token.lstrip || existing->lstrip;
    token.rstrip = token.rstrip || existing->rstrip;
  }
  token.special = true;
  add(std::move(token));
}

void AddedTokens::index() {
  for (auto& bucket : by_first_byte_) bucket.clear();
  by_id_.clear();
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    by_first_byte_[static_cast<unsigned char>(tokens_[i].content.front())].push_back(i);
    by_id_[tokens_[i].id] = i;
  }
  for (auto& bucket : by_first_byte_) {
    std::stable_sort(bucket.begin(), bucket.end(), [&](std::size_t a, std::size_t b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
  }
}

std::vector<TextSegment> AddedTokens::split(std::string_view text) const {
  std::vector<TextSegment> segments;
  std::size_t plain_start = 0;
  for (std::size_t at = 0; at < text.size();) {
    const AddedToken* match = nullptr;
    for (std::size_t i : by_first_byte_[static_cast<unsigned char>(text[at])]) {
      if (text.compare(at, tokens_[i].content.size(), tokens_[i].content) == 0) {
        match = &tokens_[i];
        break;
      }
    }
    if (match == nullptr) {
      ++at;
      continue;
    }
    if (at > plain_start) segments.push_back({text.substr(plain_start, at - plain_start), nullptr});
    segments.push_back({text.substr(at, match->content.size()), match});
    at += match->content.size();
    plain_start = at;
  }
  if (plain_start < text.size()) segments.push_back({text.substr(plain_start), nullptr});

  for (std::size_t i = 0; i < segments.size(); ++i) {
    const AddedToken* token = segments[i].token;
    if (token == nullptr) continue;
    if (token->lstrip && i > 0 && segments[i - 1].token == nullptr) segments[i - 1].text = strip_right(segments[i - 1].text);
    if (token->rstrip && i + 1 < segments.size() && segments[i + 1].token == nullptr) {
      segments[i + 1].text = strip_left(segments[i + 1].text);
    }
  }
  segments.erase(std::remove_if(segments.begin(), segments.end(), [](const TextSegment& s) { return s.text.empty(); }),
                 segments.end());
  return segments;
}

const AddedToken* AddedTokens::find(std::string_view content) const {
  for (const AddedToken& token : tokens_) {
    if (token.content == content) return &token;
  }
  return nullptr;
}

const AddedToken* AddedTokens::find(std::int64_t id) const {
  const auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &tokens_[found->second];
}

}  // namespace vdep
