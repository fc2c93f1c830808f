#include "data/json_record_spans.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vdep {

namespace {

std::string describe(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) return std::string("'") + c + "'";
  char hex[16];
  std::snprintf(hex, sizeof hex, "byte 0x%02x", static_cast<unsigned>(byte));
  return hex;
}

// The bytes that matter between strings.
constexpr std::array<bool, 256> kStructural = [] {
  std::array<bool, 256> structural{};
  for (const unsigned char c : {'"', '{', '[', '}', ']', '\n'}) structural[c] = true;
  return structural;
}();

class RecordScanner {
 public:
  RecordScanner(std::string_view text, std::string_view source, const std::function<void(std::size_t)>& scanned)
      : text_(text), source_(source), scanned_(scanned) {}

  std::vector<JsonRecordSpan> scan() {
    constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
    if (text_.substr(0, kByteOrderMark.size()) == kByteOrderMark) pos_ = kByteOrderMark.size();
    skip_white_space();
    if (at_end()) fail(pos_, "the file is empty: expected a JSON array of records or JSON lines");
    if (text_[pos_] == '[') {
      scan_array();
    } else if (text_[pos_] == '{') {
      scan_lines();
    } else {
      fail(pos_, "not a JSON array of records nor JSON lines: expected '[' or '{', found " + found());
    }
    return std::move(spans_);
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  std::string found() const { return at_end() ? "the end of the file" : describe(text_[pos_]); }
  // Only asked once a record has been found.
  std::string after_previous() const { return "after record " + std::to_string(spans_.size() - 1); }

  [[noreturn]] void fail(std::size_t offset, const std::string& what) const {
    throw std::runtime_error(std::string(source_) + ": record " + std::to_string(spans_.size()) + " (byte " +
                             std::to_string(offset) + "): " + what);
  }

  void skip_white_space() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  void scan_array() {
    ++pos_;
    skip_white_space();
    if (!at_end() && text_[pos_] == ']') {
      ++pos_;
    } else {
      for (;;) {
        skip_white_space();
        scan_record(false);
        skip_white_space();
        if (!at_end() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (!at_end() && text_[pos_] == ']') {
          ++pos_;
          break;
        }
        fail(pos_, "expected ',' or ']' " + after_previous() + ", found " + found());
      }
    }
    skip_white_space();
    if (!at_end()) fail(pos_, "found " + found() + " after the array's closing ']'");
  }

  void scan_lines() {
    for (;;) {
      skip_white_space();
      if (at_end()) return;
      scan_record(true);
      while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\r' || text_[pos_] == '\t')) ++pos_;
      if (!at_end() && text_[pos_] != '\n') {
        fail(pos_, "expected a line break " + after_previous() + ", found " + found());
      }
    }
  }

  // One object, from its '{' to the '}' that closes it. In JSON lines it must end on its line.
  void scan_record(bool ends_on_its_line) {
    if (at_end() || text_[pos_] != '{') fail(pos_, "expected a record (a JSON object), found " + found());
    const std::size_t start = pos_;
    open_brackets_.clear();
    for (;;) {
      // Most bytes between strings are indentation: only these need a look.
      while (!at_end() && !kStructural[static_cast<unsigned char>(text_[pos_])]) ++pos_;
      if (at_end()) fail(open_brackets_.back(), describe(text_[open_brackets_.back()]) + " is never closed");
      const char c = text_[pos_];
      if (c == '"') {
        skip_string();
        continue;
      }
      if (c == '{' || c == '[') {
        open_brackets_.push_back(pos_);
      } else if (c == '}' || c == ']') {
        const std::size_t opening = open_brackets_.back();
        if ((c == '}') != (text_[opening] == '{')) {
          fail(pos_, describe(c) + " closes the " + describe(text_[opening]) + " at byte " + std::to_string(opening));
        }
        open_brackets_.pop_back();
        if (open_brackets_.empty()) {
          ++pos_;
          spans_.push_back({start, pos_ - start});
          if (scanned_) scanned_(pos_);
          return;
        }
      } else if (ends_on_its_line) {  // c == '\n'
        fail(open_brackets_.back(), describe(text_[open_brackets_.back()]) + " is not closed on its line");
      }
      ++pos_;
    }
  }

  // From the opening '"' to past the closing one: the first '"' not escaped, that is not preceded by
  // an odd run of backslashes. JSON allows no raw line break in a string, so one marks a string left
  // open before the record goes on (the only way to tell, in JSON lines). memchr does the searching:
  // strings are most of a LLaVA file.
  void skip_string() {
    const std::size_t start = pos_;
    const char* const begin = text_.data();
    const char* const end = begin + text_.size();
    const char* from = begin + pos_ + 1;
    for (;;) {
      const auto* quote = static_cast<const char*>(std::memchr(from, '"', static_cast<std::size_t>(end - from)));
      const char* const stop = quote != nullptr ? quote : end;
      if (std::memchr(from, '\n', static_cast<std::size_t>(stop - from)) != nullptr) {
        fail(start, "unterminated string: a line break comes before its closing '\"'");
      }
      if (quote == nullptr) fail(start, "unterminated string: the file ends inside it");
      const char* backslash = quote;
      while (backslash[-1] == '\\') --backslash;
      if ((quote - backslash) % 2 == 0) {
        pos_ = static_cast<std::size_t>(quote + 1 - begin);
        return;
      }
      from = quote + 1;
    }
  }

  std::string_view text_;
  std::string_view source_;
  const std::function<void(std::size_t)>& scanned_;
  std::size_t pos_ = 0;
  std::vector<JsonRecordSpan> spans_;
  std::vector<std::size_t> open_brackets_;  // offsets of the record's '{' and '[' not yet closed
};

}  // namespace

std::vector<JsonRecordSpan> find_json_records(std::string_view text, std::string_view source,
                                              const std::function<void(std::size_t)>& scanned) {
  return RecordScanner(text, source, scanned).scan();
}

}  // namespace vdep
