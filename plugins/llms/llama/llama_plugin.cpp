// `llama`: HF's LlamaForCausalLM (LLaMA, LLaMA-2, Vicuna: LLaVA-1.5's LLM). `weights` points at an
// HF folder (config.json + model.safetensors or a sharded index), e.g. a download of
// lmsys/vicuna-7b-v1.5.
#include <torch/torch.h>

#include <vdep/llm.h>
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
     -vdep::kUnbounded, vdep::kUnbounded, "vicuna-7b|llama-100m|tiny"},
    {"seed", vdep::ParamType::Int, "0", "Seed of the random weights when `weights` is empty.", 0,
     vdep::kUnbounded, nullptr},
    {"dtype", vdep::ParamType::String, "float32",
     "dtype of the parameters (the checkpoint's are converted); activations follow it, norms and softmax "
     "stay fp32.",
     -vdep::kUnbounded, vdep::kUnbounded, "float32|bfloat16"},
};

class LlamaLlm final : public vdep::Llm {
 public:
  // In evaluation mode, as HF's from_pretrained leaves a model (LLaMA has no dropout to turn on).
  LlamaLlm(const DecoderConfig& config, torch::Dtype dtype) : config_(config), model_(config, dtype) { model_->eval(); }

  at::Tensor embed(const at::Tensor& ids) override {
    vdep::nn::check_token_ids(ids, config_);
    return model_->model->embed_tokens(ids);
  }

  vdep::LlmOutput forward(const vdep::LlmInputs& inputs, const vdep::LlmForwardOptions& options) override {
    const auto step = vdep::nn::prepare_decoder_step(inputs, config_.hidden_size, options.cache);
    const auto positions = step.cached_length + inputs.inputs_embeds.size(1);
    TORCH_CHECK(positions <= config_.max_position_embeddings, "llama: ", positions,
                " positions exceed max_position_embeddings ", config_.max_position_embeddings);
    const auto dtype = model_->model->embed_tokens->weight.scalar_type();
    const auto rotary = vdep::nn::rotary_cos_sin(step.position_ids, config_.rotary_dim(), config_.rope_theta, dtype);
    vdep::LlmOutput output;
    const vdep::nn::DecoderLayerInputs layer_inputs{rotary, step, options.cache,
                                                options.return_attentions ? &output.attentions : nullptr};
    output.last_hidden_state = model_->model->forward(inputs.inputs_embeds.to(dtype), layer_inputs,
                                                      options.return_hidden_states ? &output.hidden_states : nullptr);
    if (!options.skip_logits) output.logits = model_->logits(output.last_hidden_state);
    return output;
  }

  std::int64_t hidden_size() const override { return config_.hidden_size; }
  std::int64_t num_layers() const override { return config_.num_hidden_layers; }
  std::int64_t vocab_size() const override { return config_.vocab_size; }
  vdep::LlmSpecialTokens special_tokens() const override { return config_.special_tokens; }
  torch::nn::Module& module() override { return *model_; }

 private:
  DecoderConfig config_;
  vdep::llama::LlamaForCausalLm model_;
};

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  const std::filesystem::path weights = params.get_path("weights");
  const torch::Dtype dtype = params.get_string("dtype") == "bfloat16" ? torch::kBFloat16 : torch::kFloat;
  if (weights.empty()) {
    const DecoderConfig config = vdep::llama::llama_preset(params.get_string("preset"));
    torch::manual_seed(static_cast<std::uint64_t>(params.get_int("seed")));
    auto llm = std::make_unique<LlamaLlm>(config, dtype);
    vdep::nn::initialise_like_hf(llm->module(), config.initializer_range);
    return llm;
  }
  const DecoderConfig config = vdep::llama::read_llama_config(weights / "config.json");
  auto llm = std::make_unique<LlamaLlm>(config, dtype);
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
