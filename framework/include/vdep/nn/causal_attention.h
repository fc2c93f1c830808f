// The attention of a decoder-only LLM: causal, with padding masks, grouped-query heads and a KV
// cache, independent of how a model names or projects its heads.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/export.h>
#include <vdep/llm.h>
#include <vdep/nn/rotary_embedding.h>

namespace vdep::nn {

// What every layer of one forward shares: where the new positions stand and what they may attend.
struct DecoderStep {
  std::int64_t cached_length = 0;
  at::Tensor position_ids;  // [batch, new_length] int64
  // [batch, 1, new_length, cached_length + new_length] bool, true = may attend; undefined when
  // nothing is padded, so that causal order alone decides (and fused kernels need no mask).
  at::Tensor mask;
};

// What one forward hands every decoder layer.
struct DecoderLayerInputs {
  const RotaryCosSin& rotary;
  const DecoderStep& step;
  KvCache* cache;                        // the layer appends its keys and values when given
  std::vector<at::Tensor>* attentions;  // the layer appends its probabilities when given
  // Run each layer through decoder_layer_forward's activation checkpointing (never with a cache or
  // attentions: the recomputation would append them again).
  bool recompute_in_backward = false;
};

// Checks `inputs` against `hidden_size` and the cache, and derives the positions and the mask.
// Position ids default as in HF generation: the cumulative count of real tokens minus one (clamped
// at 0, so that left padding starts at 0), taken for the new positions after the cache; without a
// mask, cached_length, cached_length + 1, ...
VDEP_API DecoderStep prepare_decoder_step(const LlmInputs& inputs, std::int64_t hidden_size, const KvCache* cache);

// attention_mask [batch, total] (1 = real token) → [batch, 1, new_length, total] bool: query i (at
// absolute position total - new_length + i) may attend key j when j <= that position and key j is
// real. A query with no such key (a left-padding query) may attend every key instead, so that no
// row is empty: its output is meaningless either way, but it stays finite and so do its gradients.
VDEP_API at::Tensor causal_padding_mask(const at::Tensor& attention_mask, std::int64_t new_length);

// Appends this forward's keys and values of `layer` ([batch, kv_heads, new_length, head_dim]) to the
// cache and returns the whole sequence's. Layers append in order, the first forward creating the
// entries.
VDEP_API std::pair<at::Tensor, at::Tensor> append_to_cache(KvCache& cache, std::size_t layer, const at::Tensor& keys,
                                                           const at::Tensor& values);

struct CausalAttentionOptions {
  // Materialise and return the attention probabilities (forces the explicit path).
  bool return_probabilities = false;
  // On the explicit path, compute the scores QK^T in fp32 from upcast queries and keys (HF's Phi),
  // not in the activations' dtype. The softmax is in fp32 either way, and the fused kernels
  // accumulate in fp32 regardless.
  bool fp32_scores = false;
};

struct CausalAttentionOutput {
  at::Tensor context;        // [batch, new_length, heads * head_dim]
  at::Tensor probabilities;  // [batch, heads, new_length, total], when asked for
};

// softmax(QK^T / sqrt(head_dim) + mask) V over grouped-query heads: q [batch, heads, new_length,
// head_dim], k and v [batch, kv_heads, total, head_dim] with heads a multiple of kv_heads (query
// head h reads kv head h / (heads / kv_heads), HF's repeat_kv), the new positions last. `mask` as
// in DecoderStep. On LibTorch 2 without probabilities this runs at::scaled_dot_product_attention
// (flash or memory-efficient kernels on CUDA); otherwise, and always on 1.13, the explicit product.
VDEP_API CausalAttentionOutput causal_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                const at::Tensor& mask, const CausalAttentionOptions& options);

// One decoder layer's self-attention from its projections q, k, v ([batch, new_length, heads *
// head_dim], k and v with kv_heads): splits the heads, applies the rotary embedding to q and k,
// appends k and v to inputs.cache for `layer`, attends, and appends the probabilities to
// inputs.attentions when it is given. Returns the context [batch, new_length, heads * head_dim],
// ready for the output projection. `fp32_scores` as in CausalAttentionOptions.
VDEP_API at::Tensor decoder_self_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                           std::int64_t heads, std::int64_t kv_heads, std::size_t layer,
                                           const DecoderLayerInputs& inputs, bool fp32_scores = false);

}  // namespace vdep::nn
