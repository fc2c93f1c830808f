// ZeRO-2's index space: the trainable parameters, in order, flattened end to end, cut into
// `world_size` contiguous shards of equal length (the last one padded). Rank r owns shard r: its
// gradient sums (ShardedGradientReducer) and its optimizer state (ShardedAdamW).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace vdep {

struct FlatShards {
  FlatShards(const std::vector<at::Tensor>& tensors, int ranks) : world_size(ranks) {
    for (const at::Tensor& tensor : tensors) {
      offsets.push_back(total_numel);
      total_numel += tensor.numel();
    }
    // At least one element, so that no collective moves an empty tensor.
    shard_numel = std::max<std::int64_t>(1, (total_numel + ranks - 1) / ranks);
  }

  std::int64_t shard_begin(int rank) const { return rank * shard_numel; }
  bool operator==(const FlatShards& other) const {
    return offsets == other.offsets && shard_numel == other.shard_numel && world_size == other.world_size;
  }

  std::vector<std::int64_t> offsets;  // of each parameter
  std::int64_t total_numel = 0;
  std::int64_t shard_numel = 0;
  int world_size = 1;
};

}  // namespace vdep
