// Data parallelism's gradient sync, as PyTorch's DDP does it: the parameters are grouped into
// buckets of about `bucket_bytes`, in the reverse of their order (the order backward produces
// their gradients), and each bucket's all-reduce starts from autograd's hooks as soon as its last
// gradient is accumulated, while backward goes on with the layers before it. finish() waits for
// them and writes the sums back. Buckets start strictly in order, so every rank issues the same
// sequence of collectives whatever order its hooks fire in (dist/gradient_buckets.h, which ZeRO-2's
// ShardedGradientReducer shares).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

#include "dist/process_group.h"

namespace vdep {

class GradientReducer {
 public:
  struct State;

  // The parameters must require gradients. The group must outlive the reducer.
  GradientReducer(ProcessGroup& group, std::vector<at::Tensor> parameters, std::size_t bucket_bytes);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before each backward of an optimizer step: only the step's last backward syncs (`sync`), the
  // micro-steps before it accumulate locally, as DDP's no_sync() does.
  void prepare_backward(bool sync);
  // After the last backward: starts the buckets the hooks did not (parameters this rank's graph
  // did not reach count as zero), waits for every bucket, and leaves each parameter's .grad holding
  // the sum over ranks.
  void finish();

  std::size_t bucket_count() const;
  // Of the last synced backward: buckets whose all-reduce started inside backward, from a hook.
  std::size_t buckets_started_in_backward() const;
  // Seconds finish() spent waiting for communication (the part backward did not hide).
  double last_wait_seconds() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace vdep
