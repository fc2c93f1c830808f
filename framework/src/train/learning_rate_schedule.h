// The learning rate at each optimizer step, as HF transformers' schedulers compute it (LLaVA and
// TinyLLaVA train with get_cosine_schedule_with_warmup), so that a run's lr curve is the reference
// one step for step.
#pragma once

#include <cstdint>
#include <string>

namespace vdep {

enum class LearningRateShape { Cosine, Linear, Constant };

struct LearningRateSchedule {
  LearningRateShape shape = LearningRateShape::Cosine;
  double peak = 1e-3;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 1;

  // The rate of optimizer step `step` (0 = the first update). Warmup rises linearly from 0 at step
  // 0 to the peak at warmup_steps; then cosine falls by 0.5 (1 + cos(pi progress)) and linear by
  // (total - step) / (total - warmup) towards 0 at total_steps; constant stays at the peak.
  double at(std::int64_t step) const;
};

// "cosine" | "linear" | "constant"; throws std::invalid_argument listing them.
LearningRateShape learning_rate_shape(const std::string& name);

// HF's TrainingArguments.get_warmup_steps: ceil(total_steps * ratio).
std::int64_t warmup_steps_from_ratio(std::int64_t total_steps, double ratio);

}  // namespace vdep
