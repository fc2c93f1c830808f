#include "train/gradient_clipping.h"

#include <ATen/ATen.h>

namespace vdep {

double clip_grad_norm(const std::vector<TrainableParameter>& parameters, double max_norm) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> norms;
  for (const auto& parameter : parameters) {
    const at::Tensor& gradient = parameter.tensor.grad();
    if (!gradient.defined()) continue;
    // At least fp32: a bf16 sum of squares over millions of elements loses the norm.
    const auto dtype = at::promote_types(gradient.scalar_type(), at::kFloat);
    norms.push_back(at::norm(gradient, 2, dtype));
  }
  if (norms.empty()) return 0.0;
  const double total = at::stack(norms).norm().item<double>();
  const double coefficient = max_norm / (total + 1e-6);
  if (coefficient < 1.0) {
    for (const auto& parameter : parameters) {
      at::Tensor gradient = parameter.tensor.grad();
      if (gradient.defined()) gradient.mul_(coefficient);
    }
  }
  return total;
}

}  // namespace vdep
