// The objective kind: turns the model's outputs for one micro-batch into named loss terms.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/component.h>

namespace vdep {

// What the model produced for one micro-batch, in the layout of HF causal LMs: labels are aligned
// with the input positions, and position t's logits predict the label at t + 1.
struct ObjectiveBatch {
  at::Tensor logits;  // [batch, seq, vocab]
  at::Tensor labels;  // [batch, seq], int64; kIgnoreIndex marks positions without a target
  // Number of supervised targets in the whole global batch (all micro-batches and ranks), so that
  // a token weighs the same whatever micro-batch it lands in. 0 = this micro-batch's own count.
  double supervised_tokens_in_global_batch = 0.0;
};

inline constexpr std::int64_t kIgnoreIndex = -100;

// Named terms for logging and the value to minimise. `total` is what the trainer sums over
// objectives and back-propagates; `terms` are detached or not, as the objective likes.
struct ObjectiveTerms {
  std::vector<std::pair<std::string, at::Tensor>> terms;
  at::Tensor total;
};

class VDEP_API Objective : public Component {
 public:
  ~Objective() override;
  virtual ObjectiveTerms compute(const ObjectiveBatch& batch) = 0;
};

}  // namespace vdep
