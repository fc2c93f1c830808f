// The bucketing that data parallelism's gradient syncs share (GradientReducer for DDP,
// ShardedGradientReducer for ZeRO-2), as PyTorch's DDP does it: parameters grouped into buckets of
// about `bucket_bytes`, in the reverse of their order (the order backward produces their
// gradients), a new bucket also where the dtype or device changes; autograd's hooks on each
// parameter's AccumulateGrad say when its gradient is in, and buckets are started strictly in
// order, so every rank issues the same sequence of collectives whatever order its hooks fire in.
// A bucket's parameters are consecutive: it covers one contiguous range of the parameters'
// flattened, end-to-end index space.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

namespace torch::autograd {
struct Node;
}

namespace vdep {

class BucketSchedule {
 public:
  // The parameters must require gradients (std::invalid_argument naming `owner` otherwise).
  BucketSchedule(const std::vector<at::Tensor>& parameters, std::size_t bucket_bytes, const char* owner);

  std::size_t bucket_count() const { return buckets_.size(); }
  // Indices into the parameters, in descending order.
  const std::vector<std::size_t>& parameters_of(std::size_t bucket) const { return buckets_[bucket]; }

  // A new backward: every parameter waits for its gradient, no bucket is started.
  void reset();
  // The parameter's gradient is accumulated (a second time in one backward changes nothing): takes
  // and returns, in order, the buckets that are now complete and next in line.
  std::vector<std::size_t> take_completed_by(std::size_t parameter);
  // Takes and returns, in order, every bucket not taken yet, complete or not (after backward).
  std::vector<std::size_t> take_rest();
  // Buckets take_completed_by has taken since reset(): those started while backward ran.
  std::size_t taken_in_backward() const { return taken_in_backward_; }

 private:
  std::vector<std::vector<std::size_t>> buckets_;
  std::vector<std::size_t> bucket_of_;  // parameter → bucket
  std::vector<bool> ready_;             // parameter's gradient accumulated in this backward
  std::vector<std::size_t> waiting_;    // per bucket: gradients of this backward not yet accumulated
  std::size_t next_ = 0;
  std::size_t taken_in_backward_ = 0;
};

// Told, from autograd's thread, when a parameter's gradient has been accumulated.
class GradientListener {
 public:
  virtual ~GradientListener() = default;
  virtual void gradient_accumulated(std::size_t parameter) = 0;
};

// A post hook on each parameter's AccumulateGrad that calls the listener with the parameter's index
// while it lives (autograd may outlive it: a later stage's graph over the same leaf).
class AccumulationHooks {
 public:
  AccumulationHooks(const std::vector<at::Tensor>& parameters, std::weak_ptr<GradientListener> listener);
  ~AccumulationHooks();

 private:
  // Autograd keeps only weak references to a leaf's accumulator: holding them keeps the hooks.
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;
};

}  // namespace vdep
