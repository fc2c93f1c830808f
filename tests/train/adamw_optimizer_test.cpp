// AdamW updates against torch.optim.AdamW's formula worked by hand, and its state saved and
// restored.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/torch.h>

#include "train/adamw_optimizer.h"

namespace vdep {
namespace {

TrainableParameter parameter(const std::string& name, std::vector<double> values, bool decay = true,
                             torch::Dtype dtype = torch::kDouble) {
  return {name, torch::tensor(values, torch::dtype(dtype)).requires_grad_(), decay};
}

void set_grad(const TrainableParameter& parameter, std::vector<double> values) {
  parameter.tensor.mutable_grad() = torch::tensor(values, parameter.tensor.options().requires_grad(false));
}

at::Tensor state(const AdamWOptimizer& optimizer, const std::string& key) {
  for (const auto& [name, tensor] : optimizer.state_tensors()) {
    if (name == key) return tensor;
  }
  ADD_FAILURE() << "no state " << key;
  return {};
}

TEST(AdamWOptimizer, TwoStepsMatchTheUpdateWorkedByHand) {
  const auto weight = parameter("w", {1.0, -2.0});
  AdamWOptimizer optimizer({weight}, {0.9, 0.999, 1e-8, 0.01});

  // Step 1, lr 0.1, g = [0.5, -1]:
  //   decay      p = [1, -2] (1 - 0.1 * 0.01) = [0.999, -1.998]
  //   moments    m = 0.1 g = [0.05, -0.1]; v = 0.001 g^2 = [0.00025, 0.001]
  //   bias corr. 1 - 0.9 = 0.1 and 1 - 0.999 = 0.001
  //   denom      sqrt(v) / sqrt(0.001) + 1e-8 = |g| + 1e-8
  //   update     p -= (0.1 / 0.1) m / denom
  set_grad(weight, {0.5, -1.0});
  optimizer.step(0.1);
  const double after_first[] = {0.999 - 0.05 / (0.5 + 1e-8), -1.998 + 0.1 / (1.0 + 1e-8)};
  EXPECT_NEAR(weight.tensor[0].item<double>(), after_first[0], 1e-12);  // ~0.899
  EXPECT_NEAR(weight.tensor[1].item<double>(), after_first[1], 1e-12);  // ~-1.898

  // Step 2, lr 0.05, g = [0.2, 0.4]:
  //   decay      p *= 1 - 0.05 * 0.01 = 0.9995
  //   moments    m = 0.9 [0.05, -0.1] + 0.1 [0.2, 0.4] = [0.065, -0.05]
  //              v = 0.999 [0.00025, 0.001] + 0.001 [0.04, 0.16] = [0.00028975, 0.001159]
  //   bias corr. 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999
  //   update     p -= (0.05 / 0.19) m / (sqrt(v / 0.001999) + 1e-8)
  set_grad(weight, {0.2, 0.4});
  optimizer.step(0.05);
  const double step_size = 0.05 / 0.19;
  EXPECT_NEAR(weight.tensor[0].item<double>(),
              after_first[0] * 0.9995 - step_size * 0.065 / (std::sqrt(0.00028975 / 0.001999) + 1e-8), 1e-12);
  EXPECT_NEAR(weight.tensor[1].item<double>(),
              after_first[1] * 0.9995 + step_size * 0.05 / (std::sqrt(0.001159 / 0.001999) + 1e-8), 1e-12);

  EXPECT_NEAR(state(optimizer, "w.exp_avg")[0].item<double>(), 0.065, 1e-15);
  EXPECT_NEAR(state(optimizer, "w.exp_avg")[1].item<double>(), -0.05, 1e-15);
  EXPECT_NEAR(state(optimizer, "w.exp_avg_sq")[0].item<double>(), 0.00028975, 1e-15);
  EXPECT_NEAR(state(optimizer, "w.exp_avg_sq")[1].item<double>(), 0.001159, 1e-15);
  EXPECT_EQ(state(optimizer, "w.step").item<std::int64_t>(), 2);
}

TEST(AdamWOptimizer, WeightDecaySkipsParametersNotMarkedForIt) {
  // A zero gradient leaves the moments at zero and the Adam term 0 / (0 + eps) = 0, so decay alone
  // moves a parameter: by the factor 1 - lr * weight_decay = 1 - 0.1 * 0.1 = 0.99.
  const auto matrix = parameter("matrix", {1.0, 2.0}, true);
  const auto bias = parameter("bias", {1.0, 2.0}, false);
  AdamWOptimizer optimizer({matrix, bias}, {0.9, 0.999, 1e-8, 0.1});
  set_grad(matrix, {0.0, 0.0});
  set_grad(bias, {0.0, 0.0});
  optimizer.step(0.1);
  EXPECT_DOUBLE_EQ(matrix.tensor[0].item<double>(), 0.99);
  EXPECT_DOUBLE_EQ(matrix.tensor[1].item<double>(), 1.98);
  EXPECT_EQ(bias.tensor[0].item<double>(), 1.0);
  EXPECT_EQ(bias.tensor[1].item<double>(), 2.0);
}

TEST(AdamWOptimizer, AParameterWithoutGradientIsUntouchedAndItsStepNotCounted) {
  const auto trained = parameter("trained", {0.0});
  const auto idle = parameter("idle", {3.0});
  AdamWOptimizer optimizer({trained, idle}, {0.9, 0.999, 1e-8, 0.5});
  set_grad(trained, {1.0});
  optimizer.step(0.1);
  optimizer.step(0.1);
  EXPECT_EQ(idle.tensor[0].item<double>(), 3.0);  // not even decayed
  EXPECT_EQ(state(optimizer, "idle.step").item<std::int64_t>(), 0);
  EXPECT_EQ(state(optimizer, "trained.step").item<std::int64_t>(), 2);

  // Its first update is then a first step: bias-corrected m / sqrt(v) = g / |g|, so
  // p = 3 (1 - 0.1 * 0.5) - 0.1 * 2 / (2 + 1e-8) = 2.85 - 0.1 (nearly).
  set_grad(idle, {2.0});
  optimizer.step(0.1);
  EXPECT_NEAR(idle.tensor[0].item<double>(), 2.85 - 0.1 * 2.0 / (2.0 + 1e-8), 1e-12);
  EXPECT_EQ(state(optimizer, "idle.step").item<std::int64_t>(), 1);
}

TEST(AdamWOptimizer, ZeroGradDropsTheGradients) {
  const auto weight = parameter("w", {1.0});
  AdamWOptimizer optimizer({weight}, {});
  set_grad(weight, {1.0});
  optimizer.zero_grad();
  EXPECT_FALSE(weight.tensor.grad().defined());
  optimizer.step(0.1);
  EXPECT_EQ(state(optimizer, "w.step").item<std::int64_t>(), 0);
}

TEST(AdamWOptimizer, HalfPrecisionParametersKeepFp32Moments) {
  // First step with g = 0.5: p = 1 - 0.25 * 0.5 / (0.5 + 1e-8), which bf16 rounds to 0.75.
  const auto weight = parameter("w", {1.0}, true, torch::kBFloat16);
  AdamWOptimizer optimizer({weight}, {});
  set_grad(weight, {0.5});
  optimizer.step(0.25);
  EXPECT_EQ(state(optimizer, "w.exp_avg").scalar_type(), torch::kFloat);
  EXPECT_EQ(state(optimizer, "w.exp_avg_sq").scalar_type(), torch::kFloat);
  EXPECT_EQ(weight.tensor.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(weight.tensor[0].item<float>(), 0.75f);
  EXPECT_NEAR(state(optimizer, "w.exp_avg_sq")[0].item<float>(), 0.001f * 0.25f, 1e-10);
}

TEST(AdamWOptimizer, RestoredStateContinuesExactlyAsAnUninterruptedRun) {
  torch::manual_seed(7);
  const auto initial_a = torch::randn({3, 2});
  const auto initial_b = torch::randn({2});
  std::vector<torch::Tensor> gradients;
  for (int step = 0; step < 6; ++step) gradients.push_back(torch::randn({step % 2 == 0 ? 6 : 2}));
  const AdamWOptions options{0.9, 0.95, 1e-6, 0.1};

  auto make_parameters = [&] {
    return std::vector<TrainableParameter>{{"a", initial_a.clone().requires_grad_(), true},
                                           {"b", initial_b.clone().requires_grad_(), false}};
  };
  auto run_step = [&](AdamWOptimizer& optimizer, int step) {
    const auto& parameters = optimizer.parameters();
    parameters[0].tensor.mutable_grad() = gradients[2 * step].view({3, 2});
    parameters[1].tensor.mutable_grad() = gradients[2 * step + 1];
    optimizer.step(1e-2 * (step + 1));
  };

  AdamWOptimizer uninterrupted(make_parameters(), options);
  for (int step = 0; step < 3; ++step) run_step(uninterrupted, step);

  AdamWOptimizer before(make_parameters(), options);
  for (int step = 0; step < 2; ++step) run_step(before, step);
  std::vector<std::pair<std::string, at::Tensor>> saved;
  for (const auto& [name, tensor] : before.state_tensors()) saved.emplace_back(name, tensor.clone());
  std::vector<TrainableParameter> resumed_parameters = make_parameters();
  for (std::size_t i = 0; i < resumed_parameters.size(); ++i) {
    torch::NoGradGuard no_grad;
    resumed_parameters[i].tensor.copy_(before.parameters()[i].tensor);
  }
  AdamWOptimizer resumed(resumed_parameters, options);
  resumed.load_state(saved);
  run_step(resumed, 2);

  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(torch::equal(resumed.parameters()[i].tensor, uninterrupted.parameters()[i].tensor)) << i;
  }
  const auto expected_state = uninterrupted.state_tensors();
  const auto resumed_state = resumed.state_tensors();
  ASSERT_EQ(resumed_state.size(), expected_state.size());
  for (std::size_t i = 0; i < expected_state.size(); ++i) {
    EXPECT_EQ(resumed_state[i].first, expected_state[i].first);
    EXPECT_TRUE(torch::equal(resumed_state[i].second, expected_state[i].second)) << expected_state[i].first;
  }
}

TEST(AdamWOptimizer, LoadStateNamesTheMissingUnknownOrMisshapenKey) {
  AdamWOptimizer optimizer({parameter("w", {1.0, 2.0})}, {});
  auto complete = optimizer.state_tensors();

  auto expect_error = [&](const std::vector<std::pair<std::string, at::Tensor>>& tensors, const std::string& text) {
    try {
      optimizer.load_state(tensors);
      ADD_FAILURE() << "no error for " << text;
    } catch (const std::runtime_error& error) {
      EXPECT_NE(std::string(error.what()).find(text), std::string::npos) << error.what();
    }
  };
  expect_error({complete[0], complete[2]}, "'w.exp_avg_sq'");
  auto misshapen = complete;
  misshapen[1].second = torch::zeros({3}, torch::kDouble);
  expect_error(misshapen, "'w.exp_avg_sq' has shape [3], expected [2]");
  auto extra = complete;
  extra.emplace_back("v.exp_avg", torch::zeros({2}));
  expect_error(extra, "'v.exp_avg'");
}

TEST(AdamWOptimizer, RefusesTwoParametersOfOneName) {
  EXPECT_THROW(AdamWOptimizer({parameter("w", {1.0}), parameter("w", {2.0})}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace vdep
