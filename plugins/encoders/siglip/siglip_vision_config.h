// SigLIP vision towers: HF's SiglipVisionConfig defaults and the built-in architectures.
#pragma once

#include <string>

#include <vdep/nn/vision_tower_config.h>

namespace vdep::siglip {

// HF's SiglipVisionConfig defaults (B/16 at 224), for the keys a config.json leaves out.
nn::VisionTowerConfig siglip_vision_defaults();

// "so400m-14-384" (TinyLLaVA's encoder, 729 tokens), "base-16-224", "tiny".
nn::VisionTowerConfig siglip_vision_preset(const std::string& name);

}  // namespace vdep::siglip
