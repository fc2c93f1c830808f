// One example made ready for the model: token ids, labels and preprocessed images.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/objective.h>

namespace vdep {

struct EncodedSample {
  std::string id;
  SampleMode mode = SampleMode::Llava;
  std::vector<std::int64_t> input_ids;  // image markers as kImageTokenIndex / kAutoImageTokenIndex
  std::vector<std::int64_t> labels;     // same length; kIgnoreIndex where nothing is supervised
  std::vector<at::Tensor> images;       // float32 [3, H, W], one per marker, in marker order
};

}  // namespace vdep
