#include <gtest/gtest.h>

#include "train/batch_geometry.h"

namespace vdep {
namespace {

TEST(BatchGeometry, DerivesTheMissingThird) {
  // LLaVA-1.5 pre-training: global 256 on 8 GPUs at 32 per device → no accumulation.
  BatchGeometry paper = resolve_batch_geometry(256, 32, std::nullopt, 8);
  EXPECT_EQ(paper.gradient_accumulation, 1);
  BatchGeometry accumulated = resolve_batch_geometry(128, 4, std::nullopt, 2);
  EXPECT_EQ(accumulated.gradient_accumulation, 16);
  BatchGeometry micro = resolve_batch_geometry(128, std::nullopt, 4, 2);
  EXPECT_EQ(micro.micro_batch_size, 16);
  BatchGeometry global = resolve_batch_geometry(std::nullopt, 2, 4, 1);
  EXPECT_EQ(global.global_batch_size(), 8);
}

TEST(BatchGeometry, InconsistentOrIncompleteIsAnError) {
  EXPECT_THROW(resolve_batch_geometry(100, 8, std::nullopt, 1), std::invalid_argument);  // 100 % 8
  EXPECT_THROW(resolve_batch_geometry(64, 8, 2, 1), std::invalid_argument);             // 8 x 2 != 64
  EXPECT_THROW(resolve_batch_geometry(64, std::nullopt, std::nullopt, 1), std::invalid_argument);
  EXPECT_THROW(resolve_batch_geometry(64, 0, std::nullopt, 1), std::invalid_argument);
  try {
    resolve_batch_geometry(64, 8, 2, 2);
    FAIL();
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "global_batch_size 64 != micro_batch_size 8 x gradient_accumulation 2 x 2 process(es) = 32");
  }
}

}  // namespace
}  // namespace vdep
