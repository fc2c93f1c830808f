#include "data/shapes_random.h"

#include <limits>
#include <vector>

namespace vdep {

namespace {

std::seed_seq seed_sequence(std::initializer_list<std::uint64_t> keys) {
  std::vector<std::uint32_t> halves;
  for (std::uint64_t key : keys) {
    halves.push_back(static_cast<std::uint32_t>(key));
    halves.push_back(static_cast<std::uint32_t>(key >> 32));
  }
  return std::seed_seq(halves.begin(), halves.end());
}

}  // namespace

ShapesRandom::ShapesRandom(std::initializer_list<std::uint64_t> keys) {
  std::seed_seq sequence = seed_sequence(keys);
  engine_.seed(sequence);
}

std::uint64_t ShapesRandom::below(std::uint64_t count) {
  // Draws in the last, incomplete multiple of `count` would favour the small values.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % count;
  std::uint64_t draw = engine_();
  while (draw >= limit) draw = engine_();
  return draw % count;
}

int ShapesRandom::between(int low, int high) {
  return low + static_cast<int>(below(static_cast<std::uint64_t>(high - low) + 1));
}

bool ShapesRandom::coin() { return below(2) == 1; }

}  // namespace vdep
