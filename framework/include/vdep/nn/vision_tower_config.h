// The dimensions of a ViT vision tower as HF's CLIPVisionConfig and SiglipVisionConfig hold them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <vdep/export.h>
#include <vdep/nn/vision_transformer.h>

namespace vdep::nn {

struct VisionTowerConfig {
  std::int64_t hidden_size = 768;
  std::int64_t intermediate_size = 3072;
  std::int64_t num_hidden_layers = 12;
  std::int64_t num_attention_heads = 12;
  std::int64_t num_channels = 3;
  std::int64_t image_size = 224;
  std::int64_t patch_size = 16;
  double layer_norm_eps = 1e-5;
  std::string hidden_act = "quick_gelu";

  // The patch convolution drops the pixels past the last whole patch: SigLIP's 384 / 14 gives 27
  // patches a side, 729 in all.
  std::int64_t num_patches() const { return (image_size / patch_size) * (image_size / patch_size); }
  VisionTransformerOptions encoder_options() const;
};

// Reads `vision_config` of a composite model's config.json (CLIPModel, SiglipModel), or a bare
// vision config, over `defaults` (HF's class defaults, for the keys the file leaves out). Throws
// std::runtime_error naming the file and the key on bad input.
VDEP_API VisionTowerConfig read_vision_tower_config(const std::filesystem::path& config_json,
                                                    VisionTowerConfig defaults);

}  // namespace vdep::nn
