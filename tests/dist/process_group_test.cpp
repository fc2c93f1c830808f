#include "dist/process_group.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "thread_ranks.h"

namespace vdep {
namespace {

TEST(ProcessGroupTest, AllReduceSumsOverRanks) {
  test::run_thread_ranks(3, [](ProcessGroup& group) {
    at::Tensor values = at::full({4}, static_cast<double>(group.rank() + 1), at::kFloat);
    group.all_reduce_sum(values);
    EXPECT_TRUE(at::equal(values, at::full({4}, 6.0, at::kFloat))) << values;
  });
}

TEST(ProcessGroupTest, BroadcastCopiesTheRootsValues) {
  test::run_thread_ranks(2, [](ProcessGroup& group) {
    at::Tensor values = at::arange(5, at::kFloat) * (group.rank() == 1 ? 10 : -1);
    group.broadcast(values, 1);
    EXPECT_TRUE(at::equal(values, at::arange(5, at::kFloat) * 10)) << values;
  });
}

TEST(ProcessGroupTest, ReduceSumsOverRanksIntoTheRoot) {
  test::run_thread_ranks(3, [](ProcessGroup& group) {
    // A view into a larger buffer, as ZeRO-2's per-shard reduces use it: the rest stays as it was.
    at::Tensor buffer = at::full({6}, -1.0, at::kFloat);
    at::Tensor values = buffer.narrow(0, 1, 4);
    values.copy_(at::arange(4, at::kFloat) * (group.rank() + 1));
    group.reduce_sum(values, 2);
    if (group.rank() == 2) {
      EXPECT_TRUE(at::equal(values, at::arange(4, at::kFloat) * 6)) << values;
    }
    EXPECT_EQ(buffer[0].item<float>(), -1.0f);
    EXPECT_EQ(buffer[5].item<float>(), -1.0f);
  });
}

TEST(ProcessGroupTest, AllGatherCollectsEveryRanksShard) {
  test::run_thread_ranks(2, [](ProcessGroup& group) {
    at::Tensor own = at::full({3}, static_cast<double>(group.rank() + 7), at::kFloat);
    at::Tensor gathered = at::zeros({6}, at::kFloat);
    std::vector<at::Tensor> shards = gathered.split(3);
    group.all_gather(shards, own);
    EXPECT_TRUE(at::equal(gathered, at::cat({at::full({3}, 7.0), at::full({3}, 8.0)}).to(at::kFloat))) << gathered;
  });
}

TEST(ProcessGroupTest, RejectsAnUnknownBackendName) {
  EXPECT_EQ(parse_communication_backend("gloo"), CommunicationBackend::Gloo);
  EXPECT_EQ(parse_communication_backend("auto"), CommunicationBackend::Auto);
  EXPECT_THROW(parse_communication_backend("mpi"), std::invalid_argument);
}

}  // namespace
}  // namespace vdep
