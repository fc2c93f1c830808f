#include "dist/gradient_reducer.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

namespace vdep {

namespace {

struct Bucket {
  std::vector<std::size_t> parameters;  // indices into State::parameters
  at::Tensor flat;                      // their gradients, end to end
  std::size_t waiting = 0;              // gradients of this backward not yet accumulated
  std::optional<PendingCollective> pending;
};

}  // namespace

struct GradientReducer::State {
  ProcessGroup* group = nullptr;
  std::vector<at::Tensor> parameters;
  std::vector<std::size_t> bucket_of;  // parameter → bucket
  std::vector<bool> ready;             // parameter's gradient accumulated in this backward
  std::vector<Bucket> buckets;
  std::size_t next_to_start = 0;
  bool syncing = false;
  std::size_t started_in_backward = 0;
  double wait_seconds = 0;
  std::mutex mutex;
  // Autograd keeps only weak references to a leaf's accumulator: holding them keeps the hooks.
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;

  // Copies a bucket's gradients into its flat buffer and starts its all-reduce.
  void start(Bucket& bucket) {
    std::int64_t offset = 0;
    for (const std::size_t index : bucket.parameters) {
      const at::Tensor& parameter = parameters[index];
      const std::int64_t count = parameter.numel();
      at::Tensor slice = bucket.flat.narrow(0, offset, count);
      const at::Tensor& grad = parameter.grad();
      if (grad.defined()) {
        slice.copy_(grad.reshape({-1}));
      } else {
        slice.zero_();
      }
      offset += count;
    }
    bucket.pending = group->start_all_reduce_sum(bucket.flat);
  }

  // Called with the mutex held: starts every bucket, in order, that is complete.
  void start_ready_buckets(bool from_hook) {
    while (next_to_start < buckets.size() && buckets[next_to_start].waiting == 0) {
      start(buckets[next_to_start]);
      if (from_hook) ++started_in_backward;
      ++next_to_start;
    }
  }

  void gradient_accumulated(std::size_t index) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!syncing || ready[index]) return;
    ready[index] = true;
    Bucket& bucket = buckets[bucket_of[index]];
    --bucket.waiting;
    start_ready_buckets(true);
  }
};

namespace {

class AccumulatedHook : public torch::autograd::FunctionPostHook {
 public:
  AccumulatedHook(std::weak_ptr<GradientReducer::State> state, std::size_t index)
      : state_(std::move(state)), index_(index) {}

  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& /*inputs*/) override {
    // Autograd may outlive the reducer (a later stage's graph over the same leaf).
    if (const auto state = state_.lock()) state->gradient_accumulated(index_);
    return outputs;
  }

 private:
  std::weak_ptr<GradientReducer::State> state_;
  std::size_t index_;
};

}  // namespace

GradientReducer::GradientReducer(ProcessGroup& group, std::vector<at::Tensor> parameters, std::size_t bucket_bytes)
    : state_(std::make_shared<State>()) {
  State& state = *state_;
  state.group = &group;
  state.parameters = std::move(parameters);
  const std::size_t count = state.parameters.size();
  state.bucket_of.assign(count, 0);
  state.ready.assign(count, false);
  // Reverse order; a new bucket when the current one is full or the dtype or device changes.
  std::size_t bytes = 0;
  for (std::size_t reversed = 0; reversed < count; ++reversed) {
    const std::size_t index = count - 1 - reversed;
    const at::Tensor& parameter = state.parameters[index];
    if (!parameter.requires_grad()) throw std::invalid_argument("GradientReducer: a parameter does not require grad");
    const auto parameter_bytes = static_cast<std::size_t>(parameter.numel()) * parameter.element_size();
    const bool fits = !state.buckets.empty() && bytes + parameter_bytes <= bucket_bytes &&
                      state.parameters[state.buckets.back().parameters.front()].scalar_type() ==
                          parameter.scalar_type() &&
                      state.parameters[state.buckets.back().parameters.front()].device() == parameter.device();
    if (!fits) {
      state.buckets.emplace_back();
      bytes = 0;
    }
    state.buckets.back().parameters.push_back(index);
    state.bucket_of[index] = state.buckets.size() - 1;
    bytes += parameter_bytes;
  }
  for (Bucket& bucket : state.buckets) {
    std::int64_t values = 0;
    for (const std::size_t index : bucket.parameters) values += state.parameters[index].numel();
    const at::Tensor& first = state.parameters[bucket.parameters.front()];
    bucket.flat = at::empty({values}, first.options().requires_grad(false));
  }
  for (std::size_t index = 0; index < count; ++index) {
    std::shared_ptr<torch::autograd::Node> accumulator =
        torch::autograd::impl::grad_accumulator(state.parameters[index]);
    accumulator->add_post_hook(std::make_unique<AccumulatedHook>(state_, index));
    state.accumulators.push_back(std::move(accumulator));
  }
}

GradientReducer::~GradientReducer() = default;

void GradientReducer::prepare_backward(bool sync) {
  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.mutex);
  state.syncing = sync;
  if (!sync) return;
  state.ready.assign(state.parameters.size(), false);
  for (Bucket& bucket : state.buckets) {
    bucket.waiting = bucket.parameters.size();
    bucket.pending.reset();
  }
  state.next_to_start = 0;
  state.started_in_backward = 0;
}

void GradientReducer::finish() {
  State& state = *state_;
  const auto start = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (!state.syncing) throw std::logic_error("GradientReducer::finish without prepare_backward(true)");
    state.syncing = false;
    for (; state.next_to_start < state.buckets.size(); ++state.next_to_start) {
      state.start(state.buckets[state.next_to_start]);
    }
  }
  for (Bucket& bucket : state.buckets) {
    bucket.pending->wait();
    bucket.pending.reset();
    std::int64_t offset = 0;
    for (const std::size_t index : bucket.parameters) {
      at::Tensor& parameter = state.parameters[index];
      const std::int64_t count = parameter.numel();
      const at::Tensor sum = bucket.flat.narrow(0, offset, count).view(parameter.sizes());
      if (parameter.grad().defined()) {
        parameter.mutable_grad().copy_(sum);
      } else {
        parameter.mutable_grad() = sum.clone();
      }
      offset += count;
    }
  }
  state.wait_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::size_t GradientReducer::bucket_count() const { return state_->buckets.size(); }

std::size_t GradientReducer::buckets_started_in_backward() const { return state_->started_in_backward; }

double GradientReducer::last_wait_seconds() const { return state_->wait_seconds; }

}  // namespace vdep
