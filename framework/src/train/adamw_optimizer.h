// AdamW with exactly torch.optim.AdamW's update (PyTorch >= 1.13 defaults: decoupled weight decay,
// no amsgrad), so that a run's trajectory matches LLaVA's reference training step for step. Weight
// decay applies only to parameters marked `decay`, as HF's Trainer groups them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "train/trainable_parameters.h"

namespace vdep {

// The learning rate is not here: it changes every step and is given to step().
struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

// The dtype of AdamW's state for a parameter of `parameter_dtype`: bf16 and fp16 parameters keep
// it in fp32 (v holds squared gradients, which half precision rounds to zero or saturates), fp32
// and fp64 their own.
at::ScalarType adamw_state_dtype(at::ScalarType parameter_dtype);

// One AdamW update's moments, in torch's _single_tensor_adamw order: exp_avg and exp_avg_sq take
// `grad` (in their dtype) for update number `step` (counting this one), and the update is then
// values.addcdiv_(exp_avg, denom, -step_size), after the decoupled decay of the values.
struct AdamWMoments {
  at::Tensor denom;
  double step_size = 0;
};
AdamWMoments update_adamw_moments(at::Tensor& exp_avg, at::Tensor& exp_avg_sq, const at::Tensor& grad,
                                  std::int64_t step, double lr, const AdamWOptions& options);

// "[2, 3]": a shape in error messages.
std::string shape_text(at::IntArrayRef sizes);

class AdamWOptimizer {
 public:
  // Moments start at zero, in the parameter's dtype, except that bf16 and fp16 parameters keep
  // them in fp32: v holds squared gradients, which half precision rounds to zero or saturates.
  // Throws std::invalid_argument for two parameters of the same name (their state would collide).
  AdamWOptimizer(std::vector<TrainableParameter> parameters, AdamWOptions options);

  // One update of every parameter that has a gradient; the others, and their step counts, stay
  // as they are (torch skips a parameter whose grad is None).
  void step(double lr);
  // Drops every gradient (torch's zero_grad(set_to_none=True)), so that a parameter the next
  // backward does not reach has none and is skipped rather than decayed.
  void zero_grad();

  // "<name>.exp_avg", "<name>.exp_avg_sq" (the live tensors, not copies) and "<name>.step" (a
  // 0-dim int64) for every parameter, in parameter order.
  std::vector<std::pair<std::string, at::Tensor>> state_tensors() const;
  // Copies state_tensors() as saved back in; every key must be present with its shape, and no
  // other key may be. Throws std::runtime_error naming the first missing, unknown or misshapen
  // key, before any state is changed.
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors);

  const std::vector<TrainableParameter>& parameters() const { return parameters_; }

 private:
  struct ParameterState {
    at::Tensor exp_avg;     // m
    at::Tensor exp_avg_sq;  // v
    std::int64_t step = 0;
  };

  std::vector<TrainableParameter> parameters_;
  std::vector<ParameterState> states_;  // one per parameter, in the same order
  AdamWOptions options_;
};

}  // namespace vdep
