#include "dist/gradient_reducer.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "thread_ranks.h"

namespace vdep {
namespace {

constexpr int kLayers = 4;
constexpr int kWidth = 16;

// A chain of tanh layers with weights from a fixed seed, so every rank (thread) builds the same
// model without the shared global generator.
struct Chain {
  std::vector<at::Tensor> parameters;  // weight, bias per layer, then an extra head
  Chain() {
    at::Generator generator = at::detail::createCPUGenerator(7);
    for (int layer = 0; layer < kLayers; ++layer) {
      parameters.push_back((at::randn({kWidth, kWidth}, generator) * 0.3).requires_grad_());
      parameters.push_back((at::randn({kWidth}, generator) * 0.1).requires_grad_());
    }
    parameters.push_back((at::randn({kWidth}, generator)).requires_grad_());
  }
  // `with_head` = false leaves the last parameter out of the graph.
  at::Tensor loss(const at::Tensor& input, bool with_head) const {
    at::Tensor hidden = input;
    for (int layer = 0; layer < kLayers; ++layer) {
      hidden = at::tanh(at::matmul(hidden, parameters[2 * layer]) + parameters[2 * layer + 1]);
    }
    at::Tensor loss = hidden.pow(2).sum();
    if (with_head) loss = loss + at::matmul(hidden, parameters.back()).sum();
    return loss;
  }
};

at::Tensor input_of(int rank, int micro) {
  at::Generator generator = at::detail::createCPUGenerator(100 + 10 * rank + micro);
  return at::randn({3, kWidth}, generator);
}

// Gradients of the sum of every rank's and micro-step's loss, in one process.
std::vector<at::Tensor> reference_gradients(int ranks, int micro_steps, bool rank1_without_head) {
  Chain chain;
  at::Tensor total;
  for (int rank = 0; rank < ranks; ++rank) {
    for (int micro = 0; micro < micro_steps; ++micro) {
      const at::Tensor loss = chain.loss(input_of(rank, micro), !(rank1_without_head && rank == 1));
      total = total.defined() ? total + loss : loss;
    }
  }
  total.backward();
  std::vector<at::Tensor> gradients;
  for (const at::Tensor& parameter : chain.parameters) gradients.push_back(parameter.grad().clone());
  return gradients;
}

void expect_gradients(const Chain& chain, const std::vector<at::Tensor>& expected, int rank) {
  for (std::size_t index = 0; index < expected.size(); ++index) {
    ASSERT_TRUE(chain.parameters[index].grad().defined()) << "rank " << rank << " parameter " << index;
    EXPECT_TRUE(at::allclose(chain.parameters[index].grad(), expected[index], 1e-5, 1e-6))
        << "rank " << rank << " parameter " << index;
  }
}

TEST(GradientReducerTest, SumsGradientsOverRanksInBucketsStartedDuringBackward) {
  const std::vector<at::Tensor> expected = reference_gradients(2, 1, false);
  test::run_thread_ranks(2, [&](ProcessGroup& group) {
    Chain chain;
    // One 16x16 fp32 weight is 1 KiB: 2 KiB buckets give several.
    GradientReducer reducer(group, chain.parameters, 2048);
    EXPECT_GE(reducer.bucket_count(), 4u);
    reducer.prepare_backward(true);
    chain.loss(input_of(group.rank(), 0), true).backward();
    // Every parameter is in the graph: every bucket started from a hook, before backward returned.
    EXPECT_EQ(reducer.buckets_started_in_backward(), reducer.bucket_count());
    reducer.finish();
    expect_gradients(chain, expected, group.rank());
  });
}

TEST(GradientReducerTest, OnlyTheLastMicroStepSyncs) {
  const std::vector<at::Tensor> expected = reference_gradients(2, 2, false);
  test::run_thread_ranks(2, [&](ProcessGroup& group) {
    Chain chain;
    GradientReducer reducer(group, chain.parameters, 2048);
    reducer.prepare_backward(false);
    chain.loss(input_of(group.rank(), 0), true).backward();
    // Not synced yet: this rank's own gradient only.
    const at::Tensor local = chain.parameters.front().grad().clone();
    reducer.prepare_backward(true);
    chain.loss(input_of(group.rank(), 1), true).backward();
    reducer.finish();
    expect_gradients(chain, expected, group.rank());
    EXPECT_FALSE(at::allclose(local * 2, chain.parameters.front().grad(), 1e-3, 1e-4));
  });
}

TEST(GradientReducerTest, AParameterOutsideOneRanksGraphCountsAsZeroThere) {
  const std::vector<at::Tensor> expected = reference_gradients(2, 1, true);
  test::run_thread_ranks(2, [&](ProcessGroup& group) {
    Chain chain;
    GradientReducer reducer(group, chain.parameters, 2048);
    reducer.prepare_backward(true);
    chain.loss(input_of(group.rank(), 0), group.rank() == 0).backward();
    // The head is the first bucket's: on rank 1 it never becomes ready, so no bucket starts early.
    if (group.rank() == 1) {
      EXPECT_EQ(reducer.buckets_started_in_backward(), 0u);
    }
    reducer.finish();
    expect_gradients(chain, expected, group.rank());
  });
}

}  // namespace
}  // namespace vdep
