#include "clip_text_tower.h"

#include <limits>

#include <torch/torch.h>

namespace vdep::contrastive {

ClipTextTowerImpl::ClipTextTowerImpl(const ClipTextTowerOptions& options, std::uint64_t seed) : options_(options) {
  TORCH_CHECK(options.vocab_size > 0, "the text tower needs the vocabulary size");
  const std::int64_t width = options.transformer.hidden_size;
  token_embedding = register_module("token_embedding", torch::nn::Embedding(options.vocab_size, width));
  position_embedding = register_module("position_embedding", torch::nn::Embedding(options.max_positions, width));
  encoder = register_module("encoder", nn::VisionEncoder(options.transformer));
  final_layer_norm = register_module(
      "final_layer_norm",
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(options.transformer.layer_norm_eps)));
  text_projection = register_module(
      "text_projection", torch::nn::Linear(torch::nn::LinearOptions(width, options.projection_dim).bias(false)));

  at::Generator generator = at::detail::createCPUGenerator(seed);
  torch::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    at::Tensor& parameter = item.value();
    const std::string& name = item.key();
    if (name.find("layer_norm") != std::string::npos) continue;  // LayerNorm keeps 1 and 0
    if (parameter.dim() == 1) {
      parameter.zero_();
    } else {
      parameter.normal_(0.0, name.rfind("position_embedding", 0) == 0 ? 0.01 : 0.02, generator);
    }
  }
}

at::Tensor ClipTextTowerImpl::forward(const at::Tensor& ids, const at::Tensor& lengths) {
  const std::int64_t length = ids.size(1);
  TORCH_CHECK(length <= options_.max_positions, "text of ", length, " tokens; the tower holds ",
              options_.max_positions);
  const auto positions = torch::arange(length, ids.options());
  at::Tensor hidden = token_embedding(ids) + position_embedding(positions).unsqueeze(0);
  const at::Tensor causal =
      torch::full({length, length}, -std::numeric_limits<float>::infinity(), hidden.options()).triu(1);
  for (const auto& layer : *encoder->layers) hidden = layer->as<nn::VisionEncoderLayer>()->forward(hidden, causal);
  hidden = final_layer_norm(hidden);
  const auto rows = torch::arange(ids.size(0), ids.options());
  return text_projection(hidden.index({rows, lengths - 1}));
}

}  // namespace vdep::contrastive
