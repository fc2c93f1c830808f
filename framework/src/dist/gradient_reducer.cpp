#include "dist/gradient_reducer.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <ATen/ATen.h>

#include "dist/gradient_buckets.h"

namespace vdep {

namespace {

struct Bucket {
  at::Tensor flat;  // its parameters' gradients, end to end
  std::optional<PendingCollective> pending;
};

}  // namespace

struct GradientReducer::State : GradientListener {
  State(ProcessGroup& process_group, std::vector<at::Tensor> tensors, std::size_t bucket_bytes)
      : group(&process_group), parameters(std::move(tensors)), schedule(parameters, bucket_bytes, "GradientReducer") {}

  ProcessGroup* group = nullptr;
  std::vector<at::Tensor> parameters;
  BucketSchedule schedule;
  std::vector<Bucket> buckets;
  bool syncing = false;
  double wait_seconds = 0;
  std::mutex mutex;
  std::optional<AccumulationHooks> hooks;

  // Copies a bucket's gradients into its flat buffer and starts its all-reduce.
  void start(std::size_t index) {
    Bucket& bucket = buckets[index];
    std::int64_t offset = 0;
    for (const std::size_t parameter_index : schedule.parameters_of(index)) {
      const at::Tensor& parameter = parameters[parameter_index];
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

  void gradient_accumulated(std::size_t index) override {
    std::lock_guard<std::mutex> lock(mutex);
    if (!syncing) return;
    for (const std::size_t bucket : schedule.take_completed_by(index)) start(bucket);
  }
};

GradientReducer::GradientReducer(ProcessGroup& group, std::vector<at::Tensor> parameters, std::size_t bucket_bytes)
    : state_(std::make_shared<State>(group, std::move(parameters), bucket_bytes)) {
  State& state = *state_;
  state.buckets.resize(state.schedule.bucket_count());
  for (std::size_t index = 0; index < state.buckets.size(); ++index) {
    std::int64_t values = 0;
    for (const std::size_t parameter : state.schedule.parameters_of(index)) values += state.parameters[parameter].numel();
    const at::Tensor& first = state.parameters[state.schedule.parameters_of(index).front()];
    state.buckets[index].flat = at::empty({values}, first.options().requires_grad(false));
  }
  state.hooks.emplace(state.parameters, state_);
}

GradientReducer::~GradientReducer() = default;

void GradientReducer::prepare_backward(bool sync) {
  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.mutex);
  state.syncing = sync;
  if (!sync) return;
  state.schedule.reset();
  for (Bucket& bucket : state.buckets) bucket.pending.reset();
}

void GradientReducer::finish() {
  State& state = *state_;
  const auto start = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (!state.syncing) throw std::logic_error("GradientReducer::finish without prepare_backward(true)");
    state.syncing = false;
    for (const std::size_t bucket : state.schedule.take_rest()) state.start(bucket);
  }
  for (std::size_t index = 0; index < state.buckets.size(); ++index) {
    Bucket& bucket = state.buckets[index];
    bucket.pending->wait();
    bucket.pending.reset();
    std::int64_t offset = 0;
    for (const std::size_t parameter_index : state.schedule.parameters_of(index)) {
      at::Tensor& parameter = state.parameters[parameter_index];
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

std::size_t GradientReducer::buckets_started_in_backward() const { return state_->schedule.taken_in_backward(); }

double GradientReducer::last_wait_seconds() const { return state_->wait_seconds; }

}  // namespace vdep
