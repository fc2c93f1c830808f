// Phi decoders: HF's PhiConfig defaults and the built-in architectures.
#pragma once

#include <filesystem>
#include <string>

#include <vdep/nn/decoder_config.h>

namespace vdep::phi {

// PhiConfig's dropout probabilities, applied only in training mode as HF applies them: phi-2 trains
// with resid_pdrop 0.1 on both parallel branches.
struct PhiDropout {
  double embedding = 0.0;  // embd_pdrop, on the input embeddings
  double residual = 0.0;   // resid_pdrop, on the attention and MLP outputs
};

struct PhiArchitecture {
  nn::DecoderConfig decoder;
  PhiDropout dropout;
};

// "phi-2" (microsoft/phi-2, TinyLLaVA's LLM), "phi-100m" (for benchmarks), "tiny" (for tests).
PhiArchitecture phi_preset(const std::string& name);

// config.json of an HF PhiForCausalLM folder (or the text_config of a composite one), with
// PhiConfig's defaults for the optional keys. Throws std::runtime_error naming the file and the key,
// also for what the plugin does not implement (qk_layernorm, tied embeddings, attention dropout).
PhiArchitecture read_phi_config(const std::filesystem::path& config_json);

}  // namespace vdep::phi
