#include <vdep/conversation_encoder.h>

#include <thread>

#include <gtest/gtest.h>

#include "chat/word_test_tokenizer.h"

namespace vdep {
namespace {

TEST(ConversationEncoderTest, SkipsAndCountsSamplesWhoseLabelsCannotBePlaced) {
  test::WordTokenizerStyle style = test::llama_style();
  style.glue_after_colon = true;  // "ASSISTANT:" merges with the answer's first word
  test::WordTestTokenizer tokenizer(style);
  const auto chat = ChatTemplate::create("vicuna_v1");
  ConversationEncoder encoder(*chat, tokenizer);

  // The plain template has no "word:" before an answer, so it still labels fine.
  EXPECT_TRUE(ConversationEncoder(*ChatTemplate::create("plain"), tokenizer)
                  .encode("caption-1", {{"human", "<image>"}, {"gpt", "a dog"}}));
  EXPECT_FALSE(encoder.encode("sample-7", {{"human", "Hi"}, {"gpt", "Hello."}}));
  EXPECT_FALSE(encoder.encode("sample-9", {{"human", "Why?"}, {"gpt", "Because."}}));
  EXPECT_EQ(encoder.skipped_count(), 2);
  const auto skipped = encoder.first_skipped();
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_EQ(skipped[0].sample_id, "sample-7");
  EXPECT_EQ(skipped[1].sample_id, "sample-9");
  EXPECT_NE(skipped[0].reason.find("tokenization mismatch"), std::string::npos);
}

TEST(ConversationEncoderTest, CountsEverySkipAcrossThreadsAndKeepsTheFirstOnes) {
  test::WordTokenizerStyle style = test::llama_style();
  style.glue_after_colon = true;
  test::WordTestTokenizer tokenizer(style);
  // Warm the tokenizer's vocabulary, which the test tokenizer grows as it meets words.
  const auto chat = ChatTemplate::create("vicuna_v1");
  const std::vector<ConversationTurn> turns = {{"human", "Hi"}, {"gpt", "Hello."}};
  chat->tokenize(turns, tokenizer);
  ConversationEncoder encoder(*chat, tokenizer);
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) encoder.encode("w" + std::to_string(t) + "-" + std::to_string(i), turns);
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(encoder.skipped_count(), 100);
  EXPECT_EQ(encoder.first_skipped().size(), ConversationEncoder::kReportedSkips);
}

}  // namespace
}  // namespace vdep
