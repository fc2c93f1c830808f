#include "train/learning_rate_schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vdep {

double LearningRateSchedule::at(std::int64_t step) const {
  if (step < warmup_steps) {
    return peak * static_cast<double>(step) / static_cast<double>(std::max<std::int64_t>(1, warmup_steps));
  }
  const double decay_steps = static_cast<double>(std::max<std::int64_t>(1, total_steps - warmup_steps));
  const double progress = static_cast<double>(step - warmup_steps) / decay_steps;
  switch (shape) {
    case LearningRateShape::Cosine: return peak * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
    case LearningRateShape::Linear: return peak * std::max(0.0, 1.0 - progress);
    case LearningRateShape::Constant: return peak;
  }
  return peak;
}

LearningRateShape learning_rate_shape(const std::string& name) {
  if (name == "cosine") return LearningRateShape::Cosine;
  if (name == "linear") return LearningRateShape::Linear;
  if (name == "constant") return LearningRateShape::Constant;
  throw std::invalid_argument("unknown learning-rate schedule '" + name + "' (expected cosine, linear or constant)");
}

std::int64_t warmup_steps_from_ratio(std::int64_t total_steps, double ratio) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(total_steps) * ratio));
}

}  // namespace vdep
