// LLaVA's prepare_inputs_labels_for_multimodal: each image marker of a token sequence becomes the
// image's embeddings, the text around it its token embeddings; then truncation, right padding and
// the attention mask. Planned on integers first, so that the trainer can count a global batch's
// targets before any forward, and tests can check every position exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/objective.h>

namespace vdep {

// Where every position of the padded batch takes its embedding from: row `source_rows[i]` of the
// table [text tokens (text_ids, in order); image tokens (image after image); one zero row].
struct SpliceLayout {
  std::int64_t batch = 0;
  std::int64_t length = 0;        // the longest sequence after expansion and truncation
  std::int64_t image_tokens = 0;  // positions per image
  std::int64_t image_count = 0;
  std::vector<std::int64_t> text_ids;
  std::vector<std::int64_t> source_rows;     // [batch * length]
  std::vector<std::int64_t> labels;          // [batch * length]; kIgnoreIndex at images, padding
  std::vector<std::int64_t> attention_mask;  // [batch * length]; 1 = real position
  std::vector<ImagePlacement> images;        // sample order; an image's mode is its marker's

  // Positions t whose label at t + 1 is supervised: what the `lm` objective averages over.
  std::int64_t supervised_targets() const;
  // Summed length of the Vdep-mode placements: what the `vdep` objective weighs by.
  std::int64_t vdep_image_tokens() const;
};

// `input_ids` / `labels`: per sample, equal lengths, with kImageTokenIndex (LLaVA mode) and
// kAutoImageTokenIndex (VDEP mode) markers; the i-th marker of the batch (sample order, then
// position) takes image i. `max_length` > 0 cuts every sequence to that many positions after
// expansion: an image cut in the middle keeps its first positions, one cut entirely is not placed.
// Throws std::invalid_argument when markers and images do not pair up, or a sample's ids and
// labels differ in length.
SpliceLayout plan_image_splice(const std::vector<std::vector<std::int64_t>>& input_ids,
                               const std::vector<std::vector<std::int64_t>>& labels, std::int64_t image_count,
                               std::int64_t image_tokens, std::int64_t max_length);

struct SplicedBatch {
  at::Tensor inputs_embeds;   // [batch, length, d]; zeros at padding
  at::Tensor labels;          // [batch, length] int64
  at::Tensor attention_mask;  // [batch, length] int64
};

// Embeds token ids [1, n] → [1, n, d] (the LLM's embedding table).
using TokenEmbedder = std::function<at::Tensor(const at::Tensor& ids)>;

// The tensors of `layout`. `image_embeds` [image_count, image_tokens, d] is cast to the token
// embeddings' dtype; the result is one index_select over the table, so gradient reaches every
// image row that a position uses (the projector) through a single autograd node.
SplicedBatch splice_image_embeddings(const SpliceLayout& layout, const at::Tensor& image_embeds,
                                     const TokenEmbedder& embed);

}  // namespace vdep
