// LLM plugins in tests: created the way vdep-run creates them, from tiny checkpoints written in
// HF's layout (config.json + model.safetensors with HF's key names).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <toml++/toml.h>
#include <torch/torch.h>

#include <vdep/llm.h>
#include <vdep/safetensors.h>

#include "config/experiment_schema.h"
#include "support/bundled_component.h"

namespace vdep::test {

using Weights = std::map<std::string, torch::Tensor>;

// `settings` holds the [llm] block's keys besides `plugin`, e.g. {{"weights", "/tmp/x"}}.
inline std::unique_ptr<Llm> make_llm(const std::string& plugin, toml::table settings) {
  return make_bundled<Llm>(PluginKind::Llm, "llm", plugin, std::move(settings));
}

inline std::unique_ptr<Llm> load_llm(const std::string& plugin, const std::filesystem::path& folder) {
  return make_llm(plugin, toml::table{{"weights", folder.string()}});
}

// The geometry of a toy decoder; `phi` selects PhiForCausalLM's layout and keys.
struct TinyDecoder {
  bool phi = false;
  std::int64_t hidden = 32;
  std::int64_t intermediate = 48;
  std::int64_t layers = 2;
  std::int64_t heads = 4;
  std::int64_t kv_heads = 2;
  std::int64_t vocab = 50;
  double rope_theta = 500.0;  // small, so that a few positions already turn the slow pairs
  double partial_rotary_factor = 1.0;
  double norm_eps = 1e-5;
  bool tie_word_embeddings = false;

  std::int64_t head_dim() const { return hidden / heads; }
  std::int64_t rotary_dim() const { return static_cast<std::int64_t>(head_dim() * partial_rotary_factor); }
};

inline TinyDecoder tiny_llama() { return {}; }

inline TinyDecoder tiny_phi() {
  TinyDecoder decoder;
  decoder.phi = true;
  decoder.partial_rotary_factor = 0.5;
  return decoder;
}

// config.json as save_pretrained writes it (abridged to the keys the plugins read, plus a few
// they must ignore).
inline std::string config_json(const TinyDecoder& d) {
  std::ostringstream json;
  json << "{\n  \"architectures\": [\"" << (d.phi ? "PhiForCausalLM" : "LlamaForCausalLM") << "\"],\n"
       << "  \"model_type\": \"" << (d.phi ? "phi" : "llama") << "\",\n"
       << "  \"hidden_size\": " << d.hidden << ", \"intermediate_size\": " << d.intermediate << ",\n"
       << "  \"num_hidden_layers\": " << d.layers << ", \"num_attention_heads\": " << d.heads << ",\n"
       << "  \"num_key_value_heads\": " << d.kv_heads << ", \"vocab_size\": " << d.vocab << ",\n"
       << "  \"max_position_embeddings\": 64, \"rope_theta\": " << d.rope_theta << ", \"rope_scaling\": null,\n"
       << "  \"tie_word_embeddings\": " << (d.tie_word_embeddings ? "true" : "false") << ",\n"
       << "  \"bos_token_id\": 1, \"eos_token_id\": 2, \"torch_dtype\": \"float32\", \"use_cache\": true,\n";
  if (d.phi) {
    json << "  \"hidden_act\": \"gelu_new\", \"layer_norm_eps\": " << d.norm_eps << ",\n"
         << "  \"partial_rotary_factor\": " << d.partial_rotary_factor << ", \"qk_layernorm\": false,\n"
         << "  \"resid_pdrop\": 0.1, \"embd_pdrop\": 0.0, \"attention_dropout\": 0.0\n}\n";
  } else {
    json << "  \"hidden_act\": \"silu\", \"rms_norm_eps\": " << d.norm_eps << ", \"attention_bias\": false,\n"
         << "  \"pad_token_id\": 0, \"pretraining_tp\": 1\n}\n";
  }
  return json.str();
}

// Random weights under HF's names. Scales keep every activation of order one, so that fp32
// rounding stays far below the tests' 1e-5.
inline Weights random_weights(const TinyDecoder& d, std::uint64_t seed) {
  torch::manual_seed(seed);
  Weights w;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, double scale) {
    w[name] = torch::randn(shape) * scale;
  };
  auto norm = [&](const std::string& name, bool with_bias) {
    w[name + ".weight"] = 1.0 + torch::randn({d.hidden}) * 0.1;
    if (with_bias) add(name + ".bias", {d.hidden}, 0.1);
  };
  const auto q_size = d.heads * d.head_dim();
  const auto kv_size = d.kv_heads * d.head_dim();
  const double in_scale = 1.0 / std::sqrt(static_cast<double>(d.hidden));
  add("model.embed_tokens.weight", {d.vocab, d.hidden}, 1.0);
  for (std::int64_t i = 0; i < d.layers; ++i) {
    const std::string l = "model.layers." + std::to_string(i) + ".";
    norm(l + "input_layernorm", d.phi);
    add(l + "self_attn.q_proj.weight", {q_size, d.hidden}, in_scale);
    add(l + "self_attn.k_proj.weight", {kv_size, d.hidden}, in_scale);
    add(l + "self_attn.v_proj.weight", {kv_size, d.hidden}, in_scale);
    if (d.phi) {
      add(l + "self_attn.dense.weight", {d.hidden, q_size}, in_scale);
      add(l + "self_attn.q_proj.bias", {q_size}, 0.1);
      add(l + "self_attn.k_proj.bias", {kv_size}, 0.1);
      add(l + "self_attn.v_proj.bias", {kv_size}, 0.1);
      add(l + "self_attn.dense.bias", {d.hidden}, 0.1);
      add(l + "mlp.fc1.weight", {d.intermediate, d.hidden}, in_scale);
      add(l + "mlp.fc1.bias", {d.intermediate}, 0.1);
      add(l + "mlp.fc2.weight", {d.hidden, d.intermediate}, 1.0 / std::sqrt(static_cast<double>(d.intermediate)));
      add(l + "mlp.fc2.bias", {d.hidden}, 0.1);
    } else {
      add(l + "self_attn.o_proj.weight", {d.hidden, q_size}, in_scale);
      norm(l + "post_attention_layernorm", false);
      add(l + "mlp.gate_proj.weight", {d.intermediate, d.hidden}, in_scale);
      add(l + "mlp.up_proj.weight", {d.intermediate, d.hidden}, in_scale);
      add(l + "mlp.down_proj.weight", {d.hidden, d.intermediate}, 1.0 / std::sqrt(static_cast<double>(d.intermediate)));
    }
  }
  norm(d.phi ? "model.final_layernorm" : "model.norm", d.phi);
  if (!d.tie_word_embeddings) add("lm_head.weight", {d.vocab, d.hidden}, in_scale);
  if (d.phi) add("lm_head.bias", {d.vocab}, 0.1);
  return w;
}

inline std::vector<std::pair<std::string, at::Tensor>> as_list(const Weights& weights) {
  return {weights.begin(), weights.end()};
}

inline void write_checkpoint(const std::filesystem::path& folder, const std::string& config, const Weights& weights) {
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "config.json") << config;
  write_safetensors(folder / "model.safetensors", as_list(weights));
}

inline void write_sharded_checkpoint(const std::filesystem::path& folder, const std::string& config,
                                     const Weights& weights, std::size_t max_shard_bytes) {
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "config.json") << config;
  write_sharded_safetensors(folder, as_list(weights), max_shard_bytes);
}

}  // namespace vdep::test
