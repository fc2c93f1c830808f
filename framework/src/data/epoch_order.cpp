#include "data/epoch_order.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "data/epoch_random.h"
#include "data/modality_length_grouping.h"

namespace vdep {

namespace {

void check(std::size_t example_count, const std::vector<std::int64_t>& modality_lengths,
           const EpochOrderSettings& settings) {
  if (!(settings.data_ratio >= 0.0 && settings.data_ratio <= 1.0)) {
    throw std::invalid_argument("data_ratio must lie in [0, 1] (VDEP-mode items per example with an image), got " +
                                std::to_string(settings.data_ratio));
  }
  if (settings.micro_batch_size == 0) throw std::invalid_argument("micro_batch_size must be at least 1");
  if (settings.world_size == 0) throw std::invalid_argument("world_size must be at least 1");
  if (settings.gradient_accumulation_steps == 0) {
    throw std::invalid_argument("gradient_accumulation_steps must be at least 1");
  }
  if (settings.rank >= settings.world_size) {
    throw std::invalid_argument("rank " + std::to_string(settings.rank) + " is not below world_size " +
                                std::to_string(settings.world_size));
  }
  if (settings.group_by_modality_length && settings.data_ratio > 0.0) {
    throw std::invalid_argument(
        "group_by_modality_length cannot be combined with data_ratio > 0: it sorts every micro-batch by length and "
        "modality, which would undo the mix of LLaVA- and VDEP-mode samples in every micro-batch (LLaVA groups by "
        "length for SFT, where data_ratio does not apply)");
  }
  if (settings.group_by_modality_length && !settings.shuffle) {
    throw std::invalid_argument("group_by_modality_length draws random megabatches: it needs shuffle = true");
  }
  const bool needs_lengths = settings.data_ratio > 0.0 || settings.group_by_modality_length;
  if (needs_lengths && modality_lengths.size() != example_count) {
    throw std::invalid_argument("modality_lengths has " + std::to_string(modality_lengths.size()) + " entries for " +
                                std::to_string(example_count) + " examples");
  }
}

std::vector<std::size_t> identity(std::size_t count) {
  std::vector<std::size_t> indices(count);
  for (std::size_t i = 0; i < count; ++i) indices[i] = i;
  return indices;
}

// The two modes' lists, each in its own order, interleaved as evenly as integers allow.
std::vector<EpochItem> stratified_merge(const std::vector<std::size_t>& llava, const std::vector<std::size_t>& vdep) {
  const std::size_t total = llava.size() + vdep.size();
  std::vector<EpochItem> items;
  items.reserve(total);
  std::size_t next_llava = 0;
  std::size_t next_vdep = 0;
  for (std::size_t i = 0; i < total; ++i) {
    const bool is_vdep = (i + 1) * vdep.size() / total > i * vdep.size() / total;
    if (is_vdep) items.push_back({vdep[next_vdep++], SampleMode::Vdep});
    else items.push_back({llava[next_llava++], SampleMode::Llava});
  }
  return items;
}

std::vector<EpochItem> global_order(std::size_t example_count, const std::vector<std::int64_t>& modality_lengths,
                                    const EpochOrderSettings& settings, std::uint64_t epoch, EpochComposition& counts) {
  counts.examples = example_count;
  counts.llava_items = example_count;
  if (settings.group_by_modality_length) {
    EpochRandom random(settings.seed, epoch, EpochRandom::Purpose::LengthGrouping);
    const std::vector<std::size_t> order = modality_length_grouped_order(
        modality_lengths, settings.micro_batch_size, settings.world_size * settings.gradient_accumulation_steps, random);
    std::vector<EpochItem> items;
    items.reserve(order.size());
    for (const std::size_t example : order) items.push_back({example, SampleMode::Llava});
    return items;
  }

  std::vector<std::size_t> llava = identity(example_count);
  if (settings.shuffle) {
    EpochRandom random(settings.seed, epoch, EpochRandom::Purpose::LlavaOrder);
    random.shuffle(llava);
  }
  std::vector<std::size_t> vdep;
  if (settings.data_ratio > 0.0) {
    for (std::size_t i = 0; i < example_count; ++i) {
      if (modality_lengths[i] > 0) vdep.push_back(i);
    }
    // A shuffled list's first V entries are a uniform random subset, already in random order.
    EpochRandom random(settings.seed, epoch, EpochRandom::Purpose::VdepSubset);
    random.shuffle(vdep);
    vdep.resize(static_cast<std::size_t>(std::llround(settings.data_ratio * static_cast<double>(vdep.size()))));
    if (!settings.shuffle) std::sort(vdep.begin(), vdep.end());
  }
  counts.vdep_items = vdep.size();
  return stratified_merge(llava, vdep);
}

void count_modalities(const std::vector<std::int64_t>& modality_lengths, EpochComposition& counts) {
  counts.image_examples = static_cast<std::size_t>(
      std::count_if(modality_lengths.begin(), modality_lengths.end(), [](std::int64_t length) { return length > 0; }));
  counts.text_only_examples = modality_lengths.size() - counts.image_examples;
}

// Global micro-batch k to rank k mod world_size; the last, incomplete round in equal contiguous parts.
std::vector<EpochItem> shard(std::vector<EpochItem> items, const EpochOrderSettings& settings, EpochComposition& counts) {
  const std::size_t world = settings.world_size;
  const std::size_t original = items.size();
  const std::size_t padded = (original + world - 1) / world * world;
  for (std::size_t i = original; i < padded; ++i) items.push_back(items[(i - original) % original]);
  counts.repeated_items = padded - original;
  if (world == 1) return items;

  const std::size_t batch = settings.micro_batch_size;
  const std::size_t round = batch * world;
  const std::size_t full_rounds_end = padded / round * round;
  std::vector<EpochItem> mine;
  mine.reserve(padded / world);
  for (std::size_t start = settings.rank * batch; start < full_rounds_end; start += round) {
    mine.insert(mine.end(), items.begin() + static_cast<std::ptrdiff_t>(start),
                items.begin() + static_cast<std::ptrdiff_t>(start + batch));
  }
  const std::size_t part = (padded - full_rounds_end) / world;
  const std::size_t part_start = full_rounds_end + settings.rank * part;
  mine.insert(mine.end(), items.begin() + static_cast<std::ptrdiff_t>(part_start),
              items.begin() + static_cast<std::ptrdiff_t>(part_start + part));
  return mine;
}

}  // namespace

EpochOrder make_epoch_order(std::size_t example_count, const std::vector<std::int64_t>& modality_lengths,
                            const EpochOrderSettings& settings, std::uint64_t epoch) {
  check(example_count, modality_lengths, settings);
  EpochOrder order;
  if (modality_lengths.size() == example_count) count_modalities(modality_lengths, order.composition);
  if (example_count == 0) return order;
  order.items = shard(global_order(example_count, modality_lengths, settings, epoch, order.composition), settings,
                      order.composition);
  for (const EpochItem& item : order.items) {
    ++(item.mode == SampleMode::Vdep ? order.composition.rank_vdep_items : order.composition.rank_llava_items);
  }
  return order;
}

std::string EpochComposition::describe(const EpochOrderSettings& settings) const {
  std::ostringstream text;
  text << llava_items + vdep_items << " items: " << llava_items << " LLaVA-mode + " << vdep_items << " VDEP-mode";
  if (image_examples + text_only_examples == examples) {
    text << " (data_ratio " << settings.data_ratio << " of " << image_examples << " examples with an image; "
         << text_only_examples << " text-only)";
  }
  if (settings.world_size > 1) {
    text << "; rank " << settings.rank << " of " << settings.world_size << ": " << rank_llava_items << " LLaVA-mode + "
         << rank_vdep_items << " VDEP-mode, " << repeated_items << " repeated over all ranks";
  }
  return text.str();
}

}  // namespace vdep
