// The `vdep` plugin against values and gradients worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/torch.h>

#include <vdep/objective.h>

#include "support/bundled_component.h"

namespace vdep {
namespace {

std::unique_ptr<Objective> make_vdep(toml::table settings) {
  return test::make_bundled<Objective>(PluginKind::Objective, "objectives", "vdep", std::move(settings));
}

double total(const ObjectiveTerms& terms) { return terms.total.item<double>(); }

// Two samples of four positions, width 2. Sample 0 holds a VDEP-mode image at positions 1-3,
// sample 1 a LLaVA-mode image there, whose (large) error the objective must ignore.
//   X (input) sample 0: (0,0) (1,2) (3,4) (5,6)       H (final hidden) sample 0: (1,1) (1,1) (2,2) (3,3)
// shift 0 compares H[p] with X[p] for p = 1..3: differences (0,-1) (-1,-2) (-2,-3), squares sum 19.
// shift 1 compares H[p-1] with X[p]: (0,-1) (-2,-3) (-3,-4), squares sum 39.
ObjectiveBatch example_batch() {
  ObjectiveBatch batch;
  const at::Tensor x = at::tensor({0, 0, 1, 2, 3, 4, 5, 6}, at::kFloat).reshape({4, 2});
  const at::Tensor h = at::tensor({1, 1, 1, 1, 2, 2, 3, 3}, at::kFloat).reshape({4, 2});
  batch.inputs_embeds = at::stack({x, x});
  const at::Tensor final_hidden = at::stack({h, h + 100});
  batch.hidden_states = {batch.inputs_embeds, final_hidden};
  batch.images = {{0, 1, 3, SampleMode::Vdep}, {1, 1, 3, SampleMode::Llava}};
  batch.sample_modes = {SampleMode::Vdep, SampleMode::Llava};
  return batch;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST(VdepObjective, EachVariantEqualsTheHandComputedValue) {
  struct Case {
    const char* variant;
    std::int64_t shift;
    const char* reduction;
    double expected;
  };
  const Case cases[] = {
      {"l2", 0, "mean", 19.0 / 6},          {"l2", 1, "mean", 39.0 / 6},
      {"l2", 0, "sum_dims", 19.0 / 3},      {"l2", 1, "sum_dims", 39.0 / 3},
      {"sigmoid_l2", 0, "mean", sigmoid(19.0 / 6)},
      {"sigmoid_l2", 1, "mean", sigmoid(39.0 / 6)},
      {"inv_l2", 0, "mean", 1 - 1 / (1 + 19.0 / 6)},
      {"inv_l2", 1, "sum_dims", 1 - 1 / (1 + 39.0 / 3)},
  };
  for (const Case& c : cases) {
    for (bool detach : {false, true}) {
      const ObjectiveTerms terms = make_vdep(toml::table{{"alpha", 0.1},
                                                         {"variant", c.variant},
                                                         {"shift", c.shift},
                                                         {"reduction", c.reduction},
                                                         {"detach_target", detach}})
                                       ->compute(example_batch());
      SCOPED_TRACE(std::string(c.variant) + " shift " + std::to_string(c.shift) + " " + c.reduction +
                   (detach ? " detached" : ""));
      EXPECT_NEAR(total(terms), 0.1 * c.expected, 1e-6);
      ASSERT_EQ(terms.terms.size(), 2u);
      EXPECT_EQ(terms.terms[0].first, "image_loss");
      EXPECT_NEAR(terms.terms[0].second.item<double>(), c.expected, 1e-6);
    }
  }
}

TEST(VdepObjective, WeighsByTheShareOfTheGlobalBatchsVdepPositions) {
  ObjectiveBatch batch = example_batch();
  batch.vdep_image_tokens_in_global_batch = 12;  // this micro-batch holds 3 of them
  const ObjectiveTerms terms = make_vdep(toml::table{{"alpha", 1.0}, {"shift", 0}})->compute(batch);
  EXPECT_NEAR(total(terms), 19.0 / 6 * 3 / 12, 1e-6);
}

TEST(VdepObjective, HiddenLayerPicksTheHiddenState) {
  // hidden_states[0] is X itself: zero error at the same position.
  EXPECT_NEAR(total(make_vdep(toml::table{{"hidden_layer", 0}, {"shift", 0}})->compute(example_batch())), 0.0,
              1e-9);
  EXPECT_NEAR(total(make_vdep(toml::table{{"hidden_layer", -1}, {"shift", 0}, {"alpha", 1.0}})
                        ->compute(example_batch())),
              19.0 / 6, 1e-6);
  EXPECT_THROW(make_vdep(toml::table{{"hidden_layer", 2}})->compute(example_batch()), std::exception);
}

TEST(VdepObjective, LlavaModeImagesAloneGiveZero) {
  ObjectiveBatch batch = example_batch();
  batch.images[0].mode = SampleMode::Llava;
  EXPECT_EQ(total(make_vdep(toml::table{})->compute(batch)), 0.0);
}

TEST(VdepObjective, RequirementsFollowTextLossInVdepMode) {
  const ObjectiveRequirements needs = make_vdep(toml::table{})->requirements();
  EXPECT_TRUE(needs.hidden_states);
  EXPECT_FALSE(needs.logits);
  EXPECT_FALSE(needs.text_labels_in_vdep_mode);
  EXPECT_TRUE(make_vdep(toml::table{{"text_loss_in_vdep_mode", true}})->requirements().text_labels_in_vdep_mode);
}

// A projector with one weight w maps features x to X = w x; an "LLM" maps its input to H = a X.
// With shift 0 and l2 mean, L = mean((H - X)^2).
//   detach_target = false: L = (a - 1)^2 w^2 m, m = mean(x^2), so dL/dw = 2 (a - 1)^2 w m: the
//     projector is reached through the input (H) and through the target (X).
//   detach_target = true: the target is a constant w0 x, so dL/dw = 2 a (a w - w0) m = 2 a (a - 1) w m
//     at w = w0: through the input only.
TEST(VdepObjective, DetachTargetDecidesWhetherTheProjectorLearnsThroughTheTarget) {
  const double a = 3.0;
  const double w0 = 0.5;
  const at::Tensor x = at::tensor({1.0, -2.0, 0.5, 3.0, 2.0, 1.0}, at::kFloat).reshape({1, 3, 2});
  const double m = (1 + 4 + 0.25 + 9 + 4 + 1) / 6.0;
  for (bool detach : {false, true}) {
    const at::Tensor w = at::full({}, w0, at::kFloat).requires_grad_(true);
    ObjectiveBatch batch;
    batch.inputs_embeds = w * x;
    batch.hidden_states = {batch.inputs_embeds, a * batch.inputs_embeds};
    batch.images = {{0, 0, 3, SampleMode::Vdep}};
    batch.sample_modes = {SampleMode::Vdep};
    make_vdep(toml::table{{"alpha", 1.0}, {"shift", 0}, {"detach_target", detach}})->compute(batch).total.backward();
    const double expected = detach ? 2 * a * (a - 1) * w0 * m : 2 * (a - 1) * (a - 1) * w0 * m;
    EXPECT_NEAR(w.grad().item<double>(), expected, 1e-5) << (detach ? "detached" : "dynamic target");
  }
}

}  // namespace
}  // namespace vdep
