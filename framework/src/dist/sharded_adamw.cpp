#include "dist/sharded_adamw.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

namespace vdep {

namespace {

// As AdamWOptimizer: half-precision parameters keep fp32 state; fp32 and fp64 keep their own.
at::ScalarType state_dtype_for(at::ScalarType parameter_dtype) {
  const bool half_precision = parameter_dtype == at::kBFloat16 || parameter_dtype == at::kHalf;
  return half_precision ? at::kFloat : parameter_dtype;
}

std::string shape_text(at::IntArrayRef sizes) {
  std::string text = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) text += (i > 0 ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

at::Tensor int64_scalar(std::int64_t value) { return at::scalar_tensor(value, at::kLong); }

const std::string kWorldSizeKey = "zero2.world_size";
const std::string kRankKey = "zero2.rank";
const std::string kTotalNumelKey = "zero2.total_numel";

}  // namespace

ShardedAdamW::ShardedAdamW(ProcessGroup& group, std::vector<TrainableParameter> parameters, AdamWOptions options)
    : group_(group), parameters_(std::move(parameters)), state_dtype_(at::kFloat), options_(options) {
  std::set<std::string> names;
  at::Device device = at::kCPU;
  for (const auto& parameter : parameters_) {
    if (!names.insert(parameter.name).second) {
      throw std::invalid_argument("ZeRO-2 AdamW: parameter '" + parameter.name + "' is given twice");
    }
    offsets_.push_back(total_numel_);
    total_numel_ += parameter.tensor.numel();
    state_dtype_ = at::promote_types(state_dtype_, state_dtype_for(parameter.tensor.scalar_type()));
    device = parameter.tensor.device();
  }
  const std::int64_t world = group_.size();
  // At least one element, so that no collective moves an empty tensor.
  shard_numel_ = std::max<std::int64_t>(1, (total_numel_ + world - 1) / world);

  const auto state_options = at::TensorOptions().dtype(state_dtype_).device(device);
  master_ = at::zeros({shard_numel_}, state_options);
  exp_avg_ = at::zeros({shard_numel_}, state_options);
  exp_avg_sq_ = at::zeros({shard_numel_}, state_options);

  at::NoGradGuard no_grad;
  const std::int64_t shard_begin = group_.rank() * shard_numel_;
  const std::int64_t shard_end = shard_begin + shard_numel_;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const std::int64_t begin = std::max(offsets_[i], shard_begin);
    const std::int64_t end = std::min(offsets_[i] + parameters_[i].tensor.numel(), shard_end);
    if (begin >= end) continue;
    Segment segment;
    segment.parameter = i;
    segment.offset = begin - offsets_[i];
    segment.shard_begin = begin - shard_begin;
    segment.numel = end - begin;
    segment.master = master_.narrow(0, segment.shard_begin, segment.numel);
    segment.exp_avg = exp_avg_.narrow(0, segment.shard_begin, segment.numel);
    segment.exp_avg_sq = exp_avg_sq_.narrow(0, segment.shard_begin, segment.numel);
    segment.master.copy_(parameters_[i].tensor.detach().reshape(-1).narrow(0, segment.offset, segment.numel));
    segments_.push_back(std::move(segment));
  }
}

double ShardedAdamW::step(double lr, double max_grad_norm) {
  at::NoGradGuard no_grad;
  const std::int64_t world = group_.size();
  const std::size_t count = parameters_.size();

  // (1) Every gradient, flattened into one buffer of the padded index space (missing: zeros).
  at::Tensor flat = at::zeros({shard_numel_ * world}, master_.options());
  // One slot per parameter (1 where this rank has its gradient), then the shard's sum of squares:
  // one all-reduce tells every rank which parameters have a gradient anywhere, and the global norm.
  at::Tensor totals = at::zeros({static_cast<std::int64_t>(count) + 1}, at::kDouble);
  double* total = totals.data_ptr<double>();
  for (std::size_t i = 0; i < count; ++i) {
    const at::Tensor& gradient = parameters_[i].tensor.grad();
    if (!gradient.defined()) continue;
    flat.narrow(0, offsets_[i], gradient.numel()).copy_(gradient.reshape(-1));
    total[i] = 1.0;
  }

  // The reduce-scatter: rank r ends with the sum over ranks of shard r. LibTorch 1.13's
  // ProcessGroupGloo has no reduce_scatter (it throws "does not support reduce_scatter"), so it is
  // one reduce per shard, to its owner; every rank takes part in each.
  for (std::int64_t owner = 0; owner < world; ++owner) {
    at::Tensor shard = flat.narrow(0, owner * shard_numel_, shard_numel_);
    group_.reduce_sum(shard, static_cast<int>(owner));
  }
  at::Tensor gradient = flat.narrow(0, group_.rank() * shard_numel_, shard_numel_);

  // (2), (3) Which parameters have a gradient on some rank, and the norm of the summed gradient:
  // parameters with none anywhere contribute zeros, as clip_grad_norm leaves them out.
  const double shard_norm = at::norm(gradient).item<double>();
  total[count] = shard_norm * shard_norm;
  group_.all_reduce_sum(totals);
  total = totals.data_ptr<double>();
  const double norm = std::sqrt(total[count]);
  const auto present = [&](std::size_t i) { return total[i] > 0.5; };

  // torch.nn.utils.clip_grad_norm_'s scale, as clip_grad_norm applies it.
  const double limit = max_grad_norm > 0 ? max_grad_norm : std::numeric_limits<double>::infinity();
  const double coefficient = limit / (norm + 1e-6);
  if (coefficient < 1.0) gradient.mul_(coefficient);

  // (4) AdamW on the owned slices, in AdamWOptimizer::step's (torch's _single_tensor_adamw's) order.
  for (Segment& segment : segments_) {
    if (!present(segment.parameter)) continue;
    const TrainableParameter& parameter = parameters_[segment.parameter];
    // Weights loaded or changed since the last step (init_from, a resume) win over the master:
    // it is re-read where the parameter no longer holds its value rounded to the parameter's dtype.
    const at::Tensor current = parameter.tensor.detach().reshape(-1).narrow(0, segment.offset, segment.numel);
    if (!at::equal(current, segment.master.to(current.scalar_type()))) segment.master.copy_(current);

    const at::Tensor grad = gradient.narrow(0, segment.shard_begin, segment.numel);
    segment.step += 1;
    if (parameter.decay) segment.master.mul_(1 - lr * options_.weight_decay);
    segment.exp_avg.mul_(options_.beta1).add_(grad, 1 - options_.beta1);
    segment.exp_avg_sq.mul_(options_.beta2).addcmul_(grad, grad, 1 - options_.beta2);
    const double bias_correction1 = 1 - std::pow(options_.beta1, static_cast<double>(segment.step));
    const double bias_correction2 = 1 - std::pow(options_.beta2, static_cast<double>(segment.step));
    const double step_size = lr / bias_correction1;
    const at::Tensor denom = (segment.exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(options_.eps);
    segment.master.addcdiv_(segment.exp_avg, denom, -step_size);
  }

  // (5) Every rank's updated shard into every rank's parameters. The gathered values overwrite the
  // gradients in `flat`, which are spent.
  std::vector<at::Tensor> shards = flat.split(shard_numel_);
  group_.all_gather(shards, master_);
  for (std::size_t i = 0; i < count; ++i) {
    if (!present(i)) continue;
    at::Tensor tensor = parameters_[i].tensor.detach();
    tensor.copy_(flat.narrow(0, offsets_[i], tensor.numel()).view(tensor.sizes()));
  }
  return norm;
}

void ShardedAdamW::zero_grad() {
  for (auto& parameter : parameters_) parameter.tensor.mutable_grad().reset();
}

std::vector<std::pair<std::string, at::Tensor>> ShardedAdamW::state_tensors() const {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  tensors.emplace_back(kWorldSizeKey, int64_scalar(group_.size()));
  tensors.emplace_back(kRankKey, int64_scalar(group_.rank()));
  tensors.emplace_back(kTotalNumelKey, int64_scalar(total_numel_));
  for (const Segment& segment : segments_) {
    const std::string& name = parameters_[segment.parameter].name;
    tensors.emplace_back(name + ".offset", int64_scalar(segment.offset));
    tensors.emplace_back(name + ".master", segment.master);
    tensors.emplace_back(name + ".exp_avg", segment.exp_avg);
    tensors.emplace_back(name + ".exp_avg_sq", segment.exp_avg_sq);
    tensors.emplace_back(name + ".step", int64_scalar(segment.step));
  }
  return tensors;
}

void ShardedAdamW::load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  std::map<std::string, at::Tensor> given;
  for (const auto& [name, tensor] : tensors) given[name] = tensor;

  const auto scalar = [&](const std::string& key) -> std::int64_t {
    const auto found = given.find(key);
    if (found == given.end() || !found->second.defined()) {
      throw std::runtime_error("optimizer state has no '" + key +
                               "': it was not saved by ZeRO-2 (strategy = \"zero2\"); load the model weights alone "
                               "with init_from");
    }
    if (found->second.numel() != 1) {
      throw std::runtime_error("optimizer state: '" + key + "' has shape " + shape_text(found->second.sizes()) +
                               ", expected a single value");
    }
    return found->second.item<std::int64_t>();
  };
  const std::int64_t saved_world = scalar(kWorldSizeKey);
  const std::int64_t saved_rank = scalar(kRankKey);
  if (saved_world != group_.size() || saved_rank != group_.rank()) {
    throw std::runtime_error("optimizer state was saved by rank " + std::to_string(saved_rank) + " of " +
                             std::to_string(saved_world) + "; this run is rank " + std::to_string(group_.rank()) +
                             " of " + std::to_string(group_.size()) +
                             ": resume ZeRO-2 with the same number of processes, or load the model weights alone "
                             "with init_from");
  }
  const std::int64_t saved_total = scalar(kTotalNumelKey);
  if (saved_total != total_numel_) {
    throw std::runtime_error("optimizer state covers " + std::to_string(saved_total) +
                             " trainable elements; this run trains " + std::to_string(total_numel_) +
                             ": the trainable parameters differ from the saved run's");
  }

  for (const auto& [name, current] : state_tensors()) {
    const auto found = given.find(name);
    if (found == given.end()) throw std::runtime_error("ZeRO-2 AdamW state: missing '" + name + "'");
    const at::Tensor& saved = found->second;
    if (!saved.defined() || saved.sizes() != current.sizes()) {
      throw std::runtime_error("ZeRO-2 AdamW state: '" + name + "' has shape " +
                               (saved.defined() ? shape_text(saved.sizes()) : std::string("undefined")) +
                               ", expected " + shape_text(current.sizes()));
    }
    given.erase(found);
  }
  if (!given.empty()) {
    throw std::runtime_error("ZeRO-2 AdamW state: unknown key '" + given.begin()->first +
                             "' (no trainable parameter of that name in this rank's shard)");
  }
  const std::map<std::string, at::Tensor> saved(tensors.begin(), tensors.end());
  for (const Segment& segment : segments_) {
    const std::string key = parameters_[segment.parameter].name + ".offset";
    const std::int64_t offset = saved.at(key).item<std::int64_t>();
    if (offset != segment.offset) {
      throw std::runtime_error("ZeRO-2 AdamW state: '" + key + "' is " + std::to_string(offset) + ", expected " +
                               std::to_string(segment.offset) +
                               ": the trainable parameters differ from the saved run's");
    }
  }

  at::NoGradGuard no_grad;
  for (Segment& segment : segments_) {
    const std::string& name = parameters_[segment.parameter].name;
    segment.master.copy_(saved.at(name + ".master"));
    segment.exp_avg.copy_(saved.at(name + ".exp_avg"));
    segment.exp_avg_sq.copy_(saved.at(name + ".exp_avg_sq"));
    segment.step = saved.at(name + ".step").item<std::int64_t>();
  }
}

}  // namespace vdep
