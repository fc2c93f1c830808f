// HF's CLIPVisionModel as LibTorch modules, with the checkpoint's parameter names.
#pragma once

#include <vector>

#include <torch/torch.h>

#include <vdep/nn/vision_transformer.h>

#include "clip_vision_config.h"

namespace vdep::clip {

// `embeddings.`: class_embedding, patch_embedding (conv without bias), position_embedding.
class ClipVisionEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit ClipVisionEmbeddingsImpl(const nn::VisionTowerConfig& config);
  torch::Tensor forward(const torch::Tensor& pixel_values);  // → [batch, 1 + patches, hidden]

  torch::Tensor class_embedding;
  torch::nn::Conv2d patch_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(ClipVisionEmbeddings);

// `vision_model.`: embeddings → pre_layrnorm (sic, HF's key) → encoder; post_layernorm only
// serves the pooled output, which LLaVA does not use.
class ClipVisionTransformerImpl : public torch::nn::Module {
 public:
  explicit ClipVisionTransformerImpl(const nn::VisionTowerConfig& config);
  // Hidden state `layer` (0 = embeddings after pre_layrnorm); stops after that layer. Appends every
  // computed hidden state to `hidden_states` when given.
  torch::Tensor forward(const torch::Tensor& pixel_values, std::int64_t layer,
                        std::vector<torch::Tensor>* hidden_states);

  ClipVisionEmbeddings embeddings{nullptr};
  torch::nn::LayerNorm pre_layrnorm{nullptr};
  nn::VisionEncoder encoder{nullptr};
  torch::nn::LayerNorm post_layernorm{nullptr};
};
TORCH_MODULE(ClipVisionTransformer);

// The root, so that parameter names start with `vision_model.` as in the checkpoints.
class ClipVisionModelImpl : public torch::nn::Module {
 public:
  explicit ClipVisionModelImpl(const nn::VisionTowerConfig& config);
  ClipVisionTransformer vision_model{nullptr};
};
TORCH_MODULE(ClipVisionModel);

}  // namespace vdep::clip
