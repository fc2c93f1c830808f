// Putting encoded samples together into the micro-batch the model takes.
#pragma once

#include <vector>

#include "data/collated_batch.h"
#include "data/encoded_sample.h"

namespace vdep {

// The samples in order; their images stacked into one [images, 3, H, W] tensor, sample by sample
// and marker by marker. Sequences stay ragged: the model pads after splicing the images in, when the
// lengths are known. The pixels are copied with plain memcpy rather than at::stack, whose intra-op
// threads would multiply with the loader's own workers. Throws std::runtime_error when the images
// differ in shape (a preprocessing without a fixed output size).
CollatedBatch collate(std::vector<EncodedSample> samples);

}  // namespace vdep
