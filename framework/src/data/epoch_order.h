// Which examples one rank trains on in one epoch, in which order and in which mode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <vdep/objective.h>

namespace vdep {

struct EpochOrderSettings {
  std::size_t micro_batch_size = 1;
  std::uint64_t seed = 0;
  bool shuffle = true;
  // VDEP-mode items per example with an image, in [0, 1] (DESIGN.md: #VDEP / #LLaVA samples).
  double data_ratio = 0.0;
  bool group_by_modality_length = false;
  // LLaVA groups lengths over world size x gradient accumulation steps micro-batches at once.
  std::size_t gradient_accumulation_steps = 1;
  std::size_t rank = 0;
  std::size_t world_size = 1;
};

struct EpochItem {
  std::size_t example = 0;  // index into the concatenated datasets
  SampleMode mode = SampleMode::Llava;

  bool operator==(const EpochItem& other) const { return example == other.example && mode == other.mode; }
};

// What an epoch is made of, for the run log.
struct EpochComposition {
  std::size_t examples = 0;             // in the datasets
  std::size_t image_examples = 0;       // with at least one image (known only with data_ratio or grouping)
  std::size_t text_only_examples = 0;
  std::size_t llava_items = 0;          // over all ranks: every example once
  std::size_t vdep_items = 0;           // over all ranks: round(data_ratio x image_examples)
  std::size_t rank_llava_items = 0;     // this rank's share, repeated items included
  std::size_t rank_vdep_items = 0;
  std::size_t repeated_items = 0;       // added over all ranks so that every rank has as many

  // "17 items: 12 LLaVA-mode + 5 VDEP-mode (data_ratio 0.5 of 10 examples with an image; 2 text-only);
  //  rank 0 of 2: 6 LLaVA-mode + 3 VDEP-mode, 1 repeated over all ranks"
  std::string describe(const EpochOrderSettings& settings) const;
};

struct EpochOrder {
  std::vector<EpochItem> items;  // this rank's, in training order
  EpochComposition composition;
};

// The order of epoch `epoch` for settings.rank. `modality_lengths` (Dataset::modality_length of
// every example: > 0 with an image) is needed with data_ratio > 0 or group_by_modality_length and
// may be empty otherwise; `example_count` examples in all.
//
// - Items: every example once in LLaVA mode; with data_ratio > 0, a random round(data_ratio x the
//   examples with an image) of those (rounded half away from zero) once more in VDEP mode.
//   Text-only examples are never VDEP: they have no image to reconstruct.
// - Order: each mode's list is shuffled (or kept in index order without `shuffle`), then the two are
//   merged so that item i is VDEP exactly when floor((i + 1) V / N) > floor(i V / N) for V VDEP of
//   N items: every run of b consecutive items holds floor(b V / N) or ceil(b V / N) VDEP ones, so
//   every micro-batch mixes the modes in the data_ratio proportion, not just the epoch on average.
// - group_by_modality_length instead orders the (LLaVA-mode) items as LLaVA does
//   (modality_length_grouped_order). It needs `shuffle`, and refuses data_ratio > 0: its batches are
//   sorted by length, which would undo the mix of modes in every micro-batch (LLaVA uses it for SFT,
//   not for pre-training, where data_ratio applies).
// - Sharding: every rank computes the same global order from (seed, epoch). It is made a multiple of
//   world_size long by repeating its start (as PyTorch's DistributedSampler), then dealt by
//   micro-batches: global micro-batch k goes to rank k mod world_size (as accelerate shards LLaVA's
//   batches, so that group_by_modality_length's balanced chunks land on different ranks), and the
//   remainder short of a full round is cut into world_size equal contiguous parts. Ranks get
//   disjoint items (but for the repeated ones), equally many.
// Throws std::invalid_argument for a data_ratio outside [0, 1], a micro_batch_size or world_size of 0,
// rank >= world_size, the combinations refused above, or modality_lengths of the wrong size.
EpochOrder make_epoch_order(std::size_t example_count, const std::vector<std::int64_t>& modality_lengths,
                            const EpochOrderSettings& settings, std::uint64_t epoch);

}  // namespace vdep
