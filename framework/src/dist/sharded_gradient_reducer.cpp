#include "dist/sharded_gradient_reducer.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

#include "dist/gradient_buckets.h"

namespace vdep {

namespace {

// A bucket whose reduces are started and not yet added into the shard.
struct InFlight {
  at::Tensor buffer;
  std::vector<PendingCollective> reduces;
  // The part reduced to this rank (own_numel 0: none): where in the buffer, where in the shard.
  std::int64_t own_buffer_offset = 0;
  std::int64_t own_shard_offset = 0;
  std::int64_t own_numel = 0;
};

at::ScalarType shard_dtype(const std::vector<at::Tensor>& parameters) {
  for (const at::Tensor& parameter : parameters) {
    if (parameter.scalar_type() == at::kDouble) return at::kDouble;
  }
  return at::kFloat;
}

}  // namespace

struct ShardedGradientReducer::State : GradientListener {
  State(ProcessGroup& process_group, std::vector<at::Tensor> tensors, std::size_t bucket_bytes)
      : group(&process_group),
        parameters(std::move(tensors)),
        layout(parameters, process_group.size()),
        schedule(parameters, bucket_bytes, "ShardedGradientReducer") {}

  ProcessGroup* group = nullptr;
  std::vector<at::Tensor> parameters;
  FlatShards layout;
  BucketSchedule schedule;
  std::vector<std::int64_t> bucket_begin;  // each bucket's range of the flat index space
  std::vector<std::int64_t> bucket_end;
  std::int64_t buffer_numel = 0;
  at::TensorOptions buffer_options;
  std::vector<at::Tensor> free_buffers;
  std::size_t allocated = 0;
  std::deque<InFlight> in_flight;  // oldest first
  at::Tensor shard;
  std::vector<bool> had_gradient;
  bool in_backward = false;
  double wait_seconds = 0;
  std::mutex mutex;
  std::optional<AccumulationHooks> hooks;

  // Waits for the oldest bucket in flight, adds its owned part into the shard, frees its buffer.
  void complete_oldest() {
    const auto start = std::chrono::steady_clock::now();
    InFlight& oldest = in_flight.front();
    for (PendingCollective& reduce : oldest.reduces) reduce.wait();
    wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (oldest.own_numel > 0) {
      shard.narrow(0, oldest.own_shard_offset, oldest.own_numel)
          .add_(oldest.buffer.narrow(0, oldest.own_buffer_offset, oldest.own_numel));
    }
    free_buffers.push_back(std::move(oldest.buffer));
    in_flight.pop_front();
  }

  at::Tensor take_buffer() {
    if (free_buffers.empty() && allocated < kPoolBuffers) {
      ++allocated;
      return at::empty({buffer_numel}, buffer_options);
    }
    if (free_buffers.empty()) complete_oldest();
    at::Tensor buffer = std::move(free_buffers.back());
    free_buffers.pop_back();
    return buffer;
  }

  // Copies a bucket's gradients into a buffer, frees them, and starts the reduces to their owners.
  void start(std::size_t bucket) {
    InFlight flight;
    flight.buffer = take_buffer();
    const std::int64_t begin = bucket_begin[bucket];
    const std::int64_t end = bucket_end[bucket];
    for (const std::size_t index : schedule.parameters_of(bucket)) {
      at::Tensor& parameter = parameters[index];
      at::Tensor slice = flight.buffer.narrow(0, layout.offsets[index] - begin, parameter.numel());
      const at::Tensor& grad = parameter.grad();
      if (grad.defined()) {
        slice.copy_(grad.reshape({-1}));
        had_gradient[index] = true;
        parameter.mutable_grad().reset();
      } else {
        slice.zero_();
      }
    }
    for (int owner = 0; owner < layout.world_size; ++owner) {
      const std::int64_t low = std::max(begin, layout.shard_begin(owner));
      const std::int64_t high = std::min(end, layout.shard_begin(owner) + layout.shard_numel);
      if (low >= high) continue;
      at::Tensor piece = flight.buffer.narrow(0, low - begin, high - low);
      flight.reduces.push_back(group->start_reduce_sum(piece, owner));
      if (owner == group->rank()) {
        flight.own_buffer_offset = low - begin;
        flight.own_shard_offset = low - layout.shard_begin(owner);
        flight.own_numel = high - low;
      }
    }
    in_flight.push_back(std::move(flight));
  }

