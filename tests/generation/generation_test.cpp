// generate() driving a bigram lookup model: token choice, stopping, and how the KV cache is used.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <vdep/generation.h>

#include "bigram_llm.h"
#include "piece_tokenizer.h"

namespace vdep {
namespace {

using StopReason = GenerationResult::StopReason;
using Ids = std::vector<std::int64_t>;

// Greedy from token 0: 0 → 3 → 1 → 4 → 2 → 1 → 4 → 2 ..., where 2 → 1 is a tie with 5 that the
// lower id wins. The runners-up are close, so that a wrong row or position would show.
at::Tensor chain_table() {
  at::Tensor table = at::zeros({6, 6});
  table[0][3] = 2.0;
  table[0][5] = 1.9;
  table[3][1] = 1.0;
  table[3][2] = 0.9;
  table[1][4] = 3.0;
  table[4][2] = 0.7;
  table[4][0] = 0.6;
  table[2][1] = 1.5;
  table[2][5] = 1.5;
  table[5][0] = 1.0;
  return table;
}

// The greedy chain after the prompt [5, 0] reads "Hel" "lo" " wo" "rld" "lo" " wo" ...
test::PieceTokenizer chain_tokenizer() { return test::PieceTokenizer({"A", "lo", "rld", "Hel", " wo", "B"}); }

at::Tensor embedded_prompt(test::BigramLlm& llm, const Ids& ids) {
  return llm.embed(at::tensor(ids).unsqueeze(0));
}

GenerationOptions greedy(std::int64_t max_new_tokens) {
  GenerationOptions options;
  options.max_new_tokens = max_new_tokens;
  return options;
}

TEST(Generate, GreedyFollowsTheArgmaxChain) {
  test::BigramLlm llm(chain_table());
  GenerationResult result = generate(llm, embedded_prompt(llm, {5, 0}), greedy(6));
  EXPECT_EQ(result.token_ids, (Ids{3, 1, 4, 2, 1, 4}));
  EXPECT_EQ(result.stop_reason, StopReason::MaxNewTokens);
  EXPECT_EQ(result.text, "");
}

TEST(Generate, ProcessesThePromptOnceThenOnePositionPerStepFromTheCache) {
  test::BigramLlm llm(chain_table());
  at::Tensor prompt = embedded_prompt(llm, {5, 0}).requires_grad_();
  generate(llm, prompt, greedy(4));

  // No forward after the last token: its logits would not be used.
  ASSERT_EQ(llm.calls.size(), 4U);
  EXPECT_EQ(llm.calls[0].new_length, 2);
  EXPECT_EQ(llm.calls[0].cached_length, 0);
  EXPECT_FALSE(llm.calls[0].attention_mask.defined());
  for (std::size_t step = 1; step < llm.calls.size(); ++step) {
    const test::ForwardCall& call = llm.calls[step];
    const auto cached = static_cast<std::int64_t>(step) + 1;
    EXPECT_EQ(call.new_length, 1) << "step " << step;
    EXPECT_EQ(call.cached_length, cached) << "step " << step;
    ASSERT_TRUE(call.attention_mask.defined()) << "step " << step;
    EXPECT_EQ(call.attention_mask.sizes(), (std::vector<std::int64_t>{1, cached + 1})) << "step " << step;
    EXPECT_TRUE(call.attention_mask.eq(1).all().item<bool>()) << "step " << step;
  }
  for (const test::ForwardCall& call : llm.calls) {
    EXPECT_TRUE(call.had_cache);
    EXPECT_FALSE(call.grad_enabled);
  }
  EXPECT_TRUE(at::GradMode::is_enabled());
}

TEST(Generate, AnLlmThatLeavesTheCacheEmptyIsReported) {
  test::BigramLlm llm(chain_table());
  llm.fills_cache = false;
  try {
    generate(llm, embedded_prompt(llm, {5, 0}), greedy(3));
    ADD_FAILURE() << "a forward that filled no cache went unnoticed";
  } catch (const std::logic_error& error) {
    EXPECT_NE(std::string(error.what()).find("KV cache"), std::string::npos) << error.what();
  }
  EXPECT_EQ(llm.calls.size(), 1U);
}

TEST(Generate, StopsAtTheModelsEosAndKeepsItOutOfTheText) {
  test::BigramLlm llm(chain_table(), /*eos=*/2);
  test::PieceTokenizer tokenizer = chain_tokenizer();
  GenerationResult result = generate(llm, embedded_prompt(llm, {5, 0}), greedy(10), &tokenizer);
  EXPECT_EQ(result.token_ids, (Ids{3, 1, 4, 2}));
  EXPECT_EQ(result.stop_reason, StopReason::Eos);
  EXPECT_EQ(result.text, "Hello wo");
  EXPECT_EQ(llm.calls.size(), 4U);
}

// Row 5 stands for an LLM's padding row past the tokenizer's five tokens: it would win from 0,
// but with the tokenizer it is never picked.
TEST(Generate, NeverPicksAnIdPastTheTokenizersVocabulary) {
  at::Tensor table = chain_table();
  table[0][5] = 2.5;
  test::BigramLlm llm(table);
  EXPECT_EQ(generate(llm, embedded_prompt(llm, {0}), greedy(1)).token_ids, (Ids{5}));
  test::PieceTokenizer five_tokens({"A", "lo", "rld", "Hel", " wo"});
  GenerationResult result = generate(llm, embedded_prompt(llm, {0}), greedy(4), &five_tokens);
  EXPECT_EQ(result.token_ids, (Ids{3, 1, 4, 2}));
  EXPECT_EQ(result.text, "Hello world");
}

TEST(Generate, EosTokenIdsReplaceTheModelsEos) {
  test::BigramLlm llm(chain_table(), /*eos=*/1);
  GenerationOptions options = greedy(10);
  options.eos_token_ids = {9, 4};
  GenerationResult result = generate(llm, embedded_prompt(llm, {5, 0}), options);
  EXPECT_EQ(result.token_ids, (Ids{3, 1, 4}));
  EXPECT_EQ(result.stop_reason, StopReason::Eos);
}

TEST(Generate, StopStringAcrossTokensIsCutWithWhatFollows) {
  test::BigramLlm llm(chain_table());
  test::PieceTokenizer tokenizer = chain_tokenizer();
  GenerationOptions options = greedy(10);
  options.stop_strings = {"o w"};
  GenerationResult result = generate(llm, embedded_prompt(llm, {5, 0}), options, &tokenizer);
  EXPECT_EQ(result.token_ids, (Ids{3, 1, 4}));
  EXPECT_EQ(result.text, "Hell");
  EXPECT_EQ(result.stop_reason, StopReason::StopString);
}

TEST(Generate, TheEarliestStopStringInTheTextWins) {
  test::BigramLlm llm(chain_table());
  test::PieceTokenizer tokenizer = chain_tokenizer();
  GenerationOptions options = greedy(10);
  options.stop_strings = {"rld", "llo"};
  GenerationResult result = generate(llm, embedded_prompt(llm, {5, 0}), options, &tokenizer);
  EXPECT_EQ(result.token_ids, (Ids{3, 1}));
  EXPECT_EQ(result.text, "He");
  EXPECT_EQ(result.stop_reason, StopReason::StopString);
}

TEST(Generate, TextIsTheWholeContinuationWhenNoStopStringOccurs) {
  test::BigramLlm llm(chain_table());
  test::PieceTokenizer tokenizer = chain_tokenizer();
  GenerationOptions options = greedy(4);
  options.stop_strings = {"xyz"};
  GenerationResult result = generate(llm, embedded_prompt(llm, {5, 0}), options, &tokenizer);
  EXPECT_EQ(result.text, "Hello world");
  EXPECT_EQ(result.stop_reason, StopReason::MaxNewTokens);
}

TEST(Generate, MaxNewTokensBoundsTheContinuation) {
  test::BigramLlm llm(chain_table());
  GenerationResult one = generate(llm, embedded_prompt(llm, {5, 0}), greedy(1));
  EXPECT_EQ(one.token_ids, (Ids{3}));
  EXPECT_EQ(one.stop_reason, StopReason::MaxNewTokens);
  EXPECT_EQ(llm.calls.size(), 1U);

  test::BigramLlm untouched(chain_table());
  test::PieceTokenizer tokenizer = chain_tokenizer();
  GenerationResult none = generate(untouched, embedded_prompt(untouched, {5, 0}), greedy(0), &tokenizer);
  EXPECT_TRUE(none.token_ids.empty());
  EXPECT_EQ(none.text, "");
  EXPECT_EQ(none.stop_reason, StopReason::MaxNewTokens);
  EXPECT_TRUE(untouched.calls.empty());
}

// Every next token equally likely: 24 draws from 6 tokens repeat only for the same seed.
Ids sampled(std::uint64_t seed) {
  test::BigramLlm llm(at::zeros({6, 6}));
  GenerationOptions options;
  options.max_new_tokens = 24;
  options.temperature = 1.0;
  options.seed = seed;
  return generate(llm, embedded_prompt(llm, {0}), options).token_ids;
}

TEST(Generate, TheSameSeedGivesTheSameSample) {
  const Ids first = sampled(7);
  EXPECT_EQ(first.size(), 24U);
  EXPECT_EQ(sampled(7), first);
  EXPECT_NE(sampled(8), first);
}

void expect_rejected(const GenerationOptions& options, const std::string& named, const Tokenizer* tokenizer = nullptr,
                     std::vector<std::int64_t> prompt_shape = {1, 2, 6}) {
  test::BigramLlm llm(chain_table());
  try {
    generate(llm, at::zeros(prompt_shape), options, tokenizer);
    ADD_FAILURE() << "accepted; expected a complaint about " << named;
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find(named), std::string::npos) << error.what();
  }
  EXPECT_TRUE(llm.calls.empty());
}

TEST(Generate, RejectsInvalidOptionsNamingThem) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double temperature : {-0.5, nan, std::numeric_limits<double>::infinity()}) {
    GenerationOptions options;
    options.temperature = temperature;
    expect_rejected(options, "temperature");
  }
  for (double top_p : {0.0, -0.1, 1.5, nan}) {
    GenerationOptions options;
    options.top_p = top_p;
    expect_rejected(options, "top_p");
  }
  GenerationOptions negative_length;
  negative_length.max_new_tokens = -1;
  expect_rejected(negative_length, "max_new_tokens");

  GenerationOptions stop_without_tokenizer;
  stop_without_tokenizer.stop_strings = {"\n"};
  expect_rejected(stop_without_tokenizer, "stop_strings");
  test::PieceTokenizer tokenizer = chain_tokenizer();
  GenerationOptions empty_stop;
  empty_stop.stop_strings = {"\n", ""};
  expect_rejected(empty_stop, "stop_strings", &tokenizer);

  // Checked before max_new_tokens 0 returns.
  GenerationOptions nothing_to_do = greedy(0);
  nothing_to_do.top_p = 2.0;
  expect_rejected(nothing_to_do, "top_p");
}

TEST(Generate, RejectsPromptsThatAreNotOneSequenceOfEmbeddings) {
  for (const std::vector<std::int64_t>& shape :
       {std::vector<std::int64_t>{2, 6}, {2, 2, 6}, {1, 0, 6}, {1, 2, 5}, {1, 1, 2, 6}}) {
    expect_rejected(GenerationOptions{}, "prompt_embeds", nullptr, shape);
  }
}

}  // namespace
}  // namespace vdep
