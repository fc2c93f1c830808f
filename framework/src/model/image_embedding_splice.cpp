#include "model/image_embedding_splice.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

#include <vdep/chat_template.h>

namespace vdep {

namespace {

bool is_image_marker(std::int64_t id) { return id == kImageTokenIndex || id == kAutoImageTokenIndex; }

std::invalid_argument splice_error(const std::string& what) {
  return std::invalid_argument("image splice: " + what);
}

}  // namespace

std::int64_t SpliceLayout::supervised_targets() const {
  std::int64_t count = 0;
  for (std::int64_t sample = 0; sample < batch; ++sample) {
    for (std::int64_t t = 1; t < length; ++t) count += labels[sample * length + t] != kIgnoreIndex;
  }
  return count;
}

std::int64_t SpliceLayout::vdep_image_tokens() const {
  std::int64_t count = 0;
  for (const ImagePlacement& image : images) count += image.mode == SampleMode::Vdep ? image.length : 0;
  return count;
}

SpliceLayout plan_image_splice(const std::vector<std::vector<std::int64_t>>& input_ids,
                               const std::vector<std::vector<std::int64_t>>& labels, std::int64_t image_count,
                               std::int64_t image_tokens, std::int64_t max_length) {
  if (input_ids.empty()) throw splice_error("empty batch");
  if (labels.size() != input_ids.size()) {
    throw splice_error(std::to_string(input_ids.size()) + " id sequences but " + std::to_string(labels.size()) +
                       " label sequences");
  }
  SpliceLayout layout;
  layout.batch = static_cast<std::int64_t>(input_ids.size());
  layout.image_tokens = image_tokens;
  layout.image_count = image_count;

  // Image rows are numbered after every text row, which are known only at the end: mark them
  // negative (-1 - image token) for now.
  std::vector<std::vector<std::int64_t>> rows(input_ids.size());
  std::vector<std::vector<std::int64_t>> row_labels(input_ids.size());
  std::int64_t next_image = 0;
  for (std::size_t sample = 0; sample < input_ids.size(); ++sample) {
    const auto& ids = input_ids[sample];
    if (ids.size() != labels[sample].size()) {
      throw splice_error("sample " + std::to_string(sample) + " has " + std::to_string(ids.size()) + " ids but " +
                         std::to_string(labels[sample].size()) + " labels");
    }
    for (std::size_t t = 0; t < ids.size(); ++t) {
      if (!is_image_marker(ids[t])) {
        rows[sample].push_back(static_cast<std::int64_t>(layout.text_ids.size()));
        row_labels[sample].push_back(labels[sample][t]);
        layout.text_ids.push_back(ids[t]);
        continue;
      }
      if (next_image >= image_count) {
        throw splice_error("more image markers than the " + std::to_string(image_count) + " images (sample " +
                           std::to_string(sample) + ")");
      }
      ImagePlacement placement;
      placement.sample = static_cast<std::int64_t>(sample);
      placement.start = static_cast<std::int64_t>(rows[sample].size());
      placement.length = image_tokens;
      placement.mode = ids[t] == kAutoImageTokenIndex ? SampleMode::Vdep : SampleMode::Llava;
      layout.images.push_back(placement);
      for (std::int64_t k = 0; k < image_tokens; ++k) {
        rows[sample].push_back(-1 - (next_image * image_tokens + k));
        row_labels[sample].push_back(kIgnoreIndex);
      }
      ++next_image;
    }
  }
  if (next_image != image_count) {
    throw splice_error(std::to_string(image_count) + " images but " + std::to_string(next_image) + " image markers");
  }

  for (auto& row : rows) {
    if (max_length > 0 && static_cast<std::int64_t>(row.size()) > max_length) row.resize(max_length);
    layout.length = std::max(layout.length, static_cast<std::int64_t>(row.size()));
  }
  if (layout.length == 0) throw splice_error("every sequence is empty");

  std::vector<ImagePlacement> kept;
  for (ImagePlacement placement : layout.images) {
    const auto row_length = static_cast<std::int64_t>(rows[placement.sample].size());
    if (placement.start >= row_length) continue;
    placement.length = std::min(placement.length, row_length - placement.start);
    kept.push_back(placement);
  }
  layout.images = std::move(kept);

  const auto text_rows = static_cast<std::int64_t>(layout.text_ids.size());
  const std::int64_t padding_row = text_rows + image_count * image_tokens;
  const std::size_t positions = static_cast<std::size_t>(layout.batch * layout.length);
  layout.source_rows.assign(positions, padding_row);
  layout.labels.assign(positions, kIgnoreIndex);
  layout.attention_mask.assign(positions, 0);
  for (std::int64_t sample = 0; sample < layout.batch; ++sample) {
    for (std::size_t t = 0; t < rows[sample].size(); ++t) {
      const std::int64_t row = rows[sample][t];
      const std::size_t position = static_cast<std::size_t>(sample * layout.length) + t;
      layout.source_rows[position] = row >= 0 ? row : text_rows + (-1 - row);
      layout.labels[position] = row_labels[sample][t];
      layout.attention_mask[position] = 1;
    }
  }
  return layout;
}

SplicedBatch splice_image_embeddings(const SpliceLayout& layout, const at::Tensor& image_embeds,
                                     const TokenEmbedder& embed) {
  const std::int64_t given_images = image_embeds.defined() ? image_embeds.size(0) : 0;
  if (given_images != layout.image_count ||
      (given_images > 0 && (image_embeds.dim() != 3 || image_embeds.size(1) != layout.image_tokens))) {
    throw splice_error("the layout wants " + std::to_string(layout.image_count) + " images of " +
                       std::to_string(layout.image_tokens) + " tokens, the embeddings have shape " +
                       (image_embeds.defined() ? std::to_string(image_embeds.dim()) + "-d " +
                                                     std::to_string(given_images) + " x " +
                                                     std::to_string(image_embeds.size(1))
                                               : std::string("none")));
  }
  const at::Tensor text_embeds =
      layout.text_ids.empty() ? at::Tensor() : embed(at::tensor(layout.text_ids, at::kLong).unsqueeze(0)).squeeze(0);
  const at::Tensor& reference = text_embeds.defined() ? text_embeds : image_embeds;
  const std::int64_t hidden = reference.size(-1);

  std::vector<at::Tensor> table;
  if (text_embeds.defined()) table.push_back(text_embeds);
  if (given_images > 0) {
    if (image_embeds.size(2) != hidden) {
      throw splice_error("image embeddings have width " + std::to_string(image_embeds.size(2)) +
                         ", token embeddings " + std::to_string(hidden));
    }
    table.push_back(image_embeds.to(reference.scalar_type()).reshape({-1, hidden}));
  }
  table.push_back(at::zeros({1, hidden}, reference.options().requires_grad(false)));
  const at::Tensor source = at::cat(table, 0);

  const auto device = source.device();
  const auto index_options = at::TensorOptions().dtype(at::kLong);
  SplicedBatch spliced;
  spliced.inputs_embeds = source.index_select(0, at::tensor(layout.source_rows, index_options).to(device))
                              .reshape({layout.batch, layout.length, hidden});
  spliced.labels = at::tensor(layout.labels, index_options).reshape({layout.batch, layout.length}).to(device);
  spliced.attention_mask =
      at::tensor(layout.attention_mask, index_options).reshape({layout.batch, layout.length}).to(device);
  return spliced;
}

}  // namespace vdep
