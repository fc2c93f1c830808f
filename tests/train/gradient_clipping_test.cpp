// Clipping by global norm, against norms worked by hand.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "train/gradient_clipping.h"

namespace vdep {
namespace {

// Gradients [3, 4] and [12]: total norm sqrt(9 + 16 + 144) = 13.
std::vector<TrainableParameter> parameters_with_norm_13() {
  std::vector<TrainableParameter> parameters{{"a", torch::zeros({2}, torch::kDouble).requires_grad_()},
                                             {"b", torch::zeros({1}, torch::kDouble).requires_grad_()},
                                             {"no_grad", torch::zeros({1}, torch::kDouble).requires_grad_()}};
  parameters[0].tensor.mutable_grad() = torch::tensor({3.0, 4.0}, torch::kDouble);
  parameters[1].tensor.mutable_grad() = torch::tensor({12.0}, torch::kDouble);
  return parameters;
}

TEST(GradientClipping, ANormWithinTheLimitLeavesTheGradients) {
  const auto parameters = parameters_with_norm_13();
  EXPECT_DOUBLE_EQ(clip_grad_norm(parameters, 26.0), 13.0);
  EXPECT_EQ(parameters[0].tensor.grad()[1].item<double>(), 4.0);
  EXPECT_EQ(parameters[1].tensor.grad()[0].item<double>(), 12.0);
  EXPECT_FALSE(parameters[2].tensor.grad().defined());
}

TEST(GradientClipping, ALargerNormScalesEveryGradientToTheLimit) {
  const auto parameters = parameters_with_norm_13();
  EXPECT_DOUBLE_EQ(clip_grad_norm(parameters, 6.5), 13.0);
  const double coefficient = 6.5 / (13.0 + 1e-6);  // ~0.5
  EXPECT_DOUBLE_EQ(parameters[0].tensor.grad()[0].item<double>(), 3.0 * coefficient);
  EXPECT_DOUBLE_EQ(parameters[0].tensor.grad()[1].item<double>(), 4.0 * coefficient);
  EXPECT_DOUBLE_EQ(parameters[1].tensor.grad()[0].item<double>(), 12.0 * coefficient);
}

TEST(GradientClipping, NoGradientsHaveNormZero) {
  const std::vector<TrainableParameter> parameters{{"a", torch::ones({2}).requires_grad_()}};
  EXPECT_EQ(clip_grad_norm(parameters, 1.0), 0.0);
}

}  // namespace
}  // namespace vdep
