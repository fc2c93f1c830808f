#include "chat/segment_labeller.h"

#include <algorithm>

#include <vdep/objective.h>

#include "chat/image_marker_tokenizer.h"

namespace vdep {

namespace {

std::string ids_text(const std::vector<std::int64_t>& ids, std::size_t from, std::size_t count) {
  std::string text;
  for (std::size_t i = from; i < std::min(ids.size(), from + count); ++i) {
    text += (text.empty() ? "" : " ") + std::to_string(ids[i]);
  }
  return "[" + text + "]";
}

}  // namespace

std::optional<TokenizedConversation> label_segments(const std::vector<PromptSegment>& segments,
                                                    const Tokenizer& tokenizer, std::string* mismatch) {
  TokenizedConversation result;
  for (const PromptSegment& segment : segments) result.prompt += segment.text;
  result.input_ids = tokenize_with_image_markers(result.prompt, tokenizer);
  result.labels.assign(result.input_ids.size(), kIgnoreIndex);

  std::string prefix;
  std::size_t segment_start = 0;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    prefix += segments[s].text;
    std::size_t segment_end = result.input_ids.size();
    if (s + 1 < segments.size()) {
      const std::vector<std::int64_t> prefix_ids = tokenize_with_image_markers(prefix, tokenizer);
      const bool is_prefix = prefix_ids.size() >= segment_start && prefix_ids.size() <= result.input_ids.size() &&
                             std::equal(prefix_ids.begin(), prefix_ids.end(), result.input_ids.begin());
      if (!is_prefix) {
        if (mismatch) {
          const std::size_t shown = prefix_ids.size() >= 3 ? prefix_ids.size() - 3 : 0;
          *mismatch = "tokenization mismatch at the end of segment " + std::to_string(s) + " (character " +
                      std::to_string(prefix.size()) + "): the prompt up to there tokenizes to " +
                      std::to_string(prefix_ids.size()) + " tokens ending " + ids_text(prefix_ids, shown, 3) +
                      ", the whole prompt has " + ids_text(result.input_ids, shown, 3) + " there";
        }
        return std::nullopt;
      }
      segment_end = prefix_ids.size();
    }
    if (segments[s].supervised) {
      std::copy(result.input_ids.begin() + static_cast<std::ptrdiff_t>(segment_start),
                result.input_ids.begin() + static_cast<std::ptrdiff_t>(segment_end),
                result.labels.begin() + static_cast<std::ptrdiff_t>(segment_start));
    }
    segment_start = segment_end;
  }
  return result;
}

}  // namespace vdep
