#include "data/modality_length_grouping.h"

#include <algorithm>
#include <limits>

namespace vdep {

namespace {

using Megabatch = std::vector<std::size_t>;

// LLaVA's split_to_even_chunks: each index, longest first, joins the chunk with the least total
// length that is not yet full; when the megabatch does not divide evenly, chunk c takes every
// chunks-th index from c instead.
std::vector<Megabatch> split_to_even_chunks(const Megabatch& indices, const std::vector<std::int64_t>& lengths,
                                            std::size_t chunks) {
  std::vector<Megabatch> split(chunks);
  if (indices.size() % chunks != 0) {
    for (std::size_t i = 0; i < indices.size(); ++i) split[i % chunks].push_back(indices[i]);
    return split;
  }
  const std::size_t per_chunk = indices.size() / chunks;
  constexpr double kFull = std::numeric_limits<double>::infinity();
  std::vector<double> totals(chunks, 0.0);
  for (const std::size_t index : indices) {
    const std::size_t shortest = static_cast<std::size_t>(std::min_element(totals.begin(), totals.end()) - totals.begin());
    split[shortest].push_back(index);
    totals[shortest] += static_cast<double>(lengths[index]);
    if (split[shortest].size() == per_chunk) totals[shortest] = kFull;
  }
  return split;
}

// LLaVA's get_length_grouped_indices over `lengths` (all positive).
Megabatch length_grouped_order(const std::vector<std::int64_t>& lengths, std::size_t batch_size,
                               std::size_t batches_per_megabatch, EpochRandom& random) {
  Megabatch shuffled(lengths.size());
  for (std::size_t i = 0; i < shuffled.size(); ++i) shuffled[i] = i;
  random.shuffle(shuffled);
  const std::size_t megabatch_size = batch_size * batches_per_megabatch;
  Megabatch order;
  order.reserve(shuffled.size());
  for (std::size_t start = 0; start < shuffled.size(); start += megabatch_size) {
    Megabatch megabatch(shuffled.begin() + static_cast<std::ptrdiff_t>(start),
                        shuffled.begin() + static_cast<std::ptrdiff_t>(std::min(start + megabatch_size, shuffled.size())));
    // Python's sorted is stable: equal lengths keep their shuffled order.
    std::stable_sort(megabatch.begin(), megabatch.end(),
                     [&](std::size_t a, std::size_t b) { return lengths[a] > lengths[b]; });
    for (const Megabatch& chunk : split_to_even_chunks(megabatch, lengths, batches_per_megabatch)) {
      order.insert(order.end(), chunk.begin(), chunk.end());
    }
  }
  return order;
}

std::vector<Megabatch> cut_into_megabatches(const Megabatch& order, std::size_t megabatch_size) {
  std::vector<Megabatch> megabatches;
  for (std::size_t start = 0; start < order.size(); start += megabatch_size) {
    megabatches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                             order.begin() + static_cast<std::ptrdiff_t>(std::min(start + megabatch_size, order.size())));
  }
  return megabatches;
}

}  // namespace

std::vector<std::size_t> modality_length_grouped_order(const std::vector<std::int64_t>& lengths, std::size_t batch_size,
                                                       std::size_t batches_per_megabatch, EpochRandom& random) {
  Megabatch multimodal;
  Megabatch language;
  std::vector<std::int64_t> multimodal_lengths;
  std::vector<std::int64_t> language_lengths;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    if (lengths[i] > 0) {
      multimodal.push_back(i);
      multimodal_lengths.push_back(lengths[i]);
    } else {
      language.push_back(i);
      language_lengths.push_back(-lengths[i]);
    }
  }
  if (multimodal.empty() || language.empty()) {
    std::vector<std::int64_t> absolute(lengths.size());
    std::transform(lengths.begin(), lengths.end(), absolute.begin(), [](std::int64_t l) { return l < 0 ? -l : l; });
    return length_grouped_order(absolute, batch_size, batches_per_megabatch, random);
  }

  const std::size_t megabatch_size = batch_size * batches_per_megabatch;
  auto grouped = [&](const Megabatch& indices, const std::vector<std::int64_t>& modality_lengths) {
    Megabatch order = length_grouped_order(modality_lengths, batch_size, batches_per_megabatch, random);
    for (std::size_t& position : order) position = indices[position];
    return cut_into_megabatches(order, megabatch_size);
  };
  std::vector<Megabatch> multimodal_megabatches = grouped(multimodal, multimodal_lengths);
  std::vector<Megabatch> language_megabatches = grouped(language, language_lengths);

  Megabatch additional = multimodal_megabatches.back();
  additional.insert(additional.end(), language_megabatches.back().begin(), language_megabatches.back().end());
  std::sort(additional.begin(), additional.end());
  std::vector<Megabatch> megabatches(multimodal_megabatches.begin(), multimodal_megabatches.end() - 1);
  megabatches.insert(megabatches.end(), language_megabatches.begin(), language_megabatches.end() - 1);
  random.shuffle(megabatches);
  megabatches.push_back(std::move(additional));

  std::vector<std::size_t> order;
  order.reserve(lengths.size());
  for (const Megabatch& megabatch : megabatches) order.insert(order.end(), megabatch.begin(), megabatch.end());
  return order;
}

}  // namespace vdep
