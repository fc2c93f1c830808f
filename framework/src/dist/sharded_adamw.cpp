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

at::Tensor int64_scalar(std::int64_t value) { return at::scalar_tensor(value, at::kLong); }

const std::string kWorldSizeKey = "zero2.world_size";
const std::string kRankKey = "zero2.rank";
const std::string kTotalNumelKey = "zero2.total_numel";

}  // namespace

namespace {

std::vector<at::Tensor> tensors_of(const std::vector<TrainableParameter>& parameters) {
  std::vector<at::Tensor> tensors;
  for (const auto& parameter : parameters) tensors.push_back(parameter.tensor);
  return tensors;
}

}  // namespace

ShardedAdamW::ShardedAdamW(ProcessGroup& group, std::vector<TrainableParameter> parameters, AdamWOptions options,
                           std::int64_t gather_chunk_numel)
    : group_(group),
      parameters_(std::move(parameters)),
      layout_(tensors_of(parameters_), group.size()),
      gather_chunk_numel_(gather_chunk_numel),
      state_dtype_(at::kFloat),
      options_(options) {
  if (gather_chunk_numel_ < 1) throw std::invalid_argument("ZeRO-2 AdamW: the gather chunk must hold an element");
  std::set<std::string> names;
  at::Device device = at::kCPU;
  for (const auto& parameter : parameters_) {
    if (!names.insert(parameter.name).second) {
      throw std::invalid_argument("ZeRO-2 AdamW: parameter '" + parameter.name + "' is given twice");
    }
    // step() writes the gathered values through a flat view.
    if (!parameter.tensor.is_contiguous()) {
      throw std::invalid_argument("ZeRO-2 AdamW: parameter '" + parameter.name + "' is not contiguous");
    }
    state_dtype_ = at::promote_types(state_dtype_, adamw_state_dtype(parameter.tensor.scalar_type()));
    device = parameter.tensor.device();
  }

  const auto state_options = at::TensorOptions().dtype(state_dtype_).device(device);
  master_ = at::zeros({layout_.shard_numel}, state_options);
  exp_avg_ = at::zeros({layout_.shard_numel}, state_options);
  exp_avg_sq_ = at::zeros({layout_.shard_numel}, state_options);

  at::NoGradGuard no_grad;
  const std::int64_t shard_begin = layout_.shard_begin(group_.rank());
  const std::int64_t shard_end = shard_begin + layout_.shard_numel;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const std::int64_t begin = std::max(layout_.offsets[i], shard_begin);
    const std::int64_t end = std::min(layout_.offsets[i] + parameters_[i].tensor.numel(), shard_end);
    if (begin >= end) continue;
    Segment segment;
    segment.parameter = i;
    segment.offset = begin - layout_.offsets[i];
    segment.shard_begin = begin - shard_begin;
    segment.numel = end - begin;
    segment.master = master_.narrow(0, segment.shard_begin, segment.numel);
    segment.exp_avg = exp_avg_.narrow(0, segment.shard_begin, segment.numel);
    segment.exp_avg_sq = exp_avg_sq_.narrow(0, segment.shard_begin, segment.numel);
    segment.master.copy_(parameters_[i].tensor.detach().reshape(-1).narrow(0, segment.offset, segment.numel));
    segments_.push_back(std::move(segment));
  }
}

double ShardedAdamW::step(ShardedGradientReducer& gradients, double lr, double max_grad_norm) {
  at::NoGradGuard no_grad;
  if (!(gradients.layout() == layout_)) {
    throw std::invalid_argument("ZeRO-2 AdamW: the gradient reducer covers other parameters than the optimizer");
  }
  const std::int64_t world = group_.size();
  const std::size_t count = parameters_.size();

  // (1) This rank's shard of the gradients, summed over ranks and backwards by the reducer.
  at::Tensor gradient = gradients.gradient_shard();
  if (gradient.scalar_type() != state_dtype_) gradient = gradient.to(state_dtype_);
  // One slot per parameter (1 where this rank had its gradient), then the shard's sum of squares:
  // one all-reduce tells every rank which parameters have a gradient anywhere, and the global norm.
  at::Tensor totals = at::zeros({static_cast<std::int64_t>(count) + 1}, at::kDouble);
  double* total = totals.data_ptr<double>();
  const std::vector<bool>& had_gradient = gradients.had_gradient();
  for (std::size_t i = 0; i < count; ++i) total[i] = had_gradient[i] ? 1.0 : 0.0;

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
    const AdamWMoments moments =
        update_adamw_moments(segment.exp_avg, segment.exp_avg_sq, grad, segment.step, lr, options_);
    segment.master.addcdiv_(segment.exp_avg, moments.denom, -moments.step_size);
  }

  // (5) Every rank's updated shard into every rank's parameters, a chunk of each shard at a time:
  // chunk k gathers elements [k c, (k + 1) c) of every shard into world × c values, whose pieces go
  // into the parameters they cover.
  const std::vector<std::int64_t>& offsets = layout_.offsets;
  const std::int64_t chunk = std::min(gather_chunk_numel_, layout_.shard_numel);
  at::Tensor gathered = at::empty({world * chunk}, master_.options());
  for (std::int64_t start = 0; start < layout_.shard_numel; start += chunk) {
    const std::int64_t length = std::min(chunk, layout_.shard_numel - start);
    std::vector<at::Tensor> pieces = gathered.narrow(0, 0, world * length).split(length);
    at::Tensor own = master_.narrow(0, start, length);
    group_.all_gather(pieces, own);
    for (std::int64_t rank = 0; rank < world; ++rank) {
      const std::int64_t low = layout_.shard_begin(static_cast<int>(rank)) + start;
      const std::int64_t high = low + length;
      // The last parameter starting at or before `low`, then those after it that start before `high`.
      auto first = std::upper_bound(offsets.begin(), offsets.end(), low);
      for (std::size_t i = first == offsets.begin() ? 0 : static_cast<std::size_t>(first - offsets.begin() - 1);
           i < count && offsets[i] < high; ++i) {
        if (!present(i)) continue;
        const std::int64_t begin = std::max(low, offsets[i]);
        const std::int64_t end = std::min(high, offsets[i] + parameters_[i].tensor.numel());
        if (begin >= end) continue;
        parameters_[i]
            .tensor.detach()
            .view({-1})
            .narrow(0, begin - offsets[i], end - begin)
            .copy_(pieces[static_cast<std::size_t>(rank)].narrow(0, begin - low, end - begin));
      }
    }
  }
  gradients.clear();
  return norm;
}

void ShardedAdamW::zero_grad() {
  for (auto& parameter : parameters_) parameter.tensor.mutable_grad().reset();
}

std::vector<std::pair<std::string, at::Tensor>> ShardedAdamW::state_tensors() const {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  tensors.emplace_back(kWorldSizeKey, int64_scalar(group_.size()));
  tensors.emplace_back(kRankKey, int64_scalar(group_.rank()));
  tensors.emplace_back(kTotalNumelKey, int64_scalar(layout_.total_numel));
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
  if (saved_total != layout_.total_numel) {
    throw std::runtime_error("optimizer state covers " + std::to_string(saved_total) +
                             " trainable elements; this run trains " + std::to_string(layout_.total_numel) +
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
