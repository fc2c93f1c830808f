// Nucleus filtering on hand-made distributions, and the sampler's draws against the distribution
// they should follow.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include <ATen/ops/tensor.h>

#include "generation/token_sampling.h"

namespace vdep {
namespace {

std::vector<std::int64_t> kept_ids(const at::Tensor& filtered) {
  std::vector<std::int64_t> ids;
  for (std::int64_t id = 0; id < filtered.size(0); ++id) {
    if (filtered[id].item<double>() > 0) {
      ids.push_back(id);
    }
  }
  return ids;
}

std::vector<std::int64_t> nucleus(const std::vector<float>& probs, double top_p) {
  return kept_ids(nucleus_filter(at::tensor(probs), top_p));
}

TEST(NucleusFilter, KeepsTheSmallestPrefixThatReachesTopP) {
  const std::vector<float> probs = {0.5F, 0.3F, 0.15F, 0.05F};
  EXPECT_EQ(nucleus(probs, 0.8), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(nucleus(probs, 0.81), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(nucleus(probs, 0.5), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(nucleus(probs, 0.96), (std::vector<std::int64_t>{0, 1, 2, 3}));
}

TEST(NucleusFilter, AlwaysKeepsTheMostProbableToken) {
  EXPECT_EQ(nucleus({0.1F, 0.6F, 0.3F}, 0.01), (std::vector<std::int64_t>{1}));
}

TEST(NucleusFilter, RanksByProbabilityNotIdAndLeavesKeptValuesAlone) {
  at::Tensor filtered = nucleus_filter(at::tensor(std::vector<float>{0.15F, 0.5F, 0.05F, 0.3F}), 0.8);
  EXPECT_EQ(kept_ids(filtered), (std::vector<std::int64_t>{1, 3}));
  EXPECT_FLOAT_EQ(filtered[1].item<float>(), 0.5F);
  EXPECT_FLOAT_EQ(filtered[3].item<float>(), 0.3F);
}

TEST(NucleusFilter, LowerIdsWinTiesAtTheBoundary) {
  const std::vector<float> uniform = {0.25F, 0.25F, 0.25F, 0.25F};
  EXPECT_EQ(nucleus(uniform, 0.5), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(nucleus(uniform, 0.6), (std::vector<std::int64_t>{0, 1, 2}));
}

TEST(NucleusFilter, TopPOneKeepsEveryToken) {
  // In float the cumulative sum is already 1 before the tiny probabilities: they must stay anyway.
  const std::vector<float> probs = {1.0F, 1e-8F, 1e-8F};
  EXPECT_EQ(nucleus(probs, 1.0), (std::vector<std::int64_t>{0, 1, 2}));
}

TEST(TokenSampler, GreedyTakesTheArgmaxAndTheLowestIdOnTies) {
  TokenSampler greedy(/*temperature=*/0.0, /*top_p=*/1.0, /*seed=*/0);
  EXPECT_EQ(greedy.next(at::tensor(std::vector<float>{1.0F, 3.0F, 3.0F, 2.0F})), 1);
  EXPECT_EQ(greedy.next(at::tensor(std::vector<float>{-1.0F, -3.0F, 0.5F})), 2);
}

std::vector<std::int64_t> draws(std::uint64_t seed, std::int64_t count) {
  TokenSampler sampler(/*temperature=*/1.0, /*top_p=*/1.0, seed);
  const at::Tensor logits = at::tensor(std::vector<float>{0.0F, 0.1F, -0.1F, 0.2F, 0.0F});
  std::vector<std::int64_t> ids;
  for (std::int64_t i = 0; i < count; ++i) {
    ids.push_back(sampler.next(logits));
  }
  return ids;
}

TEST(TokenSampler, TheSameSeedGivesTheSameDraws) {
  EXPECT_EQ(draws(5, 40), draws(5, 40));
  EXPECT_NE(draws(5, 40), draws(6, 40));
}

// Pearson's statistic of `count` draws from `sampler` against `expected` probabilities.
double chi_square(TokenSampler& sampler, const at::Tensor& logits, const std::vector<double>& expected, int count) {
  std::vector<int> observed(expected.size(), 0);
  for (int i = 0; i < count; ++i) {
    ++observed.at(static_cast<std::size_t>(sampler.next(logits)));
  }
  double statistic = 0;
  for (std::size_t id = 0; id < expected.size(); ++id) {
    if (expected[id] == 0) {
      EXPECT_EQ(observed[id], 0) << "token " << id << " lies outside the distribution";
      continue;
    }
    const double expected_count = expected[id] * count;
    statistic += (observed[id] - expected_count) * (observed[id] - expected_count) / expected_count;
  }
  return statistic;
}

std::vector<double> softmax(const std::vector<double>& logits, double temperature) {
  std::vector<double> probs;
  double sum = 0;
  for (double logit : logits) {
    probs.push_back(std::exp(logit / temperature));
    sum += probs.back();
  }
  for (double& prob : probs) {
    prob /= sum;
  }
  return probs;
}

// The draws are deterministic for a seed, so the bounds (upper 0.1 % quantiles of chi-square with
// 4 and 1 degrees of freedom) cannot flake; a wrong temperature or a leaky filter exceeds them by far.
TEST(TokenSampler, DrawsFollowTheSoftmaxOfLogitsOverTemperature) {
  const std::vector<double> logits = {1.0, 0.5, 0.0, -1.0, -2.0};
  const at::Tensor logit_tensor = at::tensor(logits).to(at::kFloat);
  for (double temperature : {0.7, 2.0}) {
    TokenSampler sampler(temperature, /*top_p=*/1.0, /*seed=*/123);
    EXPECT_LT(chi_square(sampler, logit_tensor, softmax(logits, temperature), 20000), 18.47)
        << "temperature " << temperature;
  }
}

TEST(TokenSampler, DrawsOnlyFromTheNucleusInProportion) {
  const at::Tensor logits = at::tensor(std::vector<double>{0.5, 0.3, 0.15, 0.05}).log().to(at::kFloat);
  TokenSampler sampler(/*temperature=*/1.0, /*top_p=*/0.8, /*seed=*/9);
  EXPECT_LT(chi_square(sampler, logits, {0.5 / 0.8, 0.3 / 0.8, 0.0, 0.0}, 10000), 10.83);
}

}  // namespace
}  // namespace vdep
