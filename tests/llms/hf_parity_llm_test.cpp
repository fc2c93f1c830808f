// llama and phi against HF transformers' own outputs for the same tiny random checkpoints, written
// by tests/fixtures/hf_parity_llm/make_llm_parity.py where transformers is installed (the GPU
// machine). Skipped, saying so, until those files are committed.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <vdep/llm.h>
#include <vdep/safetensors.h>

#include "llm_test_support.h"

namespace vdep {
namespace {

const std::filesystem::path kParity = std::filesystem::path(VDEP_FIXTURES_DIR) / "hf_parity_llm";

// HF counts positions 0, 1, ... whatever the mask, vdep from the mask: they agree on real tokens
// only, so padded positions are left out of the comparison.
void expect_close_where_real(const at::Tensor& actual, const at::Tensor& expected, const at::Tensor& mask,
                             const std::string& what) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const auto real = mask.to(at::kBool).unsqueeze(-1).expand_as(actual);
  EXPECT_TRUE(at::allclose(actual.masked_select(real), expected.masked_select(real), 1e-4, 1e-4)) << what;
}

void expect_parity(const std::string& plugin) {
  const auto folder = kParity / plugin;
  if (!std::filesystem::exists(folder / "expected.safetensors")) {
    GTEST_SKIP() << "no HF reference in " << folder
                 << ": run tests/fixtures/hf_parity_llm/make_llm_parity.py on a machine with transformers "
                    "and commit its output";
  }
  auto llm = test::load_llm(plugin, folder);
  const SafetensorsReader expected = SafetensorsReader::open(folder / "expected.safetensors");
  const auto mask = expected.get("attention_mask");
  LlmInputs inputs;
  inputs.inputs_embeds = llm->embed(expected.get("input_ids").to(at::kLong));
  inputs.attention_mask = mask;
  LlmForwardOptions options;
  options.return_hidden_states = true;
  const LlmOutput output = llm->forward(inputs, options);
  for (std::size_t i = 0; i < output.hidden_states.size(); ++i) {
    const std::string name = "hidden_states." + std::to_string(i);
    ASSERT_TRUE(expected.contains(name)) << name;
    expect_close_where_real(output.hidden_states[i], expected.get(name), mask, plugin + " " + name);
  }
  EXPECT_FALSE(expected.contains("hidden_states." + std::to_string(output.hidden_states.size())));  // all compared
  expect_close_where_real(output.logits, expected.get("logits"), mask, plugin + " logits");
}

TEST(HfParity, LlamaForCausalLmLogitsAndHiddenStates) { expect_parity("llama"); }

TEST(HfParity, PhiForCausalLmLogitsAndHiddenStates) { expect_parity("phi"); }

}  // namespace
}  // namespace vdep
