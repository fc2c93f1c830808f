// Several datasets read as one, example indices running on from one to the next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <vdep/dataset.h>

namespace vdep {

// Does not own the datasets, which must outlive it. Safe to call concurrently as the datasets are.
class ConcatenatedDatasets {
 public:
  // Throws std::invalid_argument for a null dataset.
  explicit ConcatenatedDatasets(std::vector<const Dataset*> datasets);

  std::size_t size() const { return starts_.back(); }
  // Throws std::out_of_range past the end; otherwise what the dataset's example() throws.
  DatasetExample example(std::size_t index) const;
  // Every example's Dataset::modality_length, in order.
  std::vector<std::int64_t> modality_lengths() const;
  // One line per dataset: its describe().
  std::string describe() const;

 private:
  std::vector<const Dataset*> datasets_;
  std::vector<std::size_t> starts_;  // starts_[d]: the first index of dataset d; back() the total
};

}  // namespace vdep
