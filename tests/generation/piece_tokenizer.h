// A tokenizer whose ids decode to fixed strings, for the stop-string and text tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <vdep/tokenizer.h>

namespace vdep::test {

class PieceTokenizer : public Tokenizer {
 public:
  explicit PieceTokenizer(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {}

  // generate only decodes.
  std::vector<std::int64_t> encode(std::string_view, const TokenizeOptions&) const override {
    throw std::logic_error("PieceTokenizer does not encode");
  }
  std::string decode(const std::vector<std::int64_t>& ids, bool) const override {
    std::string text;
    for (std::int64_t id : ids) {
      text += pieces_.at(static_cast<std::size_t>(id));
    }
    return text;
  }
  std::string piece(std::int64_t id) const override { return pieces_.at(static_cast<std::size_t>(id)); }
  std::optional<std::int64_t> piece_to_id(std::string_view piece) const override {
    auto found = std::find(pieces_.begin(), pieces_.end(), piece);
    if (found == pieces_.end()) {
      return std::nullopt;
    }
    return found - pieces_.begin();
  }
  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(pieces_.size()); }
  std::optional<std::int64_t> bos_id() const override { return std::nullopt; }
  std::optional<std::int64_t> eos_id() const override { return std::nullopt; }
  std::string eos_token() const override { return ""; }

 private:
  std::vector<std::string> pieces_;
};

}  // namespace vdep::test
