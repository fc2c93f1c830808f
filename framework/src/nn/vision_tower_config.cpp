#include <vdep/nn/vision_tower_config.h>

#include <stdexcept>

#include <vdep/hf_config.h>

namespace vdep::nn {

VisionTransformerOptions VisionTowerConfig::encoder_options() const {
  VisionTransformerOptions options;
  options.hidden_size = hidden_size;
  options.intermediate_size = intermediate_size;
  options.num_heads = num_attention_heads;
  options.num_layers = num_hidden_layers;
  options.layer_norm_eps = layer_norm_eps;
  options.activation = activation_from_name(hidden_act);
  return options;
}

VisionTowerConfig read_vision_tower_config(const std::filesystem::path& config_json, VisionTowerConfig defaults) {
  const HfConfig json = HfConfig::read(config_json, "vision_config");
  VisionTowerConfig config = defaults;
  json.get("hidden_size", config.hidden_size);
  json.get("intermediate_size", config.intermediate_size);
  json.get("num_hidden_layers", config.num_hidden_layers);
  json.get("num_attention_heads", config.num_attention_heads);
  json.get("num_channels", config.num_channels);
  json.get("image_size", config.image_size);
  json.get("patch_size", config.patch_size);
  json.get("layer_norm_eps", config.layer_norm_eps);
  json.get("hidden_act", config.hidden_act);
  if (config.patch_size <= 0 || config.image_size < config.patch_size) {
    throw std::runtime_error(config_json.string() + ": patch_size " + std::to_string(config.patch_size) +
                             " does not fit image_size " + std::to_string(config.image_size));
  }
  try {
    activation_from_name(config.hidden_act);
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(config_json.string() + ": " + error.what());
  }
  return config;
}

}  // namespace vdep::nn
