// ZeRO-2's gradient half (strategy = "zero2"), as DeepSpeed's stage 2 does it: the gradients are
// summed over ranks to their owners during every backward and freed, so the full gradients never
// exist at once. Buckets and hooks are DDP's (dist/gradient_buckets.h: reverse parameter order,
// started strictly in order from autograd's AccumulateGrad hooks); the index space and its shards
// are ShardedAdamW's (dist/flat_shards.h). When a bucket is complete its gradients are copied into
// a buffer of a pool of two, their .grad is reset (freed), and one reduce per rank whose shard
// meets the bucket's range sends the sums to that owner (in bucket order, then owner rank, the same
// on every rank). When both buffers are in flight, the oldest bucket is waited for and its owned
// part added into this rank's gradient shard before its buffer is reused. finish(), after each
// backward, starts the buckets the hooks did not (a parameter without a gradient counts as zeros)
// and adds in every bucket's owned part. The shard thus accumulates the micro-steps' sums until
// ShardedAdamW::step consumes and clears it.
//
// Memory per rank, N trainable parameters in bf16, W ranks, B the largest bucket's elements (about
// bucket_bytes / 2 for bf16, or a parameter larger than that alone): the fp32 gradient shard 4N / W,
// the pool 2 × 4B bytes (buffers in the shard's dtype, fp32, so the sums are as exact as the
// previous ZeRO-2's, at twice bf16's traffic), and the bf16 .grad of the parameters whose bucket has
// not been sent yet: about one bucket while backward goes through the layers in order, but since
// buckets go strictly in order, a parameter that backward reaches late (or, on this rank, not at
// all) keeps every later bucket's gradients alive until it (or finish()) comes. The full 2N of
// gradients never exists otherwise. 7B SFT (N = 6.76e9, W = 8, 25 MiB buckets; LLaMA's embedding
// and lm_head, 131 M elements each, are buckets of their own): 3.4 GB shard + 2 × 0.52 GB pool +
// at most ~0.3 GB of live .grad (one of those two).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

#include "dist/flat_shards.h"
#include "dist/process_group.h"

namespace vdep {

class ShardedGradientReducer {
 public:
  struct State;
  static constexpr std::size_t kPoolBuffers = 2;

  // The parameters (requiring gradients) in ShardedAdamW's order. The group must outlive the reducer.
  ShardedGradientReducer(ProcessGroup& group, std::vector<at::Tensor> parameters, std::size_t bucket_bytes);
  ~ShardedGradientReducer();
  ShardedGradientReducer(const ShardedGradientReducer&) = delete;
  ShardedGradientReducer& operator=(const ShardedGradientReducer&) = delete;

  // Before every backward (each micro-step syncs). Throws std::logic_error after a backward that
  // was not finished.
  void prepare_backward();
  // After every backward: starts the buckets the hooks did not, waits for all and adds this rank's
  // part into gradient_shard(). Every parameter's .grad is then undefined (std::logic_error if one
  // was accumulated after its bucket had been sent: a parameter whose AccumulateGrad ran twice).
  void finish();

  // This rank's shard (layout().shard_numel elements; fp32, fp64 if a parameter is fp64) of the
  // gradients summed over ranks and over the backwards since the last clear().
  const at::Tensor& gradient_shard() const;
  // Per parameter: whether this rank had a gradient for it in a backward since the last clear().
  const std::vector<bool>& had_gradient() const;
  // Zeroes the shard and the flags (ShardedAdamW::step does, after using them).
  void clear();

  const FlatShards& layout() const;
  std::size_t bucket_count() const;
  // Of the last backward: buckets whose reduces started inside backward, from a hook.
  std::size_t buckets_started_in_backward() const;
  // Bucket buffers allocated so far (the pool never grows past kPoolBuffers).
  std::size_t peak_buffers() const;
  // Seconds the last backward waited for communication: in hooks for a buffer, and in finish().
  double last_wait_seconds() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace vdep
