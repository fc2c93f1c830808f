// `siglip`: the vision tower of Google's SigLIP (HF SiglipVisionModel), TinyLLaVA's encoder.
// `weights` points at an HF folder (config.json + model.safetensors or a sharded index, optionally
// preprocessor_config.json), e.g. a download of google/siglip-so400m-patch14-384.
#include <torch/torch.h>

#include <vdep/encoder.h>
#include <vdep/plugin.h>
#include <vdep/safetensors.h>
#include <vdep/weight_loading.h>

#include "siglip_vision_config.h"
#include "siglip_vision_model.h"

namespace {

using VisionTowerConfig = vdep::nn::VisionTowerConfig;

const vdep::ParamSpec kParams[] = {
    {"weights", vdep::ParamType::Path, "",
     "HF checkpoint folder (config.json, model.safetensors or model.safetensors.index.json, optional "
     "preprocessor_config.json). Empty: random weights of `preset`.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
    {"preset", vdep::ParamType::String, "so400m-14-384", "Architecture used when `weights` is empty.",
     -vdep::kUnbounded, vdep::kUnbounded, "so400m-14-384|base-16-224|tiny"},
    {"select_layer", vdep::ParamType::Int, "-2",
     "Hidden state used as features, indexed like HF's hidden_states: 0 = embeddings, i = layer i, "
     "-1 = last layer, -2 = penultimate (TinyLLaVA). Layers after it are not computed.",
     -64, 64, nullptr},
    {"select_feature", vdep::ParamType::String, "patch",
     "SigLIP has no CLS token: 'patch' keeps every patch token (729 at 384/14).", -vdep::kUnbounded,
     vdep::kUnbounded, "patch"},
    {"seed", vdep::ParamType::Int, "0", "Seed of the random weights when `weights` is empty.", 0,
     vdep::kUnbounded, nullptr},
    {"load_head", vdep::ParamType::Bool, "false",
     "Also load the attention-pool head (vision_model.head.*) for SigLIP's pooled image embedding; "
     "LLaVA-style models use the patch features and do not need it.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
};

// Keys of a full SiglipModel checkpoint that the vision tower does not use: the text tower and the
// contrastive scale and bias; the attention-pool head too unless it is loaded.
std::vector<std::string> unused_keys(bool load_head) {
  std::vector<std::string> keys = {"text_model.", "logit_scale", "logit_bias", "vision_model.embeddings.position_ids"};
  if (!load_head) keys.push_back("vision_model.head.");
  return keys;
}

class SiglipEncoder final : public vdep::Encoder {
 public:
  SiglipEncoder(const VisionTowerConfig& config, std::int64_t select_layer, bool with_head,
                vdep::ImageProcessorConfig processor)
      : config_(config),
        model_(config, with_head),
        layer_(vdep::nn::resolve_layer_index(select_layer, config.num_hidden_layers)),
        processor_(processor) {}

  vdep::EncoderOutput encode(const at::Tensor& pixel_values, const vdep::EncodeOptions& options) override {
    vdep::EncoderOutput output;
    auto& tower = *model_->vision_model;
    if (!options.return_pooled) {
      output.features =
          tower.forward(pixel_values, layer_, options.return_hidden_states ? &output.hidden_states : nullptr);
      return output;
    }
    if (tower.head.is_empty()) {
      throw std::invalid_argument("siglip: the pooled output needs the attention-pool head (load_head = true)");
    }
    std::vector<torch::Tensor> states;
    const auto last = tower.forward(pixel_values, config_.num_hidden_layers, &states);
    output.pooled = tower.head(tower.post_layernorm(last));
    output.features = states[layer_];
    if (options.return_hidden_states) output.hidden_states = std::move(states);
    return output;
  }

  std::int64_t hidden_size() const override { return config_.hidden_size; }
  std::int64_t num_tokens() const override { return config_.num_patches(); }
  vdep::ImageProcessorConfig image_processor() const override { return processor_; }
  torch::nn::Module& module() override { return *model_; }

 private:
  VisionTowerConfig config_;
  vdep::siglip::SiglipVisionModel model_;
  std::int64_t layer_;
  vdep::ImageProcessorConfig processor_;
};

vdep::ImageProcessorConfig siglip_processor(const VisionTowerConfig& config) {
  vdep::ImageProcessorConfig processor;
  processor.resize = vdep::ImageProcessorConfig::Resize::Exact;
  processor.size = static_cast<int>(config.image_size);
  processor.crop_size = static_cast<int>(config.image_size);
  processor.do_center_crop = false;
  processor.mean = {0.5, 0.5, 0.5};
  processor.std = {0.5, 0.5, 0.5};
  return processor;
}

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  const std::filesystem::path weights = params.get_path("weights");
  if (weights.empty()) {
    torch::manual_seed(static_cast<std::uint64_t>(params.get_int("seed")));
    const VisionTowerConfig config = vdep::siglip::siglip_vision_preset(params.get_string("preset"));
    return std::make_unique<SiglipEncoder>(config, params.get_int("select_layer"), params.get_bool("load_head"),
                                           siglip_processor(config));
  }

  const VisionTowerConfig config = vdep::nn::read_vision_tower_config(weights / "config.json", vdep::siglip::siglip_vision_defaults());
  vdep::ImageProcessorConfig processor = siglip_processor(config);
  if (std::filesystem::exists(weights / "preprocessor_config.json")) {
    processor = vdep::read_preprocessor_config(weights / "preprocessor_config.json", processor);
  }
  const bool load_head = params.get_bool("load_head");
  auto encoder = std::make_unique<SiglipEncoder>(config, params.get_int("select_layer"), load_head, processor);
  vdep::WeightLoadOptions options;
  options.ignored_prefixes = unused_keys(load_head);
  vdep::load_weights(encoder->module(), vdep::SafetensorsReader::open(weights), options);
  return encoder;
}

}  // namespace

VDEP_PLUGIN(Encoder, "siglip", "1.0.0",
            "SigLIP vision tower (HF SiglipVisionModel), e.g. google/siglip-so400m-patch14-384 for TinyLLaVA",
            kParams, create)
