#include "llama_config.h"

#include <stdexcept>

namespace vdep::llama {

namespace {

nn::DecoderConfig llama_defaults() {
  nn::DecoderConfig config;
  config.max_position_embeddings = 2048;
  config.rope_theta = 10000.0;
  config.norm_eps = 1e-6;
  config.hidden_act = "silu";
  config.special_tokens = {1, 2, -1};
  return config;
}

}  // namespace

nn::DecoderConfig llama_preset(const std::string& name) {
  nn::DecoderConfig config = llama_defaults();
  if (name == "vicuna-7b") {  // lmsys/vicuna-7b-v1.5's config.json
    config.hidden_size = 4096;
    config.intermediate_size = 11008;
    config.num_hidden_layers = 32;
    config.num_attention_heads = 32;
    config.num_key_value_heads = 32;
    config.vocab_size = 32000;
    config.max_position_embeddings = 4096;
    config.norm_eps = 1e-5;
    config.special_tokens.pad = 0;
  } else if (name == "llama-100m") {  // 125M parameters, 49M of them in the embedding and the head
    config.hidden_size = 768;
    config.intermediate_size = 2048;
    config.num_hidden_layers = 12;
    config.num_attention_heads = 12;
    config.num_key_value_heads = 4;
    config.vocab_size = 32000;
    config.norm_eps = 1e-5;
  } else if (name == "tinyllama-1.1b") {  // TinyLlama/TinyLlama-1.1B's config.json: the ~1B GPU benchmark size
    config.hidden_size = 2048;
    config.intermediate_size = 5632;
    config.num_hidden_layers = 22;
    config.num_attention_heads = 32;
    config.num_key_value_heads = 4;
    config.vocab_size = 32000;
    config.max_position_embeddings = 2048;
    config.norm_eps = 1e-5;
  } else if (name == "toy") {  // the toy experiment's: 1M parameters, a tokenizer of 512 pieces
    config.hidden_size = 128;
    config.intermediate_size = 384;
    config.num_hidden_layers = 4;
    config.num_attention_heads = 4;
    config.num_key_value_heads = 4;
    config.vocab_size = 512;
    // HF's 0.02 suits widths in the thousands. At width 128 it leaves attention so flat that in the toy's
    // few hundred SFT steps the LLM learnt each question's answer prior and nothing of the context,
    // even with the scene's caption in place of the image; 0.15 (about 1.7 / sqrt(128)) lets it learn
    // to read the context in that time.
    config.initializer_range = 0.15;
  } else if (name == "tiny") {
    config.hidden_size = 64;
    config.intermediate_size = 128;
    config.num_hidden_layers = 2;
    config.num_attention_heads = 4;
    config.num_key_value_heads = 2;
    config.vocab_size = 256;
  } else {
    throw std::invalid_argument("unknown LLaMA preset '" + name + "'");
  }
  config.head_dim = config.hidden_size / config.num_attention_heads;
  return config;
}

nn::DecoderConfig read_llama_config(const std::filesystem::path& config_json) {
  nn::DecoderConfig config = nn::read_decoder_config(config_json, llama_defaults(), "rms_norm_eps");
  if (config.hidden_act != "silu") {
    throw std::runtime_error(config_json.string() + ": hidden_act '" + config.hidden_act +
                             "' is not supported by the llama plugin (only silu)");
  }
  return config;
}

}  // namespace vdep::llama
