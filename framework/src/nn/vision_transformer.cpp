#include <vdep/nn/vision_transformer.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

namespace vdep::nn {

Activation activation_from_name(const std::string& name) {
  if (name == "quick_gelu") return Activation::QuickGelu;
  if (name == "gelu_pytorch_tanh" || name == "gelu_new") return Activation::GeluTanh;
  if (name == "gelu") return Activation::Gelu;
  throw std::invalid_argument("unsupported hidden_act '" + name +
                              "' (supported: quick_gelu, gelu_pytorch_tanh, gelu_new, gelu)");
}

at::Tensor apply_activation(const at::Tensor& x, Activation activation) {
  switch (activation) {
    case Activation::QuickGelu: return x * torch::sigmoid(1.702 * x);
    case Activation::GeluTanh: return torch::gelu(x, "tanh");
    case Activation::Gelu: return torch::gelu(x);
  }
  return x;
}

VisionAttentionImpl::VisionAttentionImpl(const VisionTransformerOptions& options)
    : num_heads_(options.num_heads) {
  TORCH_CHECK(options.hidden_size % options.num_heads == 0, "hidden_size ", options.hidden_size,
              " is not divisible by num_attention_heads ", options.num_heads);
  const auto h = options.hidden_size;
  q_proj = register_module("q_proj", torch::nn::Linear(h, h));
  k_proj = register_module("k_proj", torch::nn::Linear(h, h));
  v_proj = register_module("v_proj", torch::nn::Linear(h, h));
  out_proj = register_module("out_proj", torch::nn::Linear(h, h));
}

at::Tensor VisionAttentionImpl::forward(const at::Tensor& x, const at::Tensor& attention_bias) {
  const auto batch = x.size(0);
  const auto tokens = x.size(1);
  const auto head_dim = x.size(2) / num_heads_;
  auto heads = [&](const at::Tensor& t) { return t.view({batch, tokens, num_heads_, head_dim}).transpose(1, 2); };
  const auto q = heads(q_proj(x));
  const auto k = heads(k_proj(x));
  const auto v = heads(v_proj(x));
  // Softmax in fp32 whatever the activations' dtype, as HF does, for bf16 stability.
  auto scores = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(head_dim)));
  if (attention_bias.defined()) scores = scores + attention_bias;
  auto probabilities = torch::softmax(scores, -1, torch::kFloat).to(q.scalar_type());
  auto context = torch::matmul(probabilities, v).transpose(1, 2).reshape({batch, tokens, num_heads_ * head_dim});
  return out_proj(context);
}

VisionMlpImpl::VisionMlpImpl(const VisionTransformerOptions& options) : activation_(options.activation) {
  fc1 = register_module("fc1", torch::nn::Linear(options.hidden_size, options.intermediate_size));
  fc2 = register_module("fc2", torch::nn::Linear(options.intermediate_size, options.hidden_size));
}

at::Tensor VisionMlpImpl::forward(const at::Tensor& x) { return fc2(apply_activation(fc1(x), activation_)); }

VisionEncoderLayerImpl::VisionEncoderLayerImpl(const VisionTransformerOptions& options) {
  auto norm = [&] {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden_size}).eps(options.layer_norm_eps));
  };
  layer_norm1 = register_module("layer_norm1", norm());
  self_attn = register_module("self_attn", VisionAttention(options));
  layer_norm2 = register_module("layer_norm2", norm());
  mlp = register_module("mlp", VisionMlp(options));
}

at::Tensor VisionEncoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& attention_bias) {
  auto hidden = x + self_attn(layer_norm1(x), attention_bias);
  return hidden + mlp(layer_norm2(hidden));
}

VisionEncoderImpl::VisionEncoderImpl(const VisionTransformerOptions& options) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < options.num_layers; ++i) layers->push_back(VisionEncoderLayer(options));
}

at::Tensor VisionEncoderImpl::forward(at::Tensor x, std::int64_t last_layer,
                                      std::vector<at::Tensor>* hidden_states) {
  TORCH_CHECK(last_layer >= 0 && last_layer <= static_cast<std::int64_t>(layers->size()),
              "last_layer ", last_layer, " outside [0, ", layers->size(), "]");
  for (std::int64_t i = 0; i < last_layer; ++i) {
    x = layers[i]->as<VisionEncoderLayer>()->forward(x);
    if (hidden_states) hidden_states->push_back(x);
  }
  return x;
}

std::int64_t resolve_layer_index(std::int64_t select_layer, std::int64_t num_layers) {
  const std::int64_t index = select_layer < 0 ? num_layers + 1 + select_layer : select_layer;
  if (index < 0 || index > num_layers) {
    throw std::out_of_range("select_layer " + std::to_string(select_layer) + " is outside [-" +
                            std::to_string(num_layers + 1) + ", " + std::to_string(num_layers) +
                            "] for an encoder with " + std::to_string(num_layers) + " layers");
  }
  return index;
}

}  // namespace vdep::nn
