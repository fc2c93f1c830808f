// The random choices behind the shapes dataset, reproducible from a few integer keys.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>

namespace vdep {

// A std::mt19937_64 seeded from every key (std::seed_seq over their 32-bit halves), so that
// (seed, index, split, purpose) each give their own stream. Ranges are drawn by rejection rather
// than with std::uniform_int_distribution, whose algorithm differs between standard libraries:
// the same keys give the same dataset whichever library built vdep.
class ShapesRandom {
 public:
  explicit ShapesRandom(std::initializer_list<std::uint64_t> keys);

  // Uniform in [0, count); count > 0.
  std::uint64_t below(std::uint64_t count);
  // Uniform in [low, high]; low <= high.
  int between(int low, int high);
  bool coin();

 private:
  std::mt19937_64 engine_;
};

}  // namespace vdep
