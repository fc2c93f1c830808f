#include <vdep/conversation_encoder.h>

#include <spdlog/spdlog.h>

namespace vdep {

ConversationEncoder::ConversationEncoder(const ChatTemplate& chat_template, const Tokenizer& tokenizer)
    : template_(chat_template), tokenizer_(tokenizer) {}

std::optional<TokenizedConversation> ConversationEncoder::encode(std::string_view sample_id,
                                                                 const std::vector<ConversationTurn>& turns) {
  std::string mismatch;
  std::optional<TokenizedConversation> encoded = template_.tokenize(turns, tokenizer_, &mismatch);
  if (encoded) return encoded;
  const std::int64_t count = ++skipped_count_;
  // Every skip up to the reported ones, then sparsely: a systematic mismatch (wrong template for
  // the tokenizer) must be visible without flooding the log.
  if (count <= static_cast<std::int64_t>(kReportedSkips) || (count & (count - 1)) == 0) {
    spdlog::warn("skipping sample {} ({} template): {} [{} skipped so far]", sample_id, template_.name(), mismatch, count);
  }
  std::lock_guard lock(mutex_);
  if (first_skipped_.size() < kReportedSkips) first_skipped_.push_back({std::string(sample_id), mismatch});
  return std::nullopt;
}

std::vector<SkippedConversation> ConversationEncoder::first_skipped() const {
  std::lock_guard lock(mutex_);
  return first_skipped_;
}

}  // namespace vdep
