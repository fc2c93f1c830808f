// The decoder building blocks of libvdep on their own: rotary angles against the closed form,
// masks and default positions against their definitions, attention on rows that see no real key.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/torch.h>

#include <vdep/nn/causal_attention.h>
#include <vdep/nn/rotary_embedding.h>

namespace vdep::nn {
namespace {

TEST(RotaryEmbedding, AnglesAreCosAndSinOfPositionTimesFrequency) {
  const std::vector<std::int64_t> positions = {0, 1, 7, 100};
  const std::int64_t rotary_dim = 8;
  const double theta = 10000.0;
  const auto rotary = rotary_cos_sin(torch::tensor(positions).view({1, 4}), rotary_dim, theta, torch::kFloat);
  ASSERT_EQ(rotary.cos.sizes(), (std::vector<std::int64_t>{1, 4, rotary_dim}));
  for (std::size_t p = 0; p < positions.size(); ++p) {
    for (std::int64_t c = 0; c < rotary_dim; ++c) {
      const auto i = c % (rotary_dim / 2);  // both halves of a head share the pair's frequency
      const double angle = static_cast<double>(positions[p]) * std::pow(theta, -2.0 * static_cast<double>(i) / rotary_dim);
      EXPECT_NEAR(rotary.cos[0][p][c].item<float>(), std::cos(angle), 1e-5) << "position " << positions[p] << " dim " << c;
      EXPECT_NEAR(rotary.sin[0][p][c].item<float>(), std::sin(angle), 1e-5) << "position " << positions[p] << " dim " << c;
    }
  }
}

TEST(RotaryEmbedding, PartialRotaryTurnsPairsAndLeavesTheOtherDimsUntouched) {
  const std::int64_t head_dim = 12;
  const std::int64_t rotary_dim = 8;
  torch::manual_seed(0);
  const auto x = torch::randn({1, 2, 3, head_dim});  // [batch, heads, positions, head_dim]
  const auto rotary = rotary_cos_sin(torch::tensor({0, 5, 9}).view({1, 3}), rotary_dim, 100.0, torch::kFloat);
  const auto y = apply_rotary(x, rotary);
  ASSERT_EQ(y.sizes(), x.sizes());
  EXPECT_TRUE(torch::equal(y.narrow(-1, rotary_dim, head_dim - rotary_dim), x.narrow(-1, rotary_dim, head_dim - rotary_dim)));
  const std::int64_t positions[] = {0, 5, 9};
  for (std::int64_t h = 0; h < 2; ++h) {
    for (std::int64_t p = 0; p < 3; ++p) {
      for (std::int64_t i = 0; i < rotary_dim / 2; ++i) {
        const double angle = static_cast<double>(positions[p]) * std::pow(100.0, -2.0 * static_cast<double>(i) / rotary_dim);
        const double a = x[0][h][p][i].item<float>();
        const double b = x[0][h][p][i + rotary_dim / 2].item<float>();
        EXPECT_NEAR(y[0][h][p][i].item<float>(), a * std::cos(angle) - b * std::sin(angle), 1e-5);
        EXPECT_NEAR(y[0][h][p][i + rotary_dim / 2].item<float>(), b * std::cos(angle) + a * std::sin(angle), 1e-5);
      }
    }
  }
  // A rotation: each pair keeps its length.
  EXPECT_TRUE(torch::allclose(y.pow(2).sum(-1), x.pow(2).sum(-1), 1e-5, 1e-5));
}

TEST(CausalPaddingMask, QueriesSeeEarlierRealKeysAndEmptyRowsSeeEverything) {
  // Two cached positions and three new ones; row 0 is left-padded by three, row 1 right-padded by one.
  const auto attention_mask = torch::tensor({0, 0, 0, 1, 1, 1, 1, 1, 1, 0}, torch::kLong).view({2, 5});
  const auto mask = causal_padding_mask(attention_mask, 3);
  ASSERT_EQ(mask.sizes(), (std::vector<std::int64_t>{2, 1, 3, 5}));
  for (std::int64_t b = 0; b < 2; ++b) {
    for (std::int64_t i = 0; i < 3; ++i) {
      bool any = false;
      for (std::int64_t j = 0; j < 5; ++j) any |= j <= 2 + i && attention_mask[b][j].item<std::int64_t>() == 1;
      for (std::int64_t j = 0; j < 5; ++j) {
        const bool expected = any ? (j <= 2 + i && attention_mask[b][j].item<std::int64_t>() == 1) : true;
        EXPECT_EQ(mask[b][0][i][j].item<bool>(), expected) << "batch " << b << " query " << i << " key " << j;
      }
    }
  }
  EXPECT_TRUE(mask[0][0][0].all().item<bool>());  // query at position 2 of row 0 has no real key yet
}

TEST(DecoderStep, PositionsCountRealTokensAndContinueAfterTheCache) {
  LlmInputs inputs;
  inputs.inputs_embeds = torch::zeros({2, 2, 4});
  inputs.attention_mask = torch::tensor({0, 0, 1, 1, 1, 1, 1, 1, 0, 0}, torch::kLong).view({2, 5});
  KvCache cache;
  cache.keys = {torch::zeros({2, 1, 3, 4})};
  cache.values = {torch::zeros({2, 1, 3, 4})};
  const DecoderStep step = prepare_decoder_step(inputs, 4, &cache);
  EXPECT_EQ(step.cached_length, 3);
  // cumsum - 1 clamped at 0: row 0 [0, 0, 0, 1, 2], row 1 [0, 1, 2, 2, 2]; the new ones are the last two.
  EXPECT_TRUE(torch::equal(step.position_ids, torch::tensor({1, 2, 2, 2}, torch::kLong).view({2, 2})));
  ASSERT_TRUE(step.mask.defined());
  EXPECT_EQ(step.mask.sizes(), (std::vector<std::int64_t>{2, 1, 2, 5}));

  inputs.attention_mask = torch::ones({2, 5}, torch::kLong);
  const DecoderStep unpadded = prepare_decoder_step(inputs, 4, &cache);
  EXPECT_FALSE(unpadded.mask.defined());  // nothing padded: causal order is the whole mask
  inputs.attention_mask = at::Tensor();
  EXPECT_TRUE(torch::equal(prepare_decoder_step(inputs, 4, &cache).position_ids,
                           torch::tensor({3, 4, 3, 4}, torch::kLong).view({2, 2})));
  inputs.inputs_embeds = torch::zeros({2, 2, 5});
  EXPECT_THROW(prepare_decoder_step(inputs, 4, &cache), std::exception);
}

TEST(CausalAttention, GroupedHeadsReadTheirKvHeadAndPaddingRowsStayFinite) {
  torch::manual_seed(1);
  const auto q = torch::randn({1, 4, 3, 8});
  const auto k = torch::randn({1, 2, 3, 8});
  const auto v = torch::randn({1, 2, 3, 8});
  const auto mask = causal_padding_mask(torch::tensor({0, 1, 1}, torch::kLong).view({1, 3}), 3);
  CausalAttentionOptions options;
  options.return_probabilities = true;
  const auto output = causal_attention(q, k, v, mask, options);
  ASSERT_EQ(output.context.sizes(), (std::vector<std::int64_t>{1, 3, 32}));
  EXPECT_TRUE(torch::isfinite(output.context).all().item<bool>());
  // Query head 3 reads kv head 1; its last query sees keys 1 and 2 (key 0 is padding).
  const auto scores = torch::mv(k[0][1].narrow(0, 1, 2), q[0][3][2]) / std::sqrt(8.0);
  const auto expected = torch::mv(v[0][1].narrow(0, 1, 2).t(), torch::softmax(scores, 0));
  EXPECT_TRUE(torch::allclose(output.context[0][2].narrow(0, 24, 8), expected, 1e-5, 1e-6));
  EXPECT_FLOAT_EQ(output.probabilities[0][3][2][0].item<float>(), 0.0f);
}

}  // namespace
}  // namespace vdep::nn
