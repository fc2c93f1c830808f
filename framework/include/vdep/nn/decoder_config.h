// The dimensions of a decoder-only LLM as HF's LlamaConfig, PhiConfig and their relatives hold
// them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <ATen/core/Tensor.h>

#include <vdep/export.h>
#include <vdep/llm.h>

namespace vdep::nn {

struct DecoderConfig {
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_key_value_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t vocab_size = 0;
  std::int64_t max_position_embeddings = 2048;
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  double norm_eps = 1e-6;  // rms_norm_eps or layer_norm_eps, whichever the model's norm reads
  std::string hidden_act = "silu";
  bool tie_word_embeddings = false;
  bool attention_bias = false;
  double initializer_range = 0.02;  // std of the random weights of a preset (HF's default)
  LlmSpecialTokens special_tokens;

  // HF's int(head_dim * partial_rotary_factor): the leading dims of each head that rotate.
  std::int64_t rotary_dim() const { return static_cast<std::int64_t>(head_dim * partial_rotary_factor); }
};

// Reads config.json (or the `text_config` of a composite model such as LLaVA's) over `defaults`,
// taking the norm's epsilon from `norm_eps_key`. hidden_size, intermediate_size,
// num_hidden_layers, num_attention_heads and vocab_size are required; num_key_value_heads defaults
// to num_attention_heads and head_dim to hidden_size / num_attention_heads. Throws
// std::runtime_error naming the file and the key for a missing key, dimensions that do not fit
// together (heads not a multiple of the kv heads, an odd rotary dimension, ...) or a rope_scaling
// other than null (not supported yet).
VDEP_API DecoderConfig read_decoder_config(const std::filesystem::path& config_json, DecoderConfig defaults,
                                           std::string_view norm_eps_key);

// Throws std::invalid_argument unless `ids` is int64 with every id in [0, config.vocab_size): an
// image marker (-200) that reached the embedding, or a tokenizer bigger than the model, is a bug
// the embedding would otherwise turn into an opaque index error (or, on CUDA, a device assert).
VDEP_API void check_token_ids(const at::Tensor& ids, const DecoderConfig& config);

}  // namespace vdep::nn
