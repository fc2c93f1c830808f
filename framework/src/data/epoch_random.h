// The random choices behind an epoch's order, reproducible from (seed, epoch, purpose).
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace vdep {

// A std::mt19937_64 (whose output the C++ standard fixes) seeded by std::seed_seq (whose mixing it
// fixes too) over the 32-bit halves of seed, epoch and purpose. Draws use rejection rather than
// std::uniform_int_distribution, and shuffles are our own Fisher–Yates rather than std::shuffle,
// whose algorithms differ between standard libraries: every rank, platform and build sees the same
// order. `purpose` keeps independent choices (which examples go VDEP, the order) from sharing a stream.
class EpochRandom {
 public:
  enum class Purpose : std::uint64_t { VdepSubset = 1, LlavaOrder = 2, LengthGrouping = 3 };

  EpochRandom(std::uint64_t seed, std::uint64_t epoch, Purpose purpose);

  // Uniform in [0, count); count > 0.
  std::uint64_t below(std::uint64_t count);

  // Fisher–Yates from the back: position i swaps with a uniform position in [0, i].
  template <typename T>
  void shuffle(std::vector<T>& values) {
    for (std::size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[below(i)]);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace vdep
