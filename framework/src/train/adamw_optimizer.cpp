#include "train/adamw_optimizer.h"

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include <ATen/ATen.h>

namespace vdep {

at::ScalarType adamw_state_dtype(at::ScalarType parameter_dtype) {
  const bool half_precision = parameter_dtype == at::kBFloat16 || parameter_dtype == at::kHalf;
  return half_precision ? at::kFloat : parameter_dtype;
}

AdamWMoments update_adamw_moments(at::Tensor& exp_avg, at::Tensor& exp_avg_sq, const at::Tensor& grad,
                                  std::int64_t step, double lr, const AdamWOptions& options) {
  exp_avg.mul_(options.beta1).add_(grad, 1 - options.beta1);
  exp_avg_sq.mul_(options.beta2).addcmul_(grad, grad, 1 - options.beta2);
  const double bias_correction1 = 1 - std::pow(options.beta1, static_cast<double>(step));
  const double bias_correction2 = 1 - std::pow(options.beta2, static_cast<double>(step));
  return {(exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(options.eps), lr / bias_correction1};
}

std::string shape_text(at::IntArrayRef sizes) {
  std::string text = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) text += (i > 0 ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

AdamWOptimizer::AdamWOptimizer(std::vector<TrainableParameter> parameters, AdamWOptions options)
    : parameters_(std::move(parameters)), options_(options) {
  std::set<std::string> names;
  for (const auto& parameter : parameters_) {
    if (!names.insert(parameter.name).second) {
      throw std::invalid_argument("AdamW: parameter '" + parameter.name + "' is given twice");
    }
    const auto state_options = parameter.tensor.options().dtype(adamw_state_dtype(parameter.tensor.scalar_type()));
    states_.push_back({at::zeros(parameter.tensor.sizes(), state_options),
                       at::zeros(parameter.tensor.sizes(), state_options), 0});
  }
}

void AdamWOptimizer::step(double lr) {
  at::NoGradGuard no_grad;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    at::Tensor parameter = parameters_[i].tensor;
    const at::Tensor& gradient = parameter.grad();
    if (!gradient.defined()) continue;
    ParameterState& state = states_[i];
    const at::Tensor grad = gradient.to(state.exp_avg.scalar_type());

    // The same operations in the same order as torch's _single_tensor_adamw, so that fp32 and fp64
    // parameters come out bit for bit as PyTorch's.
    state.step += 1;
    if (parameters_[i].decay) parameter.mul_(1 - lr * options_.weight_decay);
    const AdamWMoments moments = update_adamw_moments(state.exp_avg, state.exp_avg_sq, grad, state.step, lr, options_);
    if (parameter.scalar_type() == state.exp_avg.scalar_type()) {
      parameter.addcdiv_(state.exp_avg, moments.denom, -moments.step_size);
    } else {
      // bf16/fp16 under fp32 moments: ATen's CPU addcdiv_ does not mix dtypes, so the update goes
      // to an fp32 copy and the result is rounded once.
      parameter.copy_(parameter.to(at::kFloat).addcdiv_(state.exp_avg, moments.denom, -moments.step_size));
    }
  }
}

void AdamWOptimizer::zero_grad() {
  for (auto& parameter : parameters_) parameter.tensor.mutable_grad().reset();
}

std::vector<std::pair<std::string, at::Tensor>> AdamWOptimizer::state_tensors() const {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& name = parameters_[i].name;
    tensors.emplace_back(name + ".exp_avg", states_[i].exp_avg);
    tensors.emplace_back(name + ".exp_avg_sq", states_[i].exp_avg_sq);
    tensors.emplace_back(name + ".step", at::scalar_tensor(states_[i].step, at::kLong));
  }
  return tensors;
}

void AdamWOptimizer::load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  std::map<std::string, at::Tensor> given;
  for (const auto& [name, tensor] : tensors) given[name] = tensor;

  const auto expected = state_tensors();
  for (const auto& [name, current] : expected) {
    const auto found = given.find(name);
    if (found == given.end()) throw std::runtime_error("AdamW state: missing '" + name + "'");
    const at::Tensor& saved = found->second;
    if (!saved.defined() || saved.sizes() != current.sizes()) {
      throw std::runtime_error("AdamW state: '" + name + "' has shape " +
                               (saved.defined() ? shape_text(saved.sizes()) : std::string("undefined")) +
                               ", expected " + shape_text(current.sizes()));
    }
    given.erase(found);
  }
  if (!given.empty()) {
    throw std::runtime_error("AdamW state: unknown key '" + given.begin()->first +
                             "' (no trainable parameter of that name)");
  }

  at::NoGradGuard no_grad;
  std::map<std::string, at::Tensor> saved(tensors.begin(), tensors.end());
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& name = parameters_[i].name;
    states_[i].exp_avg.copy_(saved.at(name + ".exp_avg"));
    states_[i].exp_avg_sq.copy_(saved.at(name + ".exp_avg_sq"));
    states_[i].step = saved.at(name + ".step").item<std::int64_t>();
  }
}

}  // namespace vdep
