// HF's LlamaForCausalLM as LibTorch modules, with the checkpoint's parameter names.
#pragma once

#include <vector>

#include <torch/torch.h>

#include <vdep/llm.h>
#include <vdep/nn/causal_attention.h>
#include <vdep/nn/decoder_config.h>
#include <vdep/nn/decoder_layer_forward.h>
#include <vdep/nn/rms_norm.h>
#include <vdep/nn/rotary_embedding.h>

namespace vdep::llama {

// `self_attn.`: {q,k,v,o}_proj, biases only with attention_bias.
class LlamaAttentionImpl : public torch::nn::Module {
 public:
  explicit LlamaAttentionImpl(const nn::DecoderConfig& config);
  at::Tensor forward(const at::Tensor& x, std::size_t layer, const nn::DecoderLayerInputs& inputs);

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

 private:
  std::int64_t heads_, kv_heads_, head_dim_;
};
TORCH_MODULE(LlamaAttention);

// `mlp.`: SwiGLU, down(silu(gate(x)) * up(x)).
class LlamaMlpImpl : public torch::nn::Module {
 public:
  explicit LlamaMlpImpl(const nn::DecoderConfig& config);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaMlp);

// `model.layers.N.`: pre-norm residual blocks, attention then MLP.
class LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  explicit LlamaDecoderLayerImpl(const nn::DecoderConfig& config);
  at::Tensor forward(const at::Tensor& x, std::size_t layer, const nn::DecoderLayerInputs& inputs);

  nn::RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  LlamaAttention self_attn{nullptr};
  LlamaMlp mlp{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

// `model.`: embed_tokens, layers, norm. Parameters are created in `dtype` one layer at a time, so
// that a 7B model in bf16 never exists in fp32 as a whole.
class LlamaModelImpl : public torch::nn::Module {
 public:
  LlamaModelImpl(const nn::DecoderConfig& config, torch::Dtype dtype);
  // embeds [batch, new_length, hidden] → the last layer's output after the final norm. Appends HF's
  // hidden_states (the input of every layer, then that output) when `hidden_states` is given.
  at::Tensor forward(at::Tensor x, const nn::DecoderLayerInputs& inputs, std::vector<at::Tensor>* hidden_states);

  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  nn::RmsNorm norm{nullptr};
};
TORCH_MODULE(LlamaModel);

// The root: `model.` and `lm_head.`, the head being embed_tokens' matrix when tie_word_embeddings.
class LlamaForCausalLmImpl : public torch::nn::Module {
 public:
  LlamaForCausalLmImpl(const nn::DecoderConfig& config, torch::Dtype dtype);
  at::Tensor logits(const at::Tensor& last_hidden_state);

  LlamaModel model{nullptr};
  torch::nn::Linear lm_head{nullptr};  // null when tied
};
TORCH_MODULE(LlamaForCausalLm);

}  // namespace vdep::llama
