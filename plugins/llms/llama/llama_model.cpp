#include "llama_model.h"

namespace vdep::llama {

namespace {

torch::nn::Linear linear(std::int64_t in, std::int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

}  // namespace

LlamaAttentionImpl::LlamaAttentionImpl(const nn::DecoderConfig& config)
    : heads_(config.num_attention_heads), kv_heads_(config.num_key_value_heads), head_dim_(config.head_dim) {
  const auto hidden = config.hidden_size;
  const bool bias = config.attention_bias;
  q_proj = register_module("q_proj", linear(hidden, heads_ * head_dim_, bias));
  k_proj = register_module("k_proj", linear(hidden, kv_heads_ * head_dim_, bias));
  v_proj = register_module("v_proj", linear(hidden, kv_heads_ * head_dim_, bias));
  o_proj = register_module("o_proj", linear(heads_ * head_dim_, hidden, bias));
}

at::Tensor LlamaAttentionImpl::forward(const at::Tensor& x, std::size_t layer, const nn::DecoderLayerInputs& inputs) {
  return o_proj(nn::decoder_self_attention(q_proj(x), k_proj(x), v_proj(x), heads_, kv_heads_, layer, inputs));
}

LlamaMlpImpl::LlamaMlpImpl(const nn::DecoderConfig& config) {
  gate_proj = register_module("gate_proj", linear(config.hidden_size, config.intermediate_size, false));
  up_proj = register_module("up_proj", linear(config.hidden_size, config.intermediate_size, false));
  down_proj = register_module("down_proj", linear(config.intermediate_size, config.hidden_size, false));
}

at::Tensor LlamaMlpImpl::forward(const at::Tensor& x) { return down_proj(torch::silu(gate_proj(x)) * up_proj(x)); }

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const nn::DecoderConfig& config) {
  input_layernorm = register_module("input_layernorm", nn::RmsNorm(config.hidden_size, config.norm_eps));
  self_attn = register_module("self_attn", LlamaAttention(config));
  post_attention_layernorm =
      register_module("post_attention_layernorm", nn::RmsNorm(config.hidden_size, config.norm_eps));
  mlp = register_module("mlp", LlamaMlp(config));
}

at::Tensor LlamaDecoderLayerImpl::forward(const at::Tensor& x, std::size_t layer, const nn::DecoderLayerInputs& inputs) {
  const auto hidden = x + self_attn(input_layernorm(x), layer, inputs);
  return hidden + mlp(post_attention_layernorm(hidden));
}

LlamaModelImpl::LlamaModelImpl(const nn::DecoderConfig& config, torch::Dtype dtype) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(config.vocab_size, config.hidden_size));
  embed_tokens->to(dtype);
  layers = register_module("layers", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
    LlamaDecoderLayer layer(config);
    layer->to(dtype);
    layers->push_back(layer);
  }
  norm = register_module("norm", nn::RmsNorm(config.hidden_size, config.norm_eps));
  norm->to(dtype);
}

at::Tensor LlamaModelImpl::forward(at::Tensor x, const nn::DecoderLayerInputs& inputs, std::vector<at::Tensor>* hidden_states) {
  for (std::size_t i = 0; i < layers->size(); ++i) {
    if (hidden_states) hidden_states->push_back(x);
    x = nn::decoder_layer_forward(layers->ptr<LlamaDecoderLayerImpl>(i), x, i, inputs);
  }
  x = norm(x);
  if (hidden_states) hidden_states->push_back(x);
  return x;
}

LlamaForCausalLmImpl::LlamaForCausalLmImpl(const nn::DecoderConfig& config, torch::Dtype dtype) {
  model = register_module("model", LlamaModel(config, dtype));
  if (!config.tie_word_embeddings) {
    lm_head = register_module("lm_head", linear(config.hidden_size, config.vocab_size, false));
    lm_head->to(dtype);
  }
}

at::Tensor LlamaForCausalLmImpl::logits(const at::Tensor& last_hidden_state) {
  if (lm_head.is_empty()) return torch::matmul(last_hidden_state, model->embed_tokens->weight.t());
  return lm_head(last_hidden_state);
}

}  // namespace vdep::llama
