// Gradient checkpointing of the decoder layers (LlmForwardOptions::recompute_layers_in_backward):
// the same loss and gradients as a plain backward, including through phi-2's dropout and under
// bf16 autocast, with a graph that holds far fewer bytes.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <torch/torch.h>

#include <vdep/autocast.h>
#include <vdep/llm.h>

#include "llms/llm_test_support.h"
#include "support/live_cpu_bytes.h"
#include "support/temporary_folder.h"

namespace vdep {
namespace {

struct Backward {
  double loss = 0;
  // Every parameter's the loss reaches (not the unused embedding table's), and "inputs_embeds".
  std::map<std::string, at::Tensor> gradients;
};

LlmInputs right_padded_inputs(std::int64_t hidden, std::int64_t length) {
  torch::manual_seed(3);
  LlmInputs inputs;
  inputs.inputs_embeds = torch::randn({2, length, hidden}).requires_grad_(true);
  inputs.attention_mask = torch::ones({2, length}, torch::kLong);
  inputs.attention_mask[1].narrow(0, length - 3, 3).fill_(0);
  return inputs;
}

// A loss reading the logits and an intermediate hidden state, so that gradients arrive at layers
// from two places.
Backward backward(Llm& llm, const LlmInputs& inputs, bool recompute, std::uint64_t dropout_seed = 0,
                  const AutocastState& autocast = AutocastState::current()) {
  llm.module().zero_grad();
  inputs.inputs_embeds.mutable_grad() = at::Tensor();
  LlmForwardOptions options;
  options.return_hidden_states = true;
  options.recompute_layers_in_backward = recompute;
  at::Tensor loss;
  {
    const AutocastGuard region(autocast);
    torch::manual_seed(dropout_seed);
    const LlmOutput output = llm.forward(inputs, options);
    const auto targets = torch::arange(output.logits.size(1)).remainder(llm.vocab_size()).repeat({2, 1});
    loss = torch::nn::functional::cross_entropy(output.logits.to(torch::kFloat).flatten(0, 1), targets.flatten()) +
           output.hidden_states[1].to(torch::kFloat).pow(2).mean();
  }
  loss.backward();
  Backward result;
  result.loss = loss.item<double>();
  for (const auto& item : llm.module().named_parameters()) {
    if (item.value().grad().defined()) result.gradients[item.key()] = item.value().grad().clone();
  }
  result.gradients["inputs_embeds"] = inputs.inputs_embeds.grad().clone();
  return result;
}

void expect_same(const Backward& plain, const Backward& recomputed, double tolerance) {
  EXPECT_NEAR(plain.loss, recomputed.loss, tolerance);
  ASSERT_EQ(plain.gradients.size(), recomputed.gradients.size());
  for (const auto& [name, gradient] : plain.gradients) {
    const at::Tensor& other = recomputed.gradients.count(name) ? recomputed.gradients.at(name) : at::Tensor();
    ASSERT_TRUE(other.defined()) << name;
    EXPECT_GT(gradient.abs().max().item<double>(), 0) << name;
    EXPECT_TRUE(torch::allclose(gradient, other, tolerance, tolerance))
        << name << ": max difference " << (gradient - other).abs().max().item<double>();
  }
}

TEST(GradientCheckpointing, LlamaLossAndEveryGradientMatchThePlainBackward) {
  const auto llm = test::make_llm("llama", toml::table{{"preset", "tiny"}});
  const LlmInputs inputs = right_padded_inputs(llm->hidden_size(), 12);
  const Backward plain = backward(*llm, inputs, false);
  EXPECT_EQ(plain.gradients.size(), llm->module().parameters().size());  // all but embed_tokens, and inputs_embeds
  expect_same(plain, backward(*llm, inputs, true), 1e-6);
}

// Pre-training: the LLM frozen, the projector trained through inputs_embeds alone.
TEST(GradientCheckpointing, FrozenLlmPassesTheSameGradientToInputsEmbeds) {
  const auto llm = test::make_llm("llama", toml::table{{"preset", "tiny"}});
  for (auto& parameter : llm->module().parameters()) parameter.set_requires_grad(false);
  const LlmInputs inputs = right_padded_inputs(llm->hidden_size(), 12);
  const Backward plain = backward(*llm, inputs, false);
  ASSERT_EQ(plain.gradients.size(), 1u);
  expect_same(plain, backward(*llm, inputs, true), 1e-6);
}

// The recomputation must draw the dropout masks the forward drew: phi's resid_pdrop 0.1, in
// training mode.
class GradientCheckpointingPhi : public test::TemporaryFolderTest {};

TEST_F(GradientCheckpointingPhi, DropoutDrawsTheSameMasksWhenRecomputed) {
  const test::TinyDecoder phi = test::tiny_phi();
  test::write_checkpoint(folder_ / "phi", test::config_json(phi), test::random_weights(phi, 7));
  const auto llm = test::load_llm("phi", folder_ / "phi");
  llm->module().train();
  const LlmInputs inputs = right_padded_inputs(llm->hidden_size(), 12);
  const Backward plain = backward(*llm, inputs, false, 11);
  expect_same(plain, backward(*llm, inputs, true, 11), 1e-6);
  // Dropout is really on: another seed, other masks.
  EXPECT_GT(std::abs(backward(*llm, inputs, false, 12).loss - plain.loss), 1e-4);
}

// The backward runs after the autocast region has closed; the recomputation must still run the
// layers in bf16, as the forward did.
TEST(GradientCheckpointing, RecomputationRunsUnderTheForwardsAutocast) {
  const auto llm = test::make_llm("llama", toml::table{{"preset", "tiny"}});
  const LlmInputs inputs = right_padded_inputs(llm->hidden_size(), 12);
  const AutocastState bf16 = AutocastState::current().enabled_on(c10::DeviceType::CPU, at::kBFloat16);
  const Backward plain = backward(*llm, inputs, false, 0, bf16);
  const Backward fp32 = backward(*llm, inputs, false);
  EXPECT_GT(std::abs(plain.loss - fp32.loss), 1e-5);  // bf16 rounding shows
  expect_same(plain, backward(*llm, inputs, true, 0, bf16), 1e-6);
}

// Bytes the autograd graph holds between the forward and the backward: with recomputation only each
// layer's input, instead of its attention probabilities and MLP activations.
std::int64_t graph_bytes(Llm& llm, const LlmInputs& inputs, bool recompute) {
  const test::LiveCpuBytes counter;
  const std::int64_t before = test::LiveCpuBytes::now();
  LlmForwardOptions options;
  options.skip_logits = true;
  options.recompute_layers_in_backward = recompute;
  at::Tensor loss = llm.forward(inputs, options).last_hidden_state.pow(2).mean();
  const std::int64_t held = test::LiveCpuBytes::now() - before;
  loss.backward();
  return held;
}

TEST(GradientCheckpointing, TheGraphHoldsFewerActivations) {
  const auto llm = test::make_llm("llama", toml::table{{"preset", "tiny"}});
  const LlmInputs inputs = right_padded_inputs(llm->hidden_size(), 128);
  const std::int64_t plain = graph_bytes(*llm, inputs, false);
  const std::int64_t recomputed = graph_bytes(*llm, inputs, true);
  // Two layers' inputs of [2, 128, 64] fp32 are 128 KiB; one layer's attention probabilities alone
  // are [2, 4, 128, 128], 512 KiB.
  EXPECT_GT(plain, 1 << 20);
  EXPECT_LT(recomputed, plain / 4) << "plain " << plain << " bytes, recomputed " << recomputed;
}

TEST(GradientCheckpointing, RefusedWithACache) {
  const auto llm = test::make_llm("llama", toml::table{{"preset", "tiny"}});
  const LlmInputs inputs = right_padded_inputs(llm->hidden_size(), 4);
  KvCache cache;
  LlmForwardOptions options;
  options.cache = &cache;
  options.recompute_layers_in_backward = true;
  EXPECT_THROW(llm->forward(inputs, options), c10::Error);
  const torch::NoGradGuard no_grad;  // generation: the option has nothing to do
  EXPECT_NO_THROW(llm->forward(inputs, options));
}

}  // namespace
}  // namespace vdep
