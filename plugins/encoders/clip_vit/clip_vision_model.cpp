#include "clip_vision_model.h"

namespace vdep::clip {

namespace {


torch::nn::LayerNorm layer_norm(const nn::VisionTowerConfig& config) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps));
}

}  // namespace

ClipVisionEmbeddingsImpl::ClipVisionEmbeddingsImpl(const nn::VisionTowerConfig& config) {
  class_embedding = register_parameter("class_embedding", torch::randn({config.hidden_size}));
  patch_embedding = register_module(
      "patch_embedding", torch::nn::Conv2d(torch::nn::Conv2dOptions(config.num_channels, config.hidden_size,
                                                                    config.patch_size)
                                               .stride(config.patch_size)
                                               .bias(false)));
  position_embedding =
      register_module("position_embedding", torch::nn::Embedding(config.num_patches() + 1, config.hidden_size));
}

torch::Tensor ClipVisionEmbeddingsImpl::forward(const torch::Tensor& pixel_values) {
  const auto batch = pixel_values.size(0);
  auto patches = patch_embedding(pixel_values.to(patch_embedding->weight.scalar_type()))
                     .flatten(2)
                     .transpose(1, 2);  // [batch, patches, hidden]
  TORCH_CHECK(patches.size(1) + 1 == position_embedding->weight.size(0), "CLIP expects ",
              position_embedding->weight.size(0) - 1, " patches, the images give ", patches.size(1),
              " (input ", pixel_values.sizes(), ")");
  auto cls = class_embedding.expand({batch, 1, -1});
  return torch::cat({cls, patches}, 1) + position_embedding->weight.unsqueeze(0);
}

ClipVisionTransformerImpl::ClipVisionTransformerImpl(const nn::VisionTowerConfig& config) {
  embeddings = register_module("embeddings", ClipVisionEmbeddings(config));
  pre_layrnorm = register_module("pre_layrnorm", layer_norm(config));
  encoder = register_module("encoder", nn::VisionEncoder(config.encoder_options()));
  post_layernorm = register_module("post_layernorm", layer_norm(config));
}

torch::Tensor ClipVisionTransformerImpl::forward(const torch::Tensor& pixel_values, std::int64_t layer,
                                                 std::vector<torch::Tensor>* hidden_states) {
  auto x = pre_layrnorm(embeddings(pixel_values));
  if (hidden_states) hidden_states->push_back(x);
  return encoder(x, layer, hidden_states);
}

ClipVisionModelImpl::ClipVisionModelImpl(const nn::VisionTowerConfig& config) {
  vision_model = register_module("vision_model", ClipVisionTransformer(config));
}

}  // namespace vdep::clip
