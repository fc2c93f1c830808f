#include "siglip_vision_model.h"

namespace vdep::siglip {

SiglipVisionEmbeddingsImpl::SiglipVisionEmbeddingsImpl(const nn::VisionTowerConfig& config) {
  patch_embedding = register_module(
      "patch_embedding",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(config.num_channels, config.hidden_size, config.patch_size)
                            .stride(config.patch_size)));
  position_embedding =
      register_module("position_embedding", torch::nn::Embedding(config.num_patches(), config.hidden_size));
}

torch::Tensor SiglipVisionEmbeddingsImpl::forward(const torch::Tensor& pixel_values) {
  auto patches = patch_embedding(pixel_values.to(patch_embedding->weight.scalar_type()))
                     .flatten(2)
                     .transpose(1, 2);  // [batch, patches, hidden]
  TORCH_CHECK(patches.size(1) == position_embedding->weight.size(0), "SigLIP expects ",
              position_embedding->weight.size(0), " patches, the images give ", patches.size(1),
              " (input ", pixel_values.sizes(), ")");
  return patches + position_embedding->weight.unsqueeze(0);
}

SiglipVisionTransformerImpl::SiglipVisionTransformerImpl(const nn::VisionTowerConfig& config) {
  embeddings = register_module("embeddings", SiglipVisionEmbeddings(config));
  encoder = register_module("encoder", nn::VisionEncoder(config.encoder_options()));
  post_layernorm = register_module(
      "post_layernorm",
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
}

torch::Tensor SiglipVisionTransformerImpl::forward(const torch::Tensor& pixel_values, std::int64_t layer,
                                                   std::vector<torch::Tensor>* hidden_states) {
  auto x = embeddings(pixel_values);
  if (hidden_states) hidden_states->push_back(x);
  return encoder(x, layer, hidden_states);
}

SiglipVisionModelImpl::SiglipVisionModelImpl(const nn::VisionTowerConfig& config) {
  vision_model = register_module("vision_model", SiglipVisionTransformer(config));
}

}  // namespace vdep::siglip
