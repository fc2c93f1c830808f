// One micro-batch as the data loader hands it to the model: token sequences with image markers
// still in them (the model expands each marker into the image's embeddings, so lengths are only
// known after the encoder has run) and the preprocessed pixels of every image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/objective.h>

namespace vdep {

struct CollatedBatch {
  std::vector<std::string> ids;                       // per sample, for logs and reports
  std::vector<SampleMode> modes;                      // per sample
  // Per sample: the chat template's ids with kImageTokenIndex / kAutoImageTokenIndex markers, and
  // labels of the same length (kIgnoreIndex where nothing is supervised).
  std::vector<std::vector<std::int64_t>> input_ids;
  std::vector<std::vector<std::int64_t>> labels;
  // [images, 3, H, W] float32: every marker's image, in sample order then marker order; undefined
  // when the batch has no image.
  at::Tensor pixel_values;

  std::size_t size() const { return input_ids.size(); }
};

}  // namespace vdep
