// CLIP's text tower (HF CLIPTextModelWithProjection's layout): token and position embeddings, the
// pre-LayerNorm transformer layers of the vision tower made causal, a final LayerNorm, the hidden
// state of each text's last token, and a linear projection into the shared embedding space.
#pragma once

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <vdep/nn/vision_transformer.h>

namespace vdep::contrastive {

struct ClipTextTowerOptions {
  std::int64_t vocab_size = 0;
  std::int64_t max_positions = 64;  // longest text; longer ones are cut to their first tokens
  std::int64_t projection_dim = 64;
  nn::VisionTransformerOptions transformer;  // width, heads, layers of the tower
};

class ClipTextTowerImpl : public torch::nn::Module {
 public:
  // Random weights as HF's CLIP initialises them (normal, std 0.02; positions 0.01), drawn from
  // `seed` alone so that creating the tower leaves the process's generator as it was.
  ClipTextTowerImpl(const ClipTextTowerOptions& options, std::uint64_t seed);

  // ids [texts, length] int64 right-padded, lengths [texts] >= 1 → [texts, projection_dim], the
  // projected final-LayerNorm state at each text's last token. Causal attention means the padding
  // after a text cannot reach it.
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& lengths);

  std::int64_t max_positions() const { return options_.max_positions; }

  torch::nn::Embedding token_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};
  nn::VisionEncoder encoder{nullptr};
  torch::nn::LayerNorm final_layer_norm{nullptr};
  torch::nn::Linear text_projection{nullptr};

 private:
  ClipTextTowerOptions options_;
};
TORCH_MODULE(ClipTextTower);

}  // namespace vdep::contrastive
