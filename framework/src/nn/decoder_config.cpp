#include <vdep/nn/decoder_config.h>

#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

#include <vdep/hf_config.h>

namespace vdep::nn {

namespace {

void read_required(const HfConfig& json, std::string_view key, std::int64_t& value) {
  if (!json.has_value(key)) {
    throw std::runtime_error(json.file().string() + ": missing required key '" + std::string(key) + "'");
  }
  json.get(key, value);
}

// Dimensions that do not fit together: heads not a multiple of the kv heads, an odd or oversized
// rotary dimension, ...
void check_dimensions(const DecoderConfig& config, const std::filesystem::path& config_json) {
  auto fail = [&](const std::string& message) { throw std::runtime_error(config_json.string() + ": " + message); };
  for (const auto& [key, value] :
       {std::pair<const char*, std::int64_t>{"hidden_size", config.hidden_size},
        {"intermediate_size", config.intermediate_size}, {"num_hidden_layers", config.num_hidden_layers},
        {"num_attention_heads", config.num_attention_heads}, {"num_key_value_heads", config.num_key_value_heads},
        {"head_dim", config.head_dim}, {"vocab_size", config.vocab_size}}) {
    if (value <= 0) fail("'" + std::string(key) + "' must be positive, got " + std::to_string(value));
  }
  if (config.num_attention_heads % config.num_key_value_heads != 0) {
    fail("num_attention_heads " + std::to_string(config.num_attention_heads) +
         " is not a multiple of num_key_value_heads " + std::to_string(config.num_key_value_heads));
  }
  const auto rotary_dim = config.rotary_dim();
  if (rotary_dim <= 0 || rotary_dim % 2 != 0 || rotary_dim > config.head_dim) {
    fail("partial_rotary_factor " + std::to_string(config.partial_rotary_factor) + " of head_dim " +
         std::to_string(config.head_dim) + " gives " + std::to_string(rotary_dim) +
         " rotary dims; they must be even and in (0, head_dim]");
  }
}

}  // namespace

DecoderConfig read_decoder_config(const std::filesystem::path& config_json, DecoderConfig defaults,
                                  std::string_view norm_eps_key) {
  const HfConfig json = HfConfig::read(config_json, "text_config");
  DecoderConfig config = defaults;
  read_required(json, "hidden_size", config.hidden_size);
  read_required(json, "intermediate_size", config.intermediate_size);
  read_required(json, "num_hidden_layers", config.num_hidden_layers);
  read_required(json, "num_attention_heads", config.num_attention_heads);
  read_required(json, "vocab_size", config.vocab_size);
  config.num_key_value_heads = config.num_attention_heads;
  json.get("num_key_value_heads", config.num_key_value_heads);
  if (json.has_value("head_dim")) {
    json.get("head_dim", config.head_dim);
  } else if (config.num_attention_heads <= 0 || config.hidden_size % config.num_attention_heads != 0) {
    throw std::runtime_error(config_json.string() + ": hidden_size " + std::to_string(config.hidden_size) +
                             " is not divisible by num_attention_heads " +
                             std::to_string(config.num_attention_heads) + " (and no head_dim is given)");
  } else {
    config.head_dim = config.hidden_size / config.num_attention_heads;
  }
  json.get("max_position_embeddings", config.max_position_embeddings);
  json.get("rope_theta", config.rope_theta);
  json.get("partial_rotary_factor", config.partial_rotary_factor);
  json.get(norm_eps_key, config.norm_eps);
  json.get("hidden_act", config.hidden_act);
  json.get("tie_word_embeddings", config.tie_word_embeddings);
  json.get("attention_bias", config.attention_bias);
  json.get("bos_token_id", config.special_tokens.bos);
  json.get("eos_token_id", config.special_tokens.eos);
  json.get("pad_token_id", config.special_tokens.pad);
  if (json.has_value("rope_scaling")) {
    throw std::runtime_error(config_json.string() +
                             ": 'rope_scaling' is set, but scaled rotary embeddings are not supported yet "
                             "(only rope_scaling: null)");
  }
  check_dimensions(config, config_json);
  return config;
}

void check_token_ids(const at::Tensor& ids, const DecoderConfig& config) {
  if (ids.scalar_type() != at::kLong) {
    throw std::invalid_argument(std::string("token ids must be int64, got ") + at::toString(ids.scalar_type()));
  }
  if (ids.numel() == 0) return;
  const auto lowest = ids.min().item<std::int64_t>();
  const auto highest = ids.max().item<std::int64_t>();
  if (lowest < 0 || highest >= config.vocab_size) {
    throw std::invalid_argument("token id " + std::to_string(lowest < 0 ? lowest : highest) +
                                " is outside the vocabulary [0, " + std::to_string(config.vocab_size) +
                                "): image markers must be replaced by image embeddings before embed()");
  }
}

}  // namespace vdep::nn
