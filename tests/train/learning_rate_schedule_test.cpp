// Learning rates at chosen steps, against HF transformers' schedule formulas evaluated by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "train/learning_rate_schedule.h"

namespace vdep {
namespace {

// LLaVA-1.5 pre-training on CC-558K: 558128 / 256 = 2181 steps (rounded up: 2181 with
// dataloader_drop_last false), warmup_ratio 0.03 → ceil(65.43) = 66 warmup steps.
TEST(LearningRateSchedule, WarmupStepsRoundUpAsHfDoes) {
  EXPECT_EQ(warmup_steps_from_ratio(2181, 0.03), 66);
  EXPECT_EQ(warmup_steps_from_ratio(100, 0.03), 3);
  EXPECT_EQ(warmup_steps_from_ratio(100, 0.0), 0);
}

TEST(LearningRateSchedule, CosineWithWarmupAtChosenSteps) {
  const LearningRateSchedule schedule{LearningRateShape::Cosine, 1e-3, 10, 110};
  EXPECT_DOUBLE_EQ(schedule.at(0), 0.0);       // HF's first update has lr 0 under warmup
  EXPECT_DOUBLE_EQ(schedule.at(5), 0.5e-3);
  EXPECT_DOUBLE_EQ(schedule.at(10), 1e-3);     // peak at the end of warmup
  EXPECT_NEAR(schedule.at(35), 1e-3 * 0.5 * (1 + std::cos(M_PI * 0.25)), 1e-15);  // 25 of 100
  EXPECT_NEAR(schedule.at(60), 0.5e-3, 1e-15);  // halfway
  EXPECT_NEAR(schedule.at(109), 1e-3 * 0.5 * (1 + std::cos(M_PI * 0.99)), 1e-15);
  EXPECT_NEAR(schedule.at(110), 0.0, 1e-18);
}

TEST(LearningRateSchedule, LinearAndConstant) {
  const LearningRateSchedule linear{LearningRateShape::Linear, 2e-5, 4, 104};
  EXPECT_DOUBLE_EQ(linear.at(2), 1e-5);
  EXPECT_DOUBLE_EQ(linear.at(4), 2e-5);
  EXPECT_NEAR(linear.at(54), 1e-5, 1e-18);
  EXPECT_DOUBLE_EQ(linear.at(104), 0.0);
  const LearningRateSchedule constant{LearningRateShape::Constant, 2e-5, 4, 104};
  EXPECT_DOUBLE_EQ(constant.at(1), 0.5e-5);
  EXPECT_DOUBLE_EQ(constant.at(90), 2e-5);
}

TEST(LearningRateSchedule, NoWarmupStartsAtThePeak) {
  const LearningRateSchedule schedule{LearningRateShape::Cosine, 1e-3, 0, 4};
  EXPECT_DOUBLE_EQ(schedule.at(0), 1e-3);
  EXPECT_NEAR(schedule.at(2), 0.5e-3, 1e-15);
}

TEST(LearningRateSchedule, ShapeNames) {
  EXPECT_EQ(learning_rate_shape("cosine"), LearningRateShape::Cosine);
  EXPECT_EQ(learning_rate_shape("linear"), LearningRateShape::Linear);
  EXPECT_THROW(learning_rate_shape("step"), std::invalid_argument);
}

}  // namespace
}  // namespace vdep
