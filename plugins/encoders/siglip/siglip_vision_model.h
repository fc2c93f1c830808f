// HF's SiglipVisionModel as LibTorch modules, with the checkpoint's parameter names.
#pragma once

#include <vector>

#include <torch/torch.h>

#include <vdep/nn/vision_transformer.h>

#include "siglip_vision_config.h"

namespace vdep::siglip {

// `embeddings.`: patch_embedding (conv with bias) and position_embedding; no CLS token.
class SiglipVisionEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit SiglipVisionEmbeddingsImpl(const nn::VisionTowerConfig& config);
  torch::Tensor forward(const torch::Tensor& pixel_values);  // → [batch, patches, hidden]

  torch::nn::Conv2d patch_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(SiglipVisionEmbeddings);

// `head.`: multi-head attention pooling. A learned probe token attends over the final hidden
// states, followed by a LayerNorm and an MLP with a residual: SigLIP's image embedding.
class SiglipAttentionPoolingHeadImpl : public torch::nn::Module {
 public:
  explicit SiglipAttentionPoolingHeadImpl(const nn::VisionTowerConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden);  // [batch, tokens, hidden] → [batch, hidden]

  torch::Tensor probe;
  torch::nn::MultiheadAttention attention{nullptr};
  torch::nn::LayerNorm layernorm{nullptr};
  nn::VisionMlp mlp{nullptr};
};
TORCH_MODULE(SiglipAttentionPoolingHead);

// `vision_model.`: embeddings → encoder (no pre-norm); post_layernorm and the attention-pool
// `head` only serve the pooled output, which LLaVA-style models do not use, so the head is
// created (and loaded) only when asked for.
class SiglipVisionTransformerImpl : public torch::nn::Module {
 public:
  SiglipVisionTransformerImpl(const nn::VisionTowerConfig& config, bool with_head);
  // Hidden state `layer` (0 = embeddings output); stops after that layer. Appends every computed
  // hidden state to `hidden_states` when given.
  torch::Tensor forward(const torch::Tensor& pixel_values, std::int64_t layer,
                        std::vector<torch::Tensor>* hidden_states);

  SiglipVisionEmbeddings embeddings{nullptr};
  nn::VisionEncoder encoder{nullptr};
  torch::nn::LayerNorm post_layernorm{nullptr};
  SiglipAttentionPoolingHead head{nullptr};  // null unless asked for
};
TORCH_MODULE(SiglipVisionTransformer);

class SiglipVisionModelImpl : public torch::nn::Module {
 public:
  SiglipVisionModelImpl(const nn::VisionTowerConfig& config, bool with_head);
  SiglipVisionTransformer vision_model{nullptr};
};
TORCH_MODULE(SiglipVisionModel);

}  // namespace vdep::siglip
