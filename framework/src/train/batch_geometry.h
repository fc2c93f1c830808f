// How a stage's global batch splits into micro-batches: global = micro x accumulation x world.
// Experiment files give any two of the first three (the paper's scripts give the global batch and
// the per-device batch); the third is derived, and a set that does not multiply out is an error.
#pragma once

#include <cstdint>
#include <optional>

namespace vdep {

struct BatchGeometry {
  std::int64_t micro_batch_size = 1;      // samples per forward, per rank
  std::int64_t gradient_accumulation = 1;  // micro-batches per optimizer step, per rank
  std::int64_t world_size = 1;
  std::int64_t global_batch_size() const { return micro_batch_size * gradient_accumulation * world_size; }
};

// Throws std::invalid_argument saying what does not fit (fewer than two given, a value below 1,
// a global batch that the others do not divide, or three that do not multiply out).
BatchGeometry resolve_batch_geometry(std::optional<std::int64_t> global_batch_size,
                                     std::optional<std::int64_t> micro_batch_size,
                                     std::optional<std::int64_t> gradient_accumulation, std::int64_t world_size);

}  // namespace vdep
