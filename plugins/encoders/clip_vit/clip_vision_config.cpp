#include "clip_vision_config.h"

#include <stdexcept>

namespace vdep::clip {

nn::VisionTowerConfig clip_vision_defaults() {
  nn::VisionTowerConfig config;
  config.patch_size = 32;
  config.layer_norm_eps = 1e-5;
  config.hidden_act = "quick_gelu";
  return config;
}

nn::VisionTowerConfig clip_vision_preset(const std::string& name) {
  nn::VisionTowerConfig config = clip_vision_defaults();
  if (name == "vit-l-14-336" || name == "vit-l-14") {
    config.hidden_size = 1024;
    config.intermediate_size = 4096;
    config.num_hidden_layers = 24;
    config.num_attention_heads = 16;
    config.patch_size = 14;
    config.image_size = name == "vit-l-14-336" ? 336 : 224;
  } else if (name == "vit-b-16") {
    config.patch_size = 16;
  } else if (name == "tiny") {
    config.hidden_size = 32;
    config.intermediate_size = 64;
    config.num_hidden_layers = 3;
    config.num_attention_heads = 4;
    config.image_size = 28;
    config.patch_size = 14;
  } else if (name == "toy") {  // the toy experiment's, pre-trained in a minute on 64-pixel shapes; 64 patches (16 lose the colours)
    config.hidden_size = 64;
    config.intermediate_size = 256;
    config.num_hidden_layers = 4;
    config.num_attention_heads = 4;
    config.image_size = 64;
    config.patch_size = 8;
  } else if (name != "vit-b-32") {
    throw std::invalid_argument("unknown CLIP preset '" + name + "'");
  }
  return config;
}

}  // namespace vdep::clip
