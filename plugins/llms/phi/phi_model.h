// HF's PhiForCausalLM as LibTorch modules, with the checkpoint's parameter names.
#pragma once

#include <vector>

#include <torch/torch.h>

#include <vdep/nn/causal_attention.h>
#include <vdep/nn/decoder_config.h>
#include <vdep/nn/decoder_layer_forward.h>
#include <vdep/nn/vision_transformer.h>

#include "phi_config.h"

namespace vdep::phi {

// `self_attn.`: {q,k,v}_proj and dense, all with biases; rotary on the first rotary_dim of each
// head; scores in fp32 as HF computes them.
class PhiAttentionImpl : public torch::nn::Module {
 public:
  explicit PhiAttentionImpl(const nn::DecoderConfig& config);
  at::Tensor forward(const at::Tensor& x, std::size_t layer, const nn::DecoderLayerInputs& inputs);

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, dense{nullptr};

 private:
  std::int64_t heads_, kv_heads_, head_dim_;
};
TORCH_MODULE(PhiAttention);

// `mlp.`: fc2(act(fc1(x))), act being gelu_new (GELU, tanh approximation) in Phi-2.
class PhiMlpImpl : public torch::nn::Module {
 public:
  explicit PhiMlpImpl(const nn::DecoderConfig& config);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};

 private:
  nn::Activation activation_;
};
TORCH_MODULE(PhiMlp);

// `model.layers.N.`: one LayerNorm feeding attention and MLP in parallel, x + attn(ln x) + mlp(ln x),
// each branch through resid_pdrop dropout in training mode.
class PhiDecoderLayerImpl : public torch::nn::Module {
 public:
  PhiDecoderLayerImpl(const nn::DecoderConfig& config, double residual_dropout);
  at::Tensor forward(const at::Tensor& x, std::size_t layer, const nn::DecoderLayerInputs& inputs);

  torch::nn::LayerNorm input_layernorm{nullptr};
  PhiAttention self_attn{nullptr};
  PhiMlp mlp{nullptr};

 private:
  double residual_dropout_;
};
TORCH_MODULE(PhiDecoderLayer);

// `model.`: embed_tokens, layers, final_layernorm, created in `dtype` one layer at a time.
class PhiModelImpl : public torch::nn::Module {
 public:
  PhiModelImpl(const PhiArchitecture& architecture, torch::Dtype dtype);
  // embeds [batch, new_length, hidden] → the last layer's output after the final norm. Appends HF's
  // hidden_states (the input of every layer, then that output) when `hidden_states` is given.
  at::Tensor forward(at::Tensor x, const nn::DecoderLayerInputs& inputs, std::vector<at::Tensor>* hidden_states);

  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  torch::nn::LayerNorm final_layernorm{nullptr};

 private:
  double embedding_dropout_;
};
TORCH_MODULE(PhiModel);

// The root: `model.` and `lm_head.` (with a bias).
class PhiForCausalLmImpl : public torch::nn::Module {
 public:
  PhiForCausalLmImpl(const PhiArchitecture& architecture, torch::Dtype dtype);
  at::Tensor logits(const at::Tensor& last_hidden_state) { return lm_head(last_hidden_state); }

  PhiModel model{nullptr};
  torch::nn::Linear lm_head{nullptr};
};
TORCH_MODULE(PhiForCausalLm);

}  // namespace vdep::phi
