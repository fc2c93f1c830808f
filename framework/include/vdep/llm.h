// The llm kind: a decoder-only language model (HF *ForCausalLM) that takes input embeddings, so
// that image embeddings can be spliced between text embeddings before the first layer.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/component.h>

namespace torch::nn {
class Module;
}

namespace vdep {

// Keys and values of every layer for the positions already processed, so that generation feeds
// one new position at a time. An LLM fills it on a forward that is given one; the caller only
// creates it empty and passes it back unchanged.
struct KvCache {
  std::vector<at::Tensor> keys;    // per layer: [batch, kv_heads, cached_length, head_dim]
  std::vector<at::Tensor> values;  // same shape as keys
  std::int64_t length() const { return keys.empty() ? 0 : keys.front().size(2); }
};

struct LlmForwardOptions {
  // Fill LlmOutput::hidden_states.
  bool return_hidden_states = false;
  // Fill LlmOutput::attentions (this forces the explicit attention path, which materialises the
  // probabilities).
  bool return_attentions = false;
  // Given: the forward reads the cached positions and appends the new ones.
  KvCache* cache = nullptr;
  // Skip the LM head (logits stay undefined): image-only objectives and feature extraction need
  // only hidden states, and the head is the largest matmul of a forward.
  bool skip_logits = false;
  // Gradient checkpointing: keep only each decoder layer's input during the forward and recompute
  // the layer under autograd in the backward (one more forward of the layers, for a graph that no
  // longer holds their activations). Only with grad mode on; not with a cache or attentions.
  bool recompute_layers_in_backward = false;
};

struct LlmInputs {
  // [batch, new_length, hidden_size()], on the parameters' device; cast to the parameters' dtype
  // (image embeddings from an fp32 projector may meet a bf16 LLM).
  at::Tensor inputs_embeds;
  // [batch, cached_length + new_length], 1 = real token, 0 = padding; undefined = all real. Padding
  // is on the right for training; generation of padded batches may pad on the left.
  at::Tensor attention_mask;
  // [batch, new_length] int64; undefined = counted from attention_mask (positions of real tokens
  // 0, 1, 2, ... with padding skipped, left padding at 0), continuing after the cache; without a
  // mask, cached_length, cached_length + 1, ...
  at::Tensor position_ids;
};

// In the layout of HF's CausalLMOutputWithPast.
struct LlmOutput {
  at::Tensor logits;             // [batch, new_length, vocab_size()], float32 or the compute dtype
  at::Tensor last_hidden_state;  // [batch, new_length, hidden_size()], after the final norm
  // As HF's `hidden_states`: index 0 is the input embeddings, index i the output of layer i, and
  // the last entry (layer num_layers()) has the final norm applied, exactly as HF returns it.
  std::vector<at::Tensor> hidden_states;
  // As HF's `attentions`: per layer, [batch, heads, new_length, cached_length + new_length].
  std::vector<at::Tensor> attentions;
};

// Token ids the model was trained with (config.json); -1 = none.
struct LlmSpecialTokens {
  std::int64_t bos = -1;
  std::int64_t eos = -1;
  std::int64_t pad = -1;
};

class VDEP_API Llm : public Component {
 public:
  ~Llm() override;

  // ids [batch, length] int64 → [batch, length, hidden_size()]. Ids must lie in
  // [0, vocab_size()): image markers are replaced by the model's caller, never embedded.
  virtual at::Tensor embed(const at::Tensor& ids) = 0;
  virtual LlmOutput forward(const LlmInputs& inputs, const LlmForwardOptions& options) = 0;

  virtual std::int64_t hidden_size() const = 0;
  virtual std::int64_t num_layers() const = 0;
  // Rows of the embedding and of the LM head; may exceed the tokenizer's vocabulary (phi-2 pads
  // 50295 tokens to 51200).
  virtual std::int64_t vocab_size() const = 0;
  virtual LlmSpecialTokens special_tokens() const = 0;
  // The module holding every parameter, named as in the checkpoint (for freezing, device and
  // dtype moves, saving). LLMs are created in evaluation mode, as HF's from_pretrained leaves
  // them; module().train() turns on the dropout their config asks for (phi-2: resid_pdrop 0.1).
  virtual torch::nn::Module& module() = 0;
};

}  // namespace vdep
