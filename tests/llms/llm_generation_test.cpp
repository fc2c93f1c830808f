// vdep::generate over the real LLM plugins: KV-cache decoding picks the tokens that full
// recomputation of the growing sequence picks.
#include <gtest/gtest.h>

#include <vdep/generation.h>

#include "llms/llm_test_support.h"

namespace vdep::test {
namespace {

std::vector<std::int64_t> greedy_by_recomputation(Llm& llm, std::vector<std::int64_t> ids, int new_tokens) {
  torch::NoGradGuard no_grad;
  std::vector<std::int64_t> generated;
  for (int step = 0; step < new_tokens; ++step) {
    LlmInputs inputs;
    inputs.inputs_embeds = llm.embed(torch::tensor(ids, torch::kLong).unsqueeze(0));
    const std::int64_t next = llm.forward(inputs, {}).logits[0][-1].argmax().item<std::int64_t>();
    generated.push_back(next);
    ids.push_back(next);
  }
  return generated;
}

TEST(LlmGenerationTest, GreedyGenerationWithTheCacheEqualsRecomputation) {
  for (const std::string plugin : {"llama", "phi"}) {
    auto llm = make_llm(plugin, toml::table{{"preset", "tiny"}, {"seed", 7}});
    const std::vector<std::int64_t> prompt = {3, 17, 42, 5, 99};
    GenerationOptions options;
    options.max_new_tokens = 12;
    options.eos_token_ids = {-1};  // never produced: all 12 tokens are generated
    torch::NoGradGuard no_grad;
    const GenerationResult result = generate(*llm, llm->embed(torch::tensor(prompt, torch::kLong).unsqueeze(0)), options);
    EXPECT_EQ(result.token_ids, greedy_by_recomputation(*llm, prompt, 12)) << plugin;
    EXPECT_EQ(result.stop_reason, GenerationResult::StopReason::MaxNewTokens);
  }
}

TEST(LlmGenerationTest, SamplingWithASeedRepeatsOnARealModel) {
  auto llm = make_llm("phi", toml::table{{"preset", "tiny"}});
  torch::NoGradGuard no_grad;
  const at::Tensor prompt = llm->embed(torch::tensor({1, 2, 3}, torch::kLong).unsqueeze(0));
  GenerationOptions options;
  options.max_new_tokens = 16;
  options.temperature = 1.0;
  options.top_p = 0.9;
  options.eos_token_ids = {-1};
  options.seed = 11;
  const auto first = generate(*llm, prompt, options).token_ids;
  EXPECT_EQ(generate(*llm, prompt, options).token_ids, first);
  options.seed = 12;
  EXPECT_NE(generate(*llm, prompt, options).token_ids, first);
}

}  // namespace
}  // namespace vdep::test
