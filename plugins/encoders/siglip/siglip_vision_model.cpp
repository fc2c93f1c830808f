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

SiglipAttentionPoolingHeadImpl::SiglipAttentionPoolingHeadImpl(const nn::VisionTowerConfig& config) {
  probe = register_parameter("probe", torch::randn({1, 1, config.hidden_size}));
  attention = register_module(
      "attention", torch::nn::MultiheadAttention(
                       torch::nn::MultiheadAttentionOptions(config.hidden_size, config.num_attention_heads)));
  layernorm = register_module(
      "layernorm",
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
  mlp = register_module("mlp", nn::VisionMlp(config.encoder_options()));
}

torch::Tensor SiglipAttentionPoolingHeadImpl::forward(const torch::Tensor& hidden) {
  // LibTorch's MultiheadAttention takes [sequence, batch, embedding].
  const auto query = probe.expand({hidden.size(0), 1, -1}).transpose(0, 1);
  const auto keys = hidden.transpose(0, 1);
  auto pooled = std::get<0>(attention(query, keys, keys)).transpose(0, 1);
  pooled = pooled + mlp(layernorm(pooled));
  return pooled.select(1, 0);
}

SiglipVisionTransformerImpl::SiglipVisionTransformerImpl(const nn::VisionTowerConfig& config, bool with_head) {
  embeddings = register_module("embeddings", SiglipVisionEmbeddings(config));
  encoder = register_module("encoder", nn::VisionEncoder(config.encoder_options()));
  post_layernorm = register_module(
      "post_layernorm",
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
  if (with_head) head = register_module("head", SiglipAttentionPoolingHead(config));
}

torch::Tensor SiglipVisionTransformerImpl::forward(const torch::Tensor& pixel_values, std::int64_t layer,
                                                   std::vector<torch::Tensor>* hidden_states) {
  auto x = embeddings(pixel_values);
  if (hidden_states) hidden_states->push_back(x);
  return encoder(x, layer, hidden_states);
}

SiglipVisionModelImpl::SiglipVisionModelImpl(const nn::VisionTowerConfig& config, bool with_head) {
  vision_model = register_module("vision_model", SiglipVisionTransformer(config, with_head));
}

}  // namespace vdep::siglip
