// The `contrastive` plugin against InfoNCE worked out by hand on a text tower reduced to a lookup.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include <torch/torch.h>

#include <vdep/objective.h>

#include "support/bundled_component.h"

namespace vdep {
namespace {

constexpr std::int64_t kWidth = 8;
constexpr std::int64_t kVocab = 16;

std::unique_ptr<Objective> make_contrastive(toml::table settings = {}) {
  settings.insert_or_assign("width", kWidth);
  settings.insert_or_assign("projection_dim", kWidth);
  settings.insert_or_assign("heads", 2);
  settings.insert_or_assign("layers", 1);
  auto objective = test::make_bundled<Objective>(PluginKind::Objective, "objectives", "contrastive", std::move(settings));
  ModelDimensions dimensions;
  dimensions.encoder_hidden_size = kWidth;
  dimensions.llm_hidden_size = 32;
  dimensions.vocab_size = kVocab;
  objective->bind(dimensions);
  return objective;
}

at::Tensor ids(const std::vector<std::int64_t>& values) { return torch::tensor(values, torch::kLong); }

std::map<std::string, at::Tensor> parameters_of(Objective& objective) {
  std::map<std::string, at::Tensor> parameters;
  for (const auto& item : objective.module()->named_parameters()) parameters.emplace(item.key(), item.value());
  return parameters;
}

// Zero attention and MLP outputs make every layer the identity; with zero positions, identity
// projections and a plain final LayerNorm, a text's embedding is LayerNorm(E[its last token]).
at::Tensor reduce_to_lookup(Objective& objective, double logit_scale) {
  torch::NoGradGuard no_grad;
  auto parameters = parameters_of(objective);
  const at::Tensor table = torch::randn({kVocab, kWidth}, torch::TensorOptions().dtype(torch::kFloat));
  for (auto& [name, tensor] : parameters) {
    if (name == "text_model.token_embedding.weight") {
      tensor.copy_(table);
    } else if (name == "text_model.text_projection.weight" || name == "visual_projection.weight") {
      tensor.copy_(torch::eye(kWidth));
    } else if (name.find("layer_norm") != std::string::npos && name.find(".weight") != std::string::npos) {
      tensor.fill_(1.0);
    } else if (name == "logit_scale") {
      tensor.fill_(std::log(logit_scale));
    } else {
      tensor.zero_();
    }
  }
  return table;
}

std::vector<double> normalised(std::vector<double> v) {
  double norm = 0;
  for (double x : v) norm += x * x;
  for (double& x : v) x /= std::sqrt(norm);
  return v;
}

std::vector<double> layer_norm(const at::Tensor& row) {
  std::vector<double> v(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
  double mean = 0, variance = 0;
  for (double x : v) mean += x / v.size();
  for (double x : v) variance += (x - mean) * (x - mean) / v.size();
  for (double& x : v) x = (x - mean) / std::sqrt(variance + 1e-5);
  return v;
}

// Mean over pairs of (cross-entropy image→text + text→image) / 2.
double info_nce(const std::vector<std::vector<double>>& images, const std::vector<std::vector<double>>& texts,
                double scale) {
  const std::size_t n = images.size();
  std::vector<std::vector<double>> logits(n, std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double dot = 0;
      for (std::size_t k = 0; k < images[i].size(); ++k) dot += images[i][k] * texts[j][k];
      logits[i][j] = scale * dot;
    }
  }
  double loss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double rows = 0, columns = 0;
    for (std::size_t j = 0; j < n; ++j) {
      rows += std::exp(logits[i][j]);
      columns += std::exp(logits[j][i]);
    }
    loss += 0.5 * ((std::log(rows) - logits[i][i]) + (std::log(columns) - logits[i][i])) / n;
  }
  return loss;
}

// Four samples; sample 1 holds two images, of which the first is its pair; sample 2's text is
// masked out entirely, so it takes no part.
ObjectiveBatch example_batch(const at::Tensor& pooled) {
  ObjectiveBatch batch;
  const std::int64_t I = kIgnoreIndex;
  batch.labels = ids({I, 3, 5, I, I,  //
                      I, I, 7, I, I,  //
                      I, I, I, I, I,  //
                      I, 2, 9, 4, 11})
                     .view({4, 5});
  batch.image_pooled = pooled;
  batch.image_rows = {0, 1, 1, 2, 3};
  batch.sample_modes.assign(4, SampleMode::Llava);
  return batch;
}

TEST(ContrastiveObjective, EqualsInfoNceWorkedOutByHand) {
  torch::manual_seed(3);
  const auto objective = make_contrastive();
  const at::Tensor table = reduce_to_lookup(*objective, 10.0);
  const at::Tensor pooled = torch::randn({5, kWidth});
  const ObjectiveTerms terms = objective->compute(example_batch(pooled));

  auto row = [&](const at::Tensor& t, std::int64_t i) {
    const at::Tensor r = t[i].contiguous();
    return std::vector<double>(r.data_ptr<float>(), r.data_ptr<float>() + r.numel());
  };
  const std::vector<std::vector<double>> images = {normalised(row(pooled, 0)), normalised(row(pooled, 1)),
                                                   normalised(row(pooled, 4))};
  const std::vector<std::vector<double>> texts = {normalised(layer_norm(table[5].contiguous())),
                                                  normalised(layer_norm(table[7].contiguous())),
                                                  normalised(layer_norm(table[11].contiguous()))};
  EXPECT_NEAR(terms.total.item<double>(), info_nce(images, texts, 10.0), 1e-5);
}

TEST(ContrastiveObjective, IndistinguishablePairsCostLogN) {
  const auto objective = make_contrastive();
  ObjectiveBatch batch;
  batch.labels = ids({kIgnoreIndex, 3, 4}).repeat({4, 1});
  batch.image_pooled = torch::ones({4, kWidth});
  batch.image_rows = {0, 1, 2, 3};
  batch.sample_modes.assign(4, SampleMode::Llava);
  EXPECT_NEAR(objective->compute(batch).total.item<double>(), std::log(4.0), 1e-5);

  // A micro-batch of 4 in a step of 16 samples carries a quarter of the step's loss.
  batch.samples_in_global_batch = 16;
  EXPECT_NEAR(objective->compute(batch).total.item<double>(), std::log(4.0) / 4, 1e-5);
}

TEST(ContrastiveObjective, TextEmbeddingsIgnoreThePaddingAfterTheText) {
  const auto objective = make_contrastive();
  // The short text is padded with token 0 up to the long one's length. Causal attention and
  // pooling at the last real token keep the padding out: token 0's embedding cannot matter, while
  // that of a token the texts hold does.
  ObjectiveBatch batch;
  batch.labels = ids({kIgnoreIndex, 3, 4, kIgnoreIndex, kIgnoreIndex, kIgnoreIndex, 6, 8, 9, 10}).view({2, 5});
  batch.image_pooled = torch::randn({2, kWidth});
  batch.image_rows = {0, 1};
  batch.sample_modes.assign(2, SampleMode::Llava);
  const double before = objective->compute(batch).total.item<double>();
  at::Tensor embedding = parameters_of(*objective)["text_model.token_embedding.weight"];
  torch::NoGradGuard no_grad;
  embedding[0].add_(1.0);
  EXPECT_NEAR(objective->compute(batch).total.item<double>(), before, 1e-6);
  embedding[4].add_(1.0);  // the short text's last token
  EXPECT_GT(std::abs(objective->compute(batch).total.item<double>() - before), 1e-6);
}

TEST(ContrastiveObjective, GradientReachesImagesTextTowerAndTemperature) {
  const auto objective = make_contrastive();
  torch::manual_seed(5);
  ObjectiveBatch batch = example_batch(torch::randn({5, kWidth}).requires_grad_());
  objective->compute(batch).total.backward();
  EXPECT_GT(batch.image_pooled.grad().abs().sum().item<double>(), 0);
  auto parameters = parameters_of(*objective);
  for (const char* name : {"logit_scale", "visual_projection.weight", "text_model.token_embedding.weight",
                           "text_model.encoder.layers.0.self_attn.q_proj.weight", "text_model.text_projection.weight"}) {
    ASSERT_TRUE(parameters.count(name)) << name;
    ASSERT_TRUE(parameters[name].grad().defined()) << name;
    EXPECT_GT(parameters[name].grad().abs().sum().item<double>(), 0) << name;
  }
}

TEST(ContrastiveObjective, FixedTemperatureIsNoParameter) {
  const auto objective = make_contrastive(toml::table{{"learn_temperature", false}});
  EXPECT_EQ(parameters_of(*objective).count("logit_scale"), 0u);
  EXPECT_FALSE(objective->requirements().logits);
  EXPECT_TRUE(objective->requirements().image_pooled);
}

}  // namespace
}  // namespace vdep
