// ZeRO-2's optimizer half (strategy = "zero2"): AdamW whose state is split across the ranks. The
// parameters, taken in order and flattened, form one index space cut into `world_size` contiguous
// shards of equal length (the last one padded; dist/flat_shards.h); rank r keeps master values,
// exp_avg and exp_avg_sq (all fp32, or fp64 if a parameter is fp64) and the step count only for the
// parts of the parameters inside shard r, and updates only those. Its gradients come summed over
// ranks, shard r to rank r, from a ShardedGradientReducer that reduced them during backward.
//
// Memory per rank, N trainable parameters in bf16, W ranks: weights 2N + optimizer state
// (4 master + 4 + 4 moments) N / W + the reducer's fp32 gradient shard 4N / W + its pool of two
// bucket buffers (2 × 4 bytes × the largest bucket) + the .grad autograd holds until its bucket
// is sent (about one bucket; see sharded_gradient_reducer.h) + inside step() one gather buffer of
// W × chunk elements (fp32; Gloo's all-gather copies through a second one of that size). No buffer
// of N elements exists. 7B SFT (N = 6.76e9, W = 8, chunk 16 Mi): 13.5 GB weights + 10.1 GB state
// + 3.4 GB gradient shard + 1.05 GB pool (LLaMA's 131 M element embedding and lm_head are buckets
// of their own) + ≤ 0.3 GB live .grad + 2 × 0.54 GB gather ≈ 29.5 GB before activations, where it
// was 2N + 2N (full .grad) + 4N (step()'s flat buffer) + 12N/8 ≈ 9.5N ≈ 64 GB.
//
// The trajectory is that of one process running clip_grad_norm + AdamWOptimizer::step on the
// gradients summed over ranks and backwards (a SUM: the trainer normalises its losses by global
// counts), for fp32 and fp64 parameters; bf16/fp16 parameters are updated through their fp32
// master copy and only then rounded, where AdamWOptimizer rounds the decay and the update separately.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dist/flat_shards.h"
#include "dist/process_group.h"
#include "dist/sharded_gradient_reducer.h"
#include "train/adamw_optimizer.h"
#include "train/trainable_parameters.h"

namespace vdep {

class ShardedAdamW {
 public:
  // Values gathered per rank per all-gather chunk in step().
  static constexpr std::int64_t kDefaultGatherChunkNumel = std::int64_t{16} << 20;

  // Every rank must give the same parameters (names, shapes, order, values; contiguous). The group
  // must outlive the optimizer. Throws std::invalid_argument for two parameters of the same name.
  ShardedAdamW(ProcessGroup& group, std::vector<TrainableParameter> parameters, AdamWOptions options,
               std::int64_t gather_chunk_numel = kDefaultGatherChunkNumel);

  // A collective: every rank calls it once per optimizer step, after the reducer (built over the
  // same parameters, in the same order) finished the step's last backward. Takes this rank's shard
  // of the summed gradients from it, clips them by the global norm (max_grad_norm <= 0 or infinite:
  // no clipping), updates the owned slices, gathers the result into every rank's parameters,
  // `gather_chunk_numel` values per rank at a time, and clears the reducer's shard. A parameter that
  // had a gradient on no rank is skipped as AdamWOptimizer skips it: unchanged, its step count kept,
  // no decay. Returns the global gradient norm before clipping (0 when no parameter has a gradient).
  double step(ShardedGradientReducer& gradients, double lr, double max_grad_norm);
  // Drops every gradient, as AdamWOptimizer::zero_grad does.
  void zero_grad();

  // This rank's shard only: "zero2.world_size", "zero2.rank", "zero2.total_numel" (0-dim int64),
  // then for each parameter with elements in this shard "<name>.offset" (0-dim int64: where the
  // owned slice starts in the flattened parameter), "<name>.master", "<name>.exp_avg",
  // "<name>.exp_avg_sq" (1-D, the live tensors) and "<name>.step" (0-dim int64).
  std::vector<std::pair<std::string, at::Tensor>> state_tensors() const;
  // Copies state_tensors() as saved by the same rank of a run with the same world size and
  // parameters back in. Throws std::runtime_error, before any state is changed, when it was saved
  // by another rank or world size (naming both), or for a missing, unknown or misshapen key.
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors);

  const std::vector<TrainableParameter>& parameters() const { return parameters_; }
  // Elements per shard (the flat index space padded to world_size of them).
  std::int64_t shard_numel() const { return layout_.shard_numel; }

 private:
  // The part of one parameter inside this rank's shard.
  struct Segment {
    std::size_t parameter = 0;     // index into parameters_
    std::int64_t offset = 0;       // first element, in the flattened parameter
    std::int64_t shard_begin = 0;  // first element, in this rank's shard
    std::int64_t numel = 0;
    at::Tensor master;      // views of the shard buffers below
    at::Tensor exp_avg;     // m
    at::Tensor exp_avg_sq;  // v
    std::int64_t step = 0;
  };

  ProcessGroup& group_;
  std::vector<TrainableParameter> parameters_;
  FlatShards layout_;
  std::int64_t gather_chunk_numel_ = kDefaultGatherChunkNumel;
  at::ScalarType state_dtype_;
  AdamWOptions options_;
  at::Tensor master_;  // this rank's shard, layout_.shard_numel elements (padding stays zero)
  at::Tensor exp_avg_;
  at::Tensor exp_avg_sq_;
  std::vector<Segment> segments_;  // in parameter order
};

}  // namespace vdep