  void gradient_accumulated(std::size_t index) override {
    std::lock_guard<std::mutex> lock(mutex);
    if (!in_backward) return;
    for (const std::size_t bucket : schedule.take_completed_by(index)) start(bucket);
  }
};

ShardedGradientReducer::ShardedGradientReducer(ProcessGroup& group, std::vector<at::Tensor> parameters,
                                               std::size_t bucket_bytes)
    : state_(std::make_shared<State>(group, std::move(parameters), bucket_bytes)) {
  State& state = *state_;
  for (std::size_t bucket = 0; bucket < state.schedule.bucket_count(); ++bucket) {
    // Descending indices: the last is the first in the flat index space.
    const std::vector<std::size_t>& members = state.schedule.parameters_of(bucket);
    state.bucket_begin.push_back(state.layout.offsets[members.back()]);
    state.bucket_end.push_back(state.layout.offsets[members.front()] + state.parameters[members.front()].numel());
    state.buffer_numel = std::max(state.buffer_numel, state.bucket_end.back() - state.bucket_begin.back());
  }
  const at::Device device = state.parameters.empty() ? at::Device(at::kCPU) : state.parameters.front().device();
  state.buffer_options = at::TensorOptions().dtype(shard_dtype(state.parameters)).device(device);
  state.shard = at::zeros({state.layout.shard_numel}, state.buffer_options);
  state.had_gradient.assign(state.parameters.size(), false);
  state.hooks.emplace(state.parameters, state_);
}

ShardedGradientReducer::~ShardedGradientReducer() = default;

void ShardedGradientReducer::prepare_backward() {
  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.in_backward) throw std::logic_error("ShardedGradientReducer: prepare_backward twice without finish");
  state.in_backward = true;
  state.schedule.reset();
  state.wait_seconds = 0;
}

void ShardedGradientReducer::finish() {
  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.mutex);
  if (!state.in_backward) throw std::logic_error("ShardedGradientReducer::finish without prepare_backward");
  state.in_backward = false;
  const auto start = std::chrono::steady_clock::now();
  const double waited_in_backward = state.wait_seconds;
  for (const std::size_t bucket : state.schedule.take_rest()) state.start(bucket);
  while (!state.in_flight.empty()) state.complete_oldest();
  state.wait_seconds =
      waited_in_backward + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const at::Tensor& parameter : state.parameters) {
    if (parameter.grad().defined()) {
      throw std::logic_error(
          "ShardedGradientReducer: a gradient was accumulated after its bucket had been reduced (a parameter "
          "whose gradient accumulator ran twice in one backward)");
    }
  }
}

const at::Tensor& ShardedGradientReducer::gradient_shard() const { return state_->shard; }

const std::vector<bool>& ShardedGradientReducer::had_gradient() const { return state_->had_gradient; }

void ShardedGradientReducer::clear() {
  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.mutex);
  state.shard.zero_();
  state.had_gradient.assign(state.parameters.size(), false);
}

const FlatShards& ShardedGradientReducer::layout() const { return state_->layout; }

std::size_t ShardedGradientReducer::bucket_count() const { return state_->schedule.bucket_count(); }

std::size_t ShardedGradientReducer::buckets_started_in_backward() const { return state_->schedule.taken_in_backward(); }

std::size_t ShardedGradientReducer::peak_buffers() const { return state_->allocated; }

double ShardedGradientReducer::last_wait_seconds() const { return state_->wait_seconds; }

}  // namespace vdep
