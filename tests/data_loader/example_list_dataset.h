// A Dataset over examples held in memory, for the loader's tests; chosen records can be made to
// fail as a malformed record in a file would.
#pragma once

#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <vdep/dataset.h>

namespace vdep::test {

class ExampleListDataset final : public Dataset {
 public:
  explicit ExampleListDataset(std::vector<DatasetExample> examples, std::set<std::size_t> malformed = {})
      : examples_(std::move(examples)), malformed_(std::move(malformed)) {}

  std::size_t size() const override { return examples_.size(); }
  DatasetExample example(std::size_t index) const override {
    if (malformed_.count(index) > 0) {
      throw std::runtime_error("records.json: record " + std::to_string(index) + " (byte 1234): \"conversations\" is not an array");
    }
    return examples_.at(index);
  }
  std::string describe() const override { return std::to_string(examples_.size()) + " in-test examples"; }

 private:
  std::vector<DatasetExample> examples_;
  std::set<std::size_t> malformed_;
};

}  // namespace vdep::test
