// What the loader did with the examples: how many it encoded in each mode and which it skipped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "data/skipped_sample.h"

namespace vdep {

// Thread-safe: loader workers record into one report while the trainer reads it.
class DataReport {
 public:
  void record_encoded(SampleMode mode);
  // Counts the skip, keeps it among the first kListedSkips, and logs a warning for those and then
  // for every power-of-two count: a systematic fault (every image missing) shows without flooding.
  void record_skipped(const SkippedSample& sample);

  std::int64_t encoded(SampleMode mode) const;
  std::int64_t skipped(SkipReason reason) const;
  std::int64_t skipped_total() const;
  std::vector<SkippedSample> first_skipped() const;

  // For the end of the run:
  //   data: 12 LLaVA-mode and 5 VDEP-mode samples encoded; 2 skipped
  //     missing image: 1
  //     ...
  //   first skipped:
  //     ex7 (LLaVA mode): missing image: /data/images/7.png
  std::string format() const;

  static constexpr std::size_t kListedSkips = 20;

 private:
  mutable std::mutex mutex_;
  std::array<std::int64_t, 2> encoded_{};
  std::array<std::int64_t, kSkipReasonCount> skipped_{};
  std::vector<SkippedSample> first_skipped_;
};

}  // namespace vdep
