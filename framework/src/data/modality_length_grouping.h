// LLaVA's group_by_modality_length: an epoch order whose micro-batches hold examples of one
// modality and of similar lengths, so that little of a batch is padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/epoch_random.h"

namespace vdep {

// LLaVA's get_modality_length_grouped_indices (llava/train/llava_trainer.py), with `random` in place
// of torch's generators (LLaVA leaves the per-modality shuffles unseeded; here they are seeded):
// - lengths > 0 are multimodal examples, the others language-only (LLaVA asserts none is 0);
// - each modality is shuffled and cut into megabatches of `batches_per_megabatch` x `batch_size`
//   (LLaVA: world size x gradient accumulation steps x per-device batch), each sorted by length,
//   longest first, and dealt into `batches_per_megabatch` batches of near-equal total length;
// - the last, incomplete megabatch of each modality are put together, sorted by index, at the end;
//   the other megabatches are shuffled.
// When every example has the same modality, the whole order is LLaVA's get_length_grouped_indices,
// sorted by the absolute length (LLaVA sorts an all-text dataset by its negative lengths, shortest
// first, which we take to be unintended).
// Returns a permutation of [0, lengths.size()).
std::vector<std::size_t> modality_length_grouped_order(const std::vector<std::int64_t>& lengths, std::size_t batch_size,
                                                       std::size_t batches_per_megabatch, EpochRandom& random);

}  // namespace vdep
