#include "data/concatenated_datasets.h"

#include <algorithm>
#include <stdexcept>

namespace vdep {

ConcatenatedDatasets::ConcatenatedDatasets(std::vector<const Dataset*> datasets) : datasets_(std::move(datasets)) {
  starts_.push_back(0);
  for (const Dataset* dataset : datasets_) {
    if (dataset == nullptr) throw std::invalid_argument("ConcatenatedDatasets: null dataset");
    starts_.push_back(starts_.back() + dataset->size());
  }
}

DatasetExample ConcatenatedDatasets::example(std::size_t index) const {
  if (index >= size()) {
    throw std::out_of_range("example " + std::to_string(index) + " of " + std::to_string(size()));
  }
  // The last start not after `index`: upper_bound skips past empty datasets sharing that start.
  const auto after = std::upper_bound(starts_.begin(), starts_.end(), index);
  const std::size_t dataset = static_cast<std::size_t>(after - starts_.begin()) - 1;
  return datasets_[dataset]->example(index - starts_[dataset]);
}

std::vector<std::int64_t> ConcatenatedDatasets::modality_lengths() const {
  std::vector<std::int64_t> lengths;
  lengths.reserve(size());
  for (const Dataset* dataset : datasets_) {
    for (std::size_t i = 0; i < dataset->size(); ++i) lengths.push_back(dataset->modality_length(i));
  }
  return lengths;
}

std::string ConcatenatedDatasets::describe() const {
  std::string text;
  for (const Dataset* dataset : datasets_) {
    if (!text.empty()) text += '\n';
    text += dataset->describe();
  }
  return text;
}

}  // namespace vdep
