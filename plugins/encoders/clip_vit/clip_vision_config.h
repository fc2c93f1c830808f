// CLIP vision towers: HF's CLIPVisionConfig defaults and the built-in architectures.
#pragma once

#include <string>

#include <vdep/nn/vision_tower_config.h>

namespace vdep::clip {

// HF's CLIPVisionConfig defaults (ViT-B/32 at 224), for the keys a config.json leaves out.
nn::VisionTowerConfig clip_vision_defaults();

// "vit-l-14-336" (LLaVA-1.5's encoder), "vit-l-14", "vit-b-16", "vit-b-32", "tiny": for
// random-weight tests and benchmarks.
nn::VisionTowerConfig clip_vision_preset(const std::string& name);

}  // namespace vdep::clip
