// The pre-LayerNorm transformer encoder shared by CLIP's and SigLIP's vision towers, with HF's
// parameter names (layers.N.layer_norm1, self_attn.{q,k,v,out}_proj, layer_norm2, mlp.fc1/fc2), so
// that `vision_model.encoder` of either checkpoint loads into it unchanged.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <vdep/export.h>

namespace vdep::nn {

enum class Activation {
  QuickGelu,  // x * sigmoid(1.702 x): CLIP
  GeluTanh,   // GELU, tanh approximation ("gelu_pytorch_tanh", "gelu_new"): SigLIP, Phi
  Gelu,       // exact GELU
};

// HF's `hidden_act` names: "quick_gelu", "gelu_pytorch_tanh", "gelu_new", "gelu". Throws
// std::invalid_argument for others.
VDEP_API Activation activation_from_name(const std::string& name);
VDEP_API at::Tensor apply_activation(const at::Tensor& x, Activation activation);

struct VisionTransformerOptions {
  std::int64_t hidden_size = 768;
  std::int64_t intermediate_size = 3072;
  std::int64_t num_heads = 12;
  std::int64_t num_layers = 12;
  double layer_norm_eps = 1e-5;
  Activation activation = Activation::QuickGelu;
};

class VDEP_API VisionAttentionImpl : public torch::nn::Module {
 public:
  explicit VisionAttentionImpl(const VisionTransformerOptions& options);
  // x [batch, tokens, hidden]. `attention_bias`, when given, is added to the attention scores
  // (broadcast to [batch, heads, tokens, tokens]): -inf above the diagonal makes the layer causal,
  // as CLIP's text tower, which shares this layer, needs.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& attention_bias = {});

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};

 private:
  std::int64_t num_heads_;
};
TORCH_MODULE(VisionAttention);

class VDEP_API VisionMlpImpl : public torch::nn::Module {
 public:
  explicit VisionMlpImpl(const VisionTransformerOptions& options);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};

 private:
  Activation activation_;
};
TORCH_MODULE(VisionMlp);

class VDEP_API VisionEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit VisionEncoderLayerImpl(const VisionTransformerOptions& options);
  // x + attn(ln1(x)), then + mlp(ln2(.)); `attention_bias` as VisionAttention takes it.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& attention_bias = {});

  torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  VisionAttention self_attn{nullptr};
  VisionMlp mlp{nullptr};
};
TORCH_MODULE(VisionEncoderLayer);

class VDEP_API VisionEncoderImpl : public torch::nn::Module {
 public:
  explicit VisionEncoderImpl(const VisionTransformerOptions& options);
  // Runs layers 1..last_layer (0 runs none) and appends each layer's output to `hidden_states`
  // when it is given.
  at::Tensor forward(at::Tensor x, std::int64_t last_layer, std::vector<at::Tensor>* hidden_states);

  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(VisionEncoder);

// HF's hidden-state indexing: 0 is the embeddings output, i the output of layer i, negative values
// count from the end (-1 = last layer). Throws std::out_of_range naming the valid range.
VDEP_API std::int64_t resolve_layer_index(std::int64_t select_layer, std::int64_t num_layers);

}  // namespace vdep::nn
