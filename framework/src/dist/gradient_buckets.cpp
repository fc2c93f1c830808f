#include "dist/gradient_buckets.h"

#include <stdexcept>
#include <string>

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

namespace vdep {

BucketSchedule::BucketSchedule(const std::vector<at::Tensor>& parameters, std::size_t bucket_bytes,
                               const char* owner) {
  const std::size_t count = parameters.size();
  bucket_of_.assign(count, 0);
  ready_.assign(count, false);
  std::size_t bytes = 0;
  for (std::size_t reversed = 0; reversed < count; ++reversed) {
    const std::size_t index = count - 1 - reversed;
    const at::Tensor& parameter = parameters[index];
    if (!parameter.requires_grad()) {
      throw std::invalid_argument(std::string(owner) + ": a parameter does not require grad");
    }
    const auto parameter_bytes = static_cast<std::size_t>(parameter.numel()) * parameter.element_size();
    const bool fits = !buckets_.empty() && bytes + parameter_bytes <= bucket_bytes &&
                      parameters[buckets_.back().front()].scalar_type() == parameter.scalar_type() &&
                      parameters[buckets_.back().front()].device() == parameter.device();
    if (!fits) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().push_back(index);
    bucket_of_[index] = buckets_.size() - 1;
    bytes += parameter_bytes;
  }
  waiting_.assign(buckets_.size(), 0);
  reset();
}

void BucketSchedule::reset() {
  ready_.assign(ready_.size(), false);
  for (std::size_t bucket = 0; bucket < buckets_.size(); ++bucket) waiting_[bucket] = buckets_[bucket].size();
  next_ = 0;
  taken_in_backward_ = 0;
}

std::vector<std::size_t> BucketSchedule::take_completed_by(std::size_t parameter) {
  std::vector<std::size_t> taken;
  if (ready_[parameter]) return taken;
  ready_[parameter] = true;
  --waiting_[bucket_of_[parameter]];
  for (; next_ < buckets_.size() && waiting_[next_] == 0; ++next_) taken.push_back(next_);
  taken_in_backward_ += taken.size();
  return taken;
}

std::vector<std::size_t> BucketSchedule::take_rest() {
  std::vector<std::size_t> taken;
  for (; next_ < buckets_.size(); ++next_) taken.push_back(next_);
  return taken;
}

namespace {

class AccumulatedHook : public torch::autograd::FunctionPostHook {
 public:
  AccumulatedHook(std::weak_ptr<GradientListener> listener, std::size_t index)
      : listener_(std::move(listener)), index_(index) {}

  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& /*inputs*/) override {
    if (const auto listener = listener_.lock()) listener->gradient_accumulated(index_);
    return outputs;
  }

 private:
  std::weak_ptr<GradientListener> listener_;
  std::size_t index_;
};

}  // namespace

AccumulationHooks::AccumulationHooks(const std::vector<at::Tensor>& parameters,
                                     std::weak_ptr<GradientListener> listener) {
  for (std::size_t index = 0; index < parameters.size(); ++index) {
    std::shared_ptr<torch::autograd::Node> accumulator = torch::autograd::impl::grad_accumulator(parameters[index]);
    accumulator->add_post_hook(std::make_unique<AccumulatedHook>(listener, index));
    accumulators_.push_back(std::move(accumulator));
  }
}

AccumulationHooks::~AccumulationHooks() = default;

}  // namespace vdep
