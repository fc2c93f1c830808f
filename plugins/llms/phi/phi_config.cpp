#include "phi_config.h"

#include <stdexcept>

#include <vdep/hf_config.h>
#include <vdep/nn/vision_transformer.h>

namespace vdep::phi {

namespace {

nn::DecoderConfig phi_defaults() {
  nn::DecoderConfig config;
  config.max_position_embeddings = 2048;
  config.rope_theta = 10000.0;
  config.partial_rotary_factor = 0.5;
  config.norm_eps = 1e-5;
  config.hidden_act = "gelu_new";
  config.special_tokens = {1, 2, -1};
  return config;
}

}  // namespace

PhiArchitecture phi_preset(const std::string& name) {
  nn::DecoderConfig config = phi_defaults();
  PhiDropout dropout;
  if (name == "phi-2") {  // microsoft/phi-2's config.json
    config.hidden_size = 2560;
    config.intermediate_size = 10240;
    config.num_hidden_layers = 32;
    config.num_attention_heads = 32;
    config.num_key_value_heads = 32;
    config.vocab_size = 51200;
    config.partial_rotary_factor = 0.4;
    config.special_tokens = {50256, 50256, -1};
    dropout.residual = 0.1;
  } else if (name == "phi-100m") {  // 105M parameters; head_dim 80 and 32 rotary dims as phi-2
    config.hidden_size = 640;
    config.intermediate_size = 2560;
    config.num_hidden_layers = 8;
    config.num_attention_heads = 8;
    config.num_key_value_heads = 8;
    config.vocab_size = 51200;
    config.partial_rotary_factor = 0.4;
    config.special_tokens = {50256, 50256, -1};
  } else if (name == "tiny") {
    config.hidden_size = 64;
    config.intermediate_size = 128;
    config.num_hidden_layers = 2;
    config.num_attention_heads = 4;
    config.num_key_value_heads = 4;
    config.vocab_size = 256;
  } else {
    throw std::invalid_argument("unknown Phi preset '" + name + "'");
  }
  config.head_dim = config.hidden_size / config.num_attention_heads;
  return {config, dropout};
}

PhiArchitecture read_phi_config(const std::filesystem::path& config_json) {
  nn::DecoderConfig config = nn::read_decoder_config(config_json, phi_defaults(), "layer_norm_eps");
  const HfConfig json = HfConfig::read(config_json, "text_config");
  bool qk_layernorm = false;
  json.get("qk_layernorm", qk_layernorm);
  if (qk_layernorm) {
    throw std::runtime_error(config_json.string() + ": 'qk_layernorm' true is not supported by the phi plugin");
  }
  if (config.tie_word_embeddings) {
    throw std::runtime_error(config_json.string() +
                             ": 'tie_word_embeddings' true is not supported by the phi plugin (its head has a bias)");
  }
  try {
    nn::activation_from_name(config.hidden_act);
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(config_json.string() + ": " + error.what());
  }
  PhiDropout dropout;
  json.get("embd_pdrop", dropout.embedding);
  json.get("resid_pdrop", dropout.residual);
  double attention_dropout = 0.0;
  json.get("attention_dropout", attention_dropout);
  if (attention_dropout != 0.0) {
    throw std::runtime_error(config_json.string() + ": 'attention_dropout' " + std::to_string(attention_dropout) +
                             " is not supported by the phi plugin (phi-2 has 0.0)");
  }
  return {config, dropout};
}

}  // namespace vdep::phi
