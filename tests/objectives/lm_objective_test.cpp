// The `lm` plugin against cross-entropy values written out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include <ATen/ATen.h>

#include <vdep/objective.h>

#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"

namespace vdep {
namespace {

std::unique_ptr<Objective> make_lm(double weight, double label_smoothing) {
  static PluginRegistry registry = [] {
    PluginRegistry loaded;
    loaded.load_folders({bundled_plugin_folder()});
    return loaded;
  }();
  Params params("lm");
  params.set("weight", weight);
  params.set("label_smoothing", label_smoothing);
  return registry.create_as<Objective>(PluginKind::Objective, "lm", params);
}

// -log softmax(row)[target]
double nll(const std::vector<double>& row, int target) {
  double z = 0;
  for (double v : row) z += std::exp(v);
  return std::log(z) - row[target];
}

// One sequence of three positions over a vocabulary of three: position 0 predicts label[1] = 2,
// position 1 predicts label[2] = 0; position 2 has nothing to predict.
ObjectiveBatch example_batch() {
  ObjectiveBatch batch;
  batch.logits = at::tensor({1.0f, 2.0f, 3.0f, 0.5f, -1.0f, 0.0f, 9.0f, 9.0f, 9.0f}).reshape({1, 3, 3});
  batch.labels = at::tensor({kIgnoreIndex, std::int64_t{2}, std::int64_t{0}}).reshape({1, 3});
  return batch;
}

TEST(LmObjective, AveragesNextTokenCrossEntropyOverSupervisedTargets) {
  const double expected = (nll({1, 2, 3}, 2) + nll({0.5, -1, 0}, 0)) / 2;
  const ObjectiveTerms terms = make_lm(1.0, 0.0)->compute(example_batch());
  EXPECT_NEAR(terms.total.item<double>(), expected, 1e-6);
  ASSERT_EQ(terms.terms.size(), 1u);
  EXPECT_EQ(terms.terms[0].first, "text_loss");
  EXPECT_NEAR(terms.terms[0].second.item<double>(), expected, 1e-6);
}

TEST(LmObjective, IgnoredLabelsContributeNothing) {
  ObjectiveBatch batch = example_batch();
  batch.labels[0][2] = kIgnoreIndex;
  EXPECT_NEAR(make_lm(1.0, 0.0)->compute(batch).total.item<double>(), nll({1, 2, 3}, 2), 1e-6);
}

TEST(LmObjective, NormalisesByTheGlobalBatchTokenCount) {
  ObjectiveBatch batch = example_batch();
  batch.supervised_tokens_in_global_batch = 8;
  const double expected = (nll({1, 2, 3}, 2) + nll({0.5, -1, 0}, 0)) / 8;
  EXPECT_NEAR(make_lm(1.0, 0.0)->compute(batch).total.item<double>(), expected, 1e-6);
}

TEST(LmObjective, WeightScalesTheTotalButNotTheLoggedTerm) {
  const double loss = (nll({1, 2, 3}, 2) + nll({0.5, -1, 0}, 0)) / 2;
  const ObjectiveTerms terms = make_lm(0.25, 0.0)->compute(example_batch());
  EXPECT_NEAR(terms.total.item<double>(), 0.25 * loss, 1e-6);
  EXPECT_NEAR(terms.terms[0].second.item<double>(), loss, 1e-6);
}

TEST(LmObjective, LabelSmoothingMixesInTheUniformTarget) {
  const double eps = 0.1;
  auto smoothed = [&](const std::vector<double>& row, int target) {
    double uniform = 0;
    for (int c = 0; c < 3; ++c) uniform += nll(row, c) / 3;
    return (1 - eps) * nll(row, target) + eps * uniform;
  };
  const double expected = (smoothed({1, 2, 3}, 2) + smoothed({0.5, -1, 0}, 0)) / 2;
  EXPECT_NEAR(make_lm(1.0, eps)->compute(example_batch()).total.item<double>(), expected, 1e-6);
}

TEST(LmObjective, GradientIsSoftmaxMinusOneHotOverTheCount) {
  ObjectiveBatch batch = example_batch();
  batch.logits.requires_grad_(true);
  make_lm(1.0, 0.0)->compute(batch).total.backward();
  const at::Tensor grad = batch.logits.grad();
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(grad[0][0][2].item<double>(), (std::exp(3.0) / z - 1.0) / 2, 1e-6);
  EXPECT_NEAR(grad[0][0][0].item<double>(), (std::exp(1.0) / z) / 2, 1e-6);
  EXPECT_NEAR(grad[0][2].abs().sum().item<double>(), 0.0, 1e-12);  // last position predicts nothing
}

TEST(LmObjective, RejectsMismatchedShapes) {
  ObjectiveBatch batch = example_batch();
  batch.labels = batch.labels.narrow(1, 0, 2);
  EXPECT_THROW(make_lm(1.0, 0.0)->compute(batch), std::exception);
}

}  // namespace
}  // namespace vdep
