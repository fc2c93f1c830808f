// LLaMA decoders: HF's LlamaConfig defaults and the built-in architectures.
#pragma once

#include <filesystem>
#include <string>

#include <vdep/nn/decoder_config.h>

namespace vdep::llama {

// "vicuna-7b" (LLaMA-2-7B, LLaVA-1.5's LLM), "llama-100m" (for benchmarks), "tiny" (for tests).
nn::DecoderConfig llama_preset(const std::string& name);

// config.json of an HF LlamaForCausalLM folder (or the text_config of a LLaVA one), with
// LlamaConfig's defaults for the optional keys. Throws std::runtime_error naming the file and key.
nn::DecoderConfig read_llama_config(const std::filesystem::path& config_json);

}  // namespace vdep::llama
