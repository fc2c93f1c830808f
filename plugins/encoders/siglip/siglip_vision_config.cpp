#include "siglip_vision_config.h"

#include <stdexcept>

namespace vdep::siglip {

nn::VisionTowerConfig siglip_vision_defaults() {
  nn::VisionTowerConfig config;
  config.patch_size = 16;
  config.layer_norm_eps = 1e-6;
  config.hidden_act = "gelu_pytorch_tanh";
  return config;
}

nn::VisionTowerConfig siglip_vision_preset(const std::string& name) {
  nn::VisionTowerConfig config = siglip_vision_defaults();
  if (name == "so400m-14-384") {
    config.hidden_size = 1152;
    config.intermediate_size = 4304;
    config.num_hidden_layers = 27;
    config.num_attention_heads = 16;
    config.image_size = 384;
    config.patch_size = 14;
  } else if (name == "tiny") {
    config.hidden_size = 32;
    config.intermediate_size = 64;
    config.num_hidden_layers = 3;
    config.num_attention_heads = 4;
    config.image_size = 42;
    config.patch_size = 14;
  } else if (name != "base-16-224") {
    throw std::invalid_argument("unknown SigLIP preset '" + name + "'");
  }
  return config;
}

}  // namespace vdep::siglip
