// The data loader's workers share one tokenizer: encoding from several threads at once must give
// what one thread gives (the byte-level BPE's word cache is shared and locked; SentencePiece's
// processor is const once loaded).
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <vdep/tokenizer.h>

namespace vdep {
namespace {

std::vector<std::string> texts() {
  std::vector<std::string> result;
  for (int i = 0; i < 200; ++i) {
    result.push_back("a red circle number " + std::to_string(i) + " and " + std::to_string(i * 7919) +
                     " blue squares, café naïve 日本 " + std::string(static_cast<std::size_t>(i % 13), 'z'));
  }
  return result;
}

void expect_same_from_four_threads(const Tokenizer& tokenizer) {
  const std::vector<std::string> inputs = texts();
  std::vector<std::vector<std::int64_t>> alone;
  for (const std::string& text : inputs) alone.push_back(tokenizer.encode(text));

  // A fresh tokenizer each time would hide a cache filled concurrently: this one has seen the texts
  // once, and each thread starts at a different text so that threads meet new words together too.
  std::vector<std::vector<std::vector<std::int64_t>>> together(4, std::vector<std::vector<std::int64_t>>(inputs.size()));
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t n = 0; n < inputs.size(); ++n) {
        const std::size_t i = (n + t * 50) % inputs.size();
        together[t][i] = tokenizer.encode(inputs[i] + " thread");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<std::int64_t> expected = tokenizer.encode(inputs[i] + " thread");
    for (std::size_t t = 0; t < 4; ++t) EXPECT_EQ(together[t][i], expected) << "text " << i << ", thread " << t;
  }
}

TEST(ConcurrentEncodingTest, ByteLevelBpeGivesTheSameIdsFromSeveralThreads) {
  expect_same_from_four_threads(*load_tokenizer(VDEP_FIXTURES_DIR "/tokenizers/gpt2"));
}

TEST(ConcurrentEncodingTest, SentencePieceGivesTheSameIdsFromSeveralThreads) {
  expect_same_from_four_threads(*load_tokenizer(VDEP_FIXTURES_DIR "/chat/llama_sp/tokenizer.model"));
}

}  // namespace
}  // namespace vdep
