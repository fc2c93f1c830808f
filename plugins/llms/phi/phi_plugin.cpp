// `phi`: HF's PhiForCausalLM (Phi-1.5, Phi-2: TinyLLaVA's LLM). `weights` points at an HF folder
// (config.json + model.safetensors or a sharded index), e.g. a download of microsoft/phi-2.
#include <torch/torch.h>

#include <vdep/llm.h>
#include <vdep/nn/decoder_llm.h>
#include <vdep/nn/hf_initialisation.h>
#include <vdep/plugin.h>
#include <vdep/safetensors.h>
#include <vdep/weight_loading.h>

#include "phi_config.h"
#include "phi_model.h"

namespace {

const vdep::ParamSpec kParams[] = {
    {"weights", vdep::ParamType::Path, "",
     "HF checkpoint folder (config.json, model.safetensors or model.safetensors.index.json). Empty: random "
     "weights of `preset`.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
    {"preset", vdep::ParamType::String, "phi-2", "Architecture used when `weights` is empty.",
     -vdep::kUnbounded, vdep::kUnbounded, "phi-2|phi-100m|tiny"},
    {"seed", vdep::ParamType::Int, "0", "Seed of the random weights when `weights` is empty.", 0,
     vdep::kUnbounded, nullptr},
    {"dtype", vdep::ParamType::String, "float32",
     "dtype of the parameters (the checkpoint's are converted); activations follow it, attention scores "
     "and softmax stay fp32.",
     -vdep::kUnbounded, vdep::kUnbounded, "float32|bfloat16"},
};

using PhiLlm = vdep::nn::DecoderLlm<vdep::phi::PhiForCausalLm>;

std::unique_ptr<PhiLlm> make_phi(const vdep::phi::PhiArchitecture& architecture, torch::Dtype dtype) {
  return std::make_unique<PhiLlm>("phi", architecture.decoder, vdep::phi::PhiForCausalLm(architecture, dtype));
}

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  const std::filesystem::path weights = params.get_path("weights");
  const torch::Dtype dtype = params.get_string("dtype") == "bfloat16" ? torch::kBFloat16 : torch::kFloat;
  if (weights.empty()) {
    const vdep::phi::PhiArchitecture architecture = vdep::phi::phi_preset(params.get_string("preset"));
    torch::manual_seed(static_cast<std::uint64_t>(params.get_int("seed")));
    auto llm = make_phi(architecture, dtype);
    vdep::nn::initialise_like_hf(llm->module(), architecture.decoder.initializer_range);
    return llm;
  }
  auto llm = make_phi(vdep::phi::read_phi_config(weights / "config.json"), dtype);
  vdep::load_weights(llm->module(), vdep::SafetensorsReader::open(weights));
  return llm;
}

}  // namespace

VDEP_PLUGIN(Llm, "phi", "1.0.0", "Phi decoder (HF PhiForCausalLM), e.g. microsoft/phi-2 for TinyLLaVA", kParams,
            create)
