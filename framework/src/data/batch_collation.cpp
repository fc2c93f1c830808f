#include "data/batch_collation.h"

#include <cstring>
#include <stdexcept>

#include <ATen/ops/empty.h>

namespace vdep {

namespace {

std::string shape_text(const at::Tensor& image) {
  std::string text;
  for (const std::int64_t side : image.sizes()) text += (text.empty() ? "" : "x") + std::to_string(side);
  return text;
}

}  // namespace

CollatedBatch collate(std::vector<EncodedSample> samples) {
  CollatedBatch batch;
  std::vector<at::Tensor> images;
  for (EncodedSample& sample : samples) {
    batch.ids.push_back(std::move(sample.id));
    batch.modes.push_back(sample.mode);
    batch.input_ids.push_back(std::move(sample.input_ids));
    batch.labels.push_back(std::move(sample.labels));
    for (at::Tensor& image : sample.images) images.push_back(std::move(image));
  }
  if (images.empty()) return batch;

  const at::IntArrayRef shape = images.front().sizes();
  std::vector<std::int64_t> stacked_shape{static_cast<std::int64_t>(images.size())};
  stacked_shape.insert(stacked_shape.end(), shape.begin(), shape.end());
  batch.pixel_values = at::empty(stacked_shape, at::kFloat);
  const std::size_t image_bytes = static_cast<std::size_t>(images.front().numel()) * sizeof(float);
  auto* destination = static_cast<char*>(batch.pixel_values.data_ptr());
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (images[i].sizes() != shape) {
      throw std::runtime_error("cannot stack the images of a micro-batch: " + shape_text(images.front()) + " and " +
                               shape_text(images[i]) + " (the image preprocessing must give one size, e.g. with a "
                               "centre crop or an exact resize)");
    }
    const at::Tensor image = images[i].to(at::kFloat).contiguous();
    std::memcpy(destination + i * image_bytes, image.data_ptr(), image_bytes);
  }
  return batch;
}

}  // namespace vdep
