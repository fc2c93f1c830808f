// `clip_vit`: the vision tower of OpenAI's CLIP (HF CLIPVisionModel), LLaVA-1.5's encoder.
// `weights` points at an HF folder (config.json + model.safetensors or a sharded index, optionally
// preprocessor_config.json), e.g. a download of openai/clip-vit-large-patch14-336.
#include <torch/torch.h>

#include <vdep/encoder.h>
#include <vdep/plugin.h>
#include <vdep/safetensors.h>
#include <vdep/weight_loading.h>

#include "clip_vision_config.h"
#include "clip_vision_model.h"

namespace {

using VisionTowerConfig = vdep::nn::VisionTowerConfig;

const vdep::ParamSpec kParams[] = {
    {"weights", vdep::ParamType::Path, "",
     "HF checkpoint folder (config.json, model.safetensors or model.safetensors.index.json, optional "
     "preprocessor_config.json). Empty: random weights of `preset`.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
    {"preset", vdep::ParamType::String, "vit-l-14-336", "Architecture used when `weights` is empty.",
     -vdep::kUnbounded, vdep::kUnbounded, "vit-l-14-336|vit-l-14|vit-b-16|vit-b-32|toy|tiny"},
    {"select_layer", vdep::ParamType::Int, "-2",
     "Hidden state used as features, indexed like HF's hidden_states: 0 = embeddings, i = layer i, "
     "-1 = last layer, -2 = penultimate (LLaVA). Layers after it are not computed.",
     -64, 64, nullptr},
    {"select_feature", vdep::ParamType::String, "patch",
     "'patch' drops the CLS token (LLaVA: 576 tokens at 336/14), 'cls_patch' keeps it.",
     -vdep::kUnbounded, vdep::kUnbounded, "patch|cls_patch"},
    {"seed", vdep::ParamType::Int, "0", "Seed of the random weights when `weights` is empty.", 0,
     vdep::kUnbounded, nullptr},
};

// Keys of a full CLIPModel checkpoint that the vision tower does not use.
const std::vector<std::string> kOtherTowers = {"text_model.", "text_projection.", "visual_projection.",
                                               "logit_scale", "vision_model.embeddings.position_ids"};

class ClipVitEncoder final : public vdep::Encoder {
 public:
  ClipVitEncoder(const VisionTowerConfig& config, std::int64_t select_layer, bool keep_cls,
                 vdep::ImageProcessorConfig processor)
      : config_(config),
        model_(config),
        layer_(vdep::nn::resolve_layer_index(select_layer, config.num_hidden_layers)),
        keep_cls_(keep_cls),
        processor_(processor) {}

  vdep::EncoderOutput encode(const at::Tensor& pixel_values, const vdep::EncodeOptions& options) override {
    vdep::EncoderOutput output;
    auto& tower = *model_->vision_model;
    torch::Tensor selected;
    if (options.return_pooled) {
      std::vector<torch::Tensor> states;
      const auto last = tower.forward(pixel_values, config_.num_hidden_layers, &states);
      output.pooled = tower.post_layernorm(last.select(1, 0));
      selected = states[layer_];
      if (options.return_hidden_states) output.hidden_states = std::move(states);
    } else {
      selected = tower.forward(pixel_values, layer_, options.return_hidden_states ? &output.hidden_states : nullptr);
    }
    output.features = keep_cls_ ? selected : selected.narrow(1, 1, selected.size(1) - 1);
    return output;
  }

  std::int64_t hidden_size() const override { return config_.hidden_size; }
  std::int64_t num_tokens() const override { return config_.num_patches() + (keep_cls_ ? 1 : 0); }
  vdep::ImageProcessorConfig image_processor() const override { return processor_; }
  torch::nn::Module& module() override { return *model_; }

 private:
  VisionTowerConfig config_;
  vdep::clip::ClipVisionModel model_;
  std::int64_t layer_;
  bool keep_cls_;
  vdep::ImageProcessorConfig processor_;
};

vdep::ImageProcessorConfig clip_processor(const VisionTowerConfig& config) {
  vdep::ImageProcessorConfig processor;  // CLIP's mean and std are the defaults
  processor.resize = vdep::ImageProcessorConfig::Resize::ShortestEdge;
  processor.size = static_cast<int>(config.image_size);
  processor.crop_size = static_cast<int>(config.image_size);
  processor.do_center_crop = true;
  return processor;
}

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  const std::filesystem::path weights = params.get_path("weights");
  const bool keep_cls = params.get_string("select_feature") == "cls_patch";
  if (weights.empty()) {
    torch::manual_seed(static_cast<std::uint64_t>(params.get_int("seed")));
    const VisionTowerConfig config = vdep::clip::clip_vision_preset(params.get_string("preset"));
    return std::make_unique<ClipVitEncoder>(config, params.get_int("select_layer"), keep_cls, clip_processor(config));
  }

  const VisionTowerConfig config = vdep::nn::read_vision_tower_config(weights / "config.json", vdep::clip::clip_vision_defaults());
  vdep::ImageProcessorConfig processor = clip_processor(config);
  if (std::filesystem::exists(weights / "preprocessor_config.json")) {
    processor = vdep::read_preprocessor_config(weights / "preprocessor_config.json", processor);
  }
  auto encoder = std::make_unique<ClipVitEncoder>(config, params.get_int("select_layer"), keep_cls, processor);
  vdep::WeightLoadOptions options;
  options.ignored_prefixes = kOtherTowers;
  vdep::load_weights(encoder->module(), vdep::SafetensorsReader::open(weights), options);
  return encoder;
}

}  // namespace

VDEP_PLUGIN(Encoder, "clip_vit", "1.0.0",
            "CLIP ViT vision tower (HF CLIPVisionModel), e.g. openai/clip-vit-large-patch14-336 for LLaVA-1.5",
            kParams, create)
