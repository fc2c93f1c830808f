// Turning training conversations into token ids and labels, counting the samples that cannot be
// labelled instead of training on wrong labels.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <vdep/chat_template.h>
#include <vdep/export.h>
#include <vdep/tokenizer.h>

namespace vdep {

// One sample that was skipped, for the end-of-run report.
struct SkippedConversation {
  std::string sample_id;
  std::string reason;
};

// Thread-safe: data-loader workers share one encoder. The template and tokenizer must outlive it.
class VDEP_API ConversationEncoder {
 public:
  ConversationEncoder(const ChatTemplate& chat_template, const Tokenizer& tokenizer);

  // The tokens and labels of a sample, or nullopt when its labels and tokens disagree (a
  // "tokenization mismatch"). A skipped sample is counted and logged with its id; LLaVA instead
  // keeps such a sample with every label masked. Malformed conversations still throw
  // std::invalid_argument (see ChatTemplate::tokenize).
  std::optional<TokenizedConversation> encode(std::string_view sample_id, const std::vector<ConversationTurn>& turns);

  std::int64_t skipped_count() const { return skipped_count_.load(); }
  // The first skipped samples (at most kReportedSkips), in the order they were met.
  std::vector<SkippedConversation> first_skipped() const;

  static constexpr std::size_t kReportedSkips = 20;

 private:
  const ChatTemplate& template_;
  const Tokenizer& tokenizer_;
  std::atomic<std::int64_t> skipped_count_{0};
  mutable std::mutex mutex_;
  std::vector<SkippedConversation> first_skipped_;
};

}  // namespace vdep
