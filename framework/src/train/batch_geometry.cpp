#include "train/batch_geometry.h"

#include <stdexcept>
#include <string>

namespace vdep {

namespace {

std::int64_t divide_exactly(std::int64_t total, std::int64_t part, const std::string& what) {
  if (total % part != 0) {
    throw std::invalid_argument("global_batch_size " + std::to_string(total) + " is not a multiple of " + what +
                                " (" + std::to_string(part) + ")");
  }
  return total / part;
}

}  // namespace

BatchGeometry resolve_batch_geometry(std::optional<std::int64_t> global_batch_size,
                                     std::optional<std::int64_t> micro_batch_size,
                                     std::optional<std::int64_t> gradient_accumulation, std::int64_t world_size) {
  if (world_size < 1) throw std::invalid_argument("world size must be at least 1");
  for (const auto& [value, name] : {std::pair{global_batch_size, "global_batch_size"},
                                    std::pair{micro_batch_size, "micro_batch_size"},
                                    std::pair{gradient_accumulation, "gradient_accumulation"}}) {
    if (value && *value < 1) throw std::invalid_argument(std::string(name) + " must be at least 1");
  }
  const int given = int(global_batch_size.has_value()) + int(micro_batch_size.has_value()) +
                    int(gradient_accumulation.has_value());
  if (given < 2) {
    throw std::invalid_argument(
        "give two of global_batch_size, micro_batch_size and gradient_accumulation (the third is derived)");
  }
  BatchGeometry geometry;
  geometry.world_size = world_size;
  const std::string world = std::to_string(world_size) + " process(es)";
  if (!gradient_accumulation) {
    geometry.micro_batch_size = *micro_batch_size;
    geometry.gradient_accumulation =
        divide_exactly(*global_batch_size, *micro_batch_size * world_size, "micro_batch_size x " + world);
  } else if (!micro_batch_size) {
    geometry.gradient_accumulation = *gradient_accumulation;
    geometry.micro_batch_size =
        divide_exactly(*global_batch_size, *gradient_accumulation * world_size, "gradient_accumulation x " + world);
  } else {
    geometry.micro_batch_size = *micro_batch_size;
    geometry.gradient_accumulation = *gradient_accumulation;
    if (global_batch_size && *global_batch_size != geometry.global_batch_size()) {
      throw std::invalid_argument("global_batch_size " + std::to_string(*global_batch_size) +
                                  " != micro_batch_size " + std::to_string(*micro_batch_size) +
                                  " x gradient_accumulation " + std::to_string(*gradient_accumulation) + " x " +
                                  world + " = " + std::to_string(geometry.global_batch_size()));
    }
  }
  return geometry;
}

}  // namespace vdep
