#include "phi_model.h"

namespace vdep::phi {

namespace {

torch::nn::LayerNorm layer_norm(const nn::DecoderConfig& config) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.norm_eps));
}

}  // namespace

PhiAttentionImpl::PhiAttentionImpl(const nn::DecoderConfig& config)
    : heads_(config.num_attention_heads), kv_heads_(config.num_key_value_heads), head_dim_(config.head_dim) {
  const auto hidden = config.hidden_size;
  q_proj = register_module("q_proj", torch::nn::Linear(hidden, heads_ * head_dim_));
  k_proj = register_module("k_proj", torch::nn::Linear(hidden, kv_heads_ * head_dim_));
  v_proj = register_module("v_proj", torch::nn::Linear(hidden, kv_heads_ * head_dim_));
  dense = register_module("dense", torch::nn::Linear(heads_ * head_dim_, hidden));
}

at::Tensor PhiAttentionImpl::forward(const at::Tensor& x, std::size_t layer, const nn::DecoderLayerInputs& inputs) {
  return dense(nn::decoder_self_attention(q_proj(x), k_proj(x), v_proj(x), heads_, kv_heads_, layer, inputs,
                                          /*fp32_scores=*/true));
}

PhiMlpImpl::PhiMlpImpl(const nn::DecoderConfig& config) : activation_(nn::activation_from_name(config.hidden_act)) {
  fc1 = register_module("fc1", torch::nn::Linear(config.hidden_size, config.intermediate_size));
  fc2 = register_module("fc2", torch::nn::Linear(config.intermediate_size, config.hidden_size));
}

at::Tensor PhiMlpImpl::forward(const at::Tensor& x) { return fc2(nn::apply_activation(fc1(x), activation_)); }

PhiDecoderLayerImpl::PhiDecoderLayerImpl(const nn::DecoderConfig& config, double residual_dropout)
    : residual_dropout_(residual_dropout) {
  input_layernorm = register_module("input_layernorm", layer_norm(config));
  self_attn = register_module("self_attn", PhiAttention(config));
  mlp = register_module("mlp", PhiMlp(config));
}

at::Tensor PhiDecoderLayerImpl::forward(const at::Tensor& x, std::size_t layer, const nn::DecoderLayerInputs& inputs) {
  const auto normed = input_layernorm(x);
  return torch::dropout(self_attn(normed, layer, inputs), residual_dropout_, is_training()) +
         torch::dropout(mlp(normed), residual_dropout_, is_training()) + x;
}

PhiModelImpl::PhiModelImpl(const PhiArchitecture& architecture, torch::Dtype dtype)
    : embedding_dropout_(architecture.dropout.embedding) {
  const nn::DecoderConfig& config = architecture.decoder;
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(config.vocab_size, config.hidden_size));
  embed_tokens->to(dtype);
  layers = register_module("layers", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
    PhiDecoderLayer layer(config, architecture.dropout.residual);
    layer->to(dtype);
    layers->push_back(layer);
  }
  final_layernorm = register_module("final_layernorm", layer_norm(config));
  final_layernorm->to(dtype);
}

at::Tensor PhiModelImpl::forward(at::Tensor x, const nn::DecoderLayerInputs& inputs,
                                 std::vector<at::Tensor>* hidden_states) {
  x = torch::dropout(x, embedding_dropout_, is_training());
  for (std::size_t i = 0; i < layers->size(); ++i) {
    if (hidden_states) hidden_states->push_back(x);
    x = nn::decoder_layer_forward(layers->ptr<PhiDecoderLayerImpl>(i), x, i, inputs);
  }
  x = final_layernorm(x);
  if (hidden_states) hidden_states->push_back(x);
  return x;
}

PhiForCausalLmImpl::PhiForCausalLmImpl(const PhiArchitecture& architecture, torch::Dtype dtype) {
  const nn::DecoderConfig& config = architecture.decoder;
  model = register_module("model", PhiModel(architecture, dtype));
  lm_head = register_module("lm_head", torch::nn::Linear(config.hidden_size, config.vocab_size));
  lm_head->to(dtype);
}

}  // namespace vdep::phi
