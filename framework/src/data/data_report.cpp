#include "data/data_report.h"

#include <numeric>
#include <sstream>

#include <spdlog/spdlog.h>

namespace vdep {

namespace {

std::size_t slot(SampleMode mode) { return mode == SampleMode::Vdep ? 1 : 0; }
const char* mode_name(SampleMode mode) { return mode == SampleMode::Vdep ? "VDEP mode" : "LLaVA mode"; }

}  // namespace

void DataReport::record_encoded(SampleMode mode) {
  std::lock_guard lock(mutex_);
  ++encoded_[slot(mode)];
}

void DataReport::record_skipped(const SkippedSample& sample) {
  std::int64_t count = 0;
  {
    std::lock_guard lock(mutex_);
    ++skipped_[static_cast<std::size_t>(sample.reason)];
    if (first_skipped_.size() < kListedSkips) first_skipped_.push_back(sample);
    count = std::accumulate(skipped_.begin(), skipped_.end(), std::int64_t{0});
  }
  if (count <= static_cast<std::int64_t>(kListedSkips) || (count & (count - 1)) == 0) {
    spdlog::warn("skipping sample {} ({}): {}: {} [{} skipped so far]", sample.id, mode_name(sample.mode),
                 skip_reason_name(sample.reason), sample.detail, count);
  }
}

std::int64_t DataReport::encoded(SampleMode mode) const {
  std::lock_guard lock(mutex_);
  return encoded_[slot(mode)];
}

std::int64_t DataReport::skipped(SkipReason reason) const {
  std::lock_guard lock(mutex_);
  return skipped_[static_cast<std::size_t>(reason)];
}

std::int64_t DataReport::skipped_total() const {
  std::lock_guard lock(mutex_);
  return std::accumulate(skipped_.begin(), skipped_.end(), std::int64_t{0});
}

std::vector<SkippedSample> DataReport::first_skipped() const {
  std::lock_guard lock(mutex_);
  return first_skipped_;
}

std::string DataReport::format() const {
  std::lock_guard lock(mutex_);
  const std::int64_t total_skipped = std::accumulate(skipped_.begin(), skipped_.end(), std::int64_t{0});
  std::ostringstream text;
  text << "data: " << encoded_[0] << " LLaVA-mode and " << encoded_[1] << " VDEP-mode samples encoded; "
       << total_skipped << " skipped";
  for (std::size_t reason = 0; reason < kSkipReasonCount; ++reason) {
    if (skipped_[reason] > 0) {
      text << "\n  " << skip_reason_name(static_cast<SkipReason>(reason)) << ": " << skipped_[reason];
    }
  }
  if (!first_skipped_.empty()) {
    text << "\n  first skipped:";
    for (const SkippedSample& sample : first_skipped_) {
      text << "\n    " << sample.id << " (" << mode_name(sample.mode) << "): " << skip_reason_name(sample.reason)
           << ": " << sample.detail;
    }
  }
  return text.str();
}

}  // namespace vdep
