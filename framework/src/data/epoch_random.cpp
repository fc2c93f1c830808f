#include "data/epoch_random.h"

#include <limits>

namespace vdep {

EpochRandom::EpochRandom(std::uint64_t seed, std::uint64_t epoch, Purpose purpose) {
  std::vector<std::uint32_t> halves;
  for (const std::uint64_t key : {seed, epoch, static_cast<std::uint64_t>(purpose)}) {
    halves.push_back(static_cast<std::uint32_t>(key));
    halves.push_back(static_cast<std::uint32_t>(key >> 32));
  }
  std::seed_seq sequence(halves.begin(), halves.end());
  engine_.seed(sequence);
}

std::uint64_t EpochRandom::below(std::uint64_t count) {
  // Draws in the last, incomplete multiple of `count` would favour the small values.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % count;
  std::uint64_t draw = engine_();
  while (draw >= limit) draw = engine_();
  return draw % count;
}

}  // namespace vdep
