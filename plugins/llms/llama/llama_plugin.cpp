// `llama`: HF's LlamaForCausalLM (LLaMA, LLaMA-2, Vicuna: LLaVA-1.5's LLM). `weights` points at an
// HF folder (config.json + model.safetensors or a sharded index), e.g. a download of
// lmsys/vicuna-7b-v1.5.
#include <torch/torch.h>

#include <vdep/llm.h>
#include <vdep/nn/decoder_llm.h>
#include <vdep/nn/hf_initialisation.h>
#include <vdep/plugin.h>
#include <vdep/safetensors.h>
#include <vdep/weight_loading.h>

#include "llama_config.h"
#include "llama_model.h"

namespace {

using DecoderConfig = vdep::nn::DecoderConfig;

const vdep::ParamSpec kParams[] = {
    {"weights", vdep::ParamType::Path, "",
     "HF checkpoint folder (config.json, model.safetensors or model.safetensors.index.json). Empty: random "
     "weights of `preset`.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
    {"preset", vdep::ParamType::String, "vicuna-7b", "Architecture used when `weights` is empty.",
     -vdep::kUnbounded, vdep::kUnbounded, "vicuna-7b|llama-100m|tinyllama-1.1b|toy|tiny"},
    {"seed", vdep::ParamType::Int, "0", "Seed of the random weights when `weights` is empty.", 0,
     vdep::kUnbounded, nullptr},
    {"vocab_size", vdep::ParamType::Int, "0",
     "Rows of the embedding and LM head of a `preset` model, to match a tokenizer trained for it (a toy "
     "experiment's); 0 = the preset's. Ignored with `weights`, whose config.json says.",
     0, vdep::kUnbounded, nullptr},
    {"dtype", vdep::ParamType::String, "float32",
     "dtype of the parameters (the checkpoint's are converted); activations follow it, norms and softmax "
     "stay fp32.",
     -vdep::kUnbounded, vdep::kUnbounded, "float32|bfloat16"},
};

using LlamaLlm = vdep::nn::DecoderLlm<vdep::llama::LlamaForCausalLm>;

std::unique_ptr<LlamaLlm> make_llama(const DecoderConfig& config, torch::Dtype dtype) {
  return std::make_unique<LlamaLlm>("llama", config, vdep::llama::LlamaForCausalLm(config, dtype));
}

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  const std::filesystem::path weights = params.get_path("weights");
  const torch::Dtype dtype = params.get_string("dtype") == "bfloat16" ? torch::kBFloat16 : torch::kFloat;
  if (weights.empty()) {
    DecoderConfig config = vdep::llama::llama_preset(params.get_string("preset"));
    if (params.get_int("vocab_size") > 0) config.vocab_size = params.get_int("vocab_size");
    torch::manual_seed(static_cast<std::uint64_t>(params.get_int("seed")));
    auto llm = make_llama(config, dtype);
    vdep::nn::initialise_like_hf(llm->module(), config.initializer_range);
    return llm;
  }
  const DecoderConfig config = vdep::llama::read_llama_config(weights / "config.json");
  auto llm = make_llama(config, dtype);
  vdep::WeightLoadOptions options;
  // Older conversions store the rotary frequencies, which are recomputed here; a tied head reads
  // embed_tokens, whatever copy of it the checkpoint holds.
  options.ignored_prefixes = {"model.rotary_emb."};
  for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
    options.ignored_prefixes.push_back("model.layers." + std::to_string(i) + ".self_attn.rotary_emb.");
  }
  if (config.tie_word_embeddings) options.ignored_prefixes.push_back("lm_head.");
  vdep::load_weights(llm->module(), vdep::SafetensorsReader::open(weights), options);
  return llm;
}

}  // namespace

VDEP_PLUGIN(Llm, "llama", "1.0.0",
            "LLaMA decoder (HF LlamaForCausalLM), e.g. lmsys/vicuna-7b-v1.5 for LLaVA-1.5", kParams, create)
