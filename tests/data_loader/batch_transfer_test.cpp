// A micro-batch's move to the training device; on CPU it must cost nothing. The GPU path (pinned
// memory, asynchronous copies) needs a CUDA LibTorch and a GPU.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "data/batch_transfer.h"

namespace vdep {
namespace {

TEST(BatchTransferTest, ABatchOnTheCpuStaysWhereItIs) {
  CollatedBatch batch;
  batch.input_ids = {{1, 2, 3}};
  batch.pixel_values = torch::rand({1, 3, 4, 4});
  const at::Tensor pixels = batch.pixel_values;
  move_to_device(batch, c10::Device(c10::DeviceType::CPU));
  EXPECT_TRUE(batch.pixel_values.is_same(pixels));
}

TEST(BatchTransferTest, ABatchWithoutImagesHasNothingToMove) {
  CollatedBatch batch;
  batch.input_ids = {{1, 2, 3}};
  move_to_device(batch, c10::Device(c10::DeviceType::CUDA, 0));
  EXPECT_FALSE(batch.pixel_values.defined());
}

}  // namespace
}  // namespace vdep
