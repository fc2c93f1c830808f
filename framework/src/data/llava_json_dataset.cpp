#include <vdep/llava_json_dataset.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace vdep {

LlavaJsonDataset::LlavaJsonDataset(std::string name, LlavaAnnotations annotations,
                                   const std::filesystem::path& image_folder, std::size_t limit)
    : name_(std::move(name)),
      annotations_(std::move(annotations)),
      image_folder_(std::filesystem::absolute(image_folder).lexically_normal()),
      size_(limit == 0 ? annotations_.size() : std::min(limit, annotations_.size())) {}

DatasetExample LlavaJsonDataset::example(std::size_t index) const {
  // The file may hold more records than the limit lets through; those are out of range here.
  if (index >= size_) {
    throw std::out_of_range(name_ + ": no example " + std::to_string(index) + ", the dataset has " +
                            std::to_string(size_));
  }
  LlavaRecord record = annotations_.record(index);
  DatasetExample example;
  example.id = std::move(record.id);
  if (record.image) example.images.push_back(image_folder_ / *record.image);
  example.conversations = std::move(record.conversations);
  return example;
}

std::string LlavaJsonDataset::describe() const {
  const std::size_t total = annotations_.size();
  const std::string records = total == 1 ? " record" : " records";
  const std::string count = size_ == total ? std::to_string(total) + records
                                           : "first " + std::to_string(size_) + " of " + std::to_string(total) + records;
  return name_ + ": " + annotations_.path().string() + ", " + count;
}

void LlavaJsonDataset::validate() const { annotations_.validate_first(size_); }

}  // namespace vdep
