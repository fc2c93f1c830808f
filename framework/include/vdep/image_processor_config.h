// How an encoder wants its images prepared, in the terms of HF's image processors, so that a
// plugin can fill it in from the checkpoint's preprocessor_config.json or from its own defaults.
#pragma once

#include <array>
#include <filesystem>

#include <vdep/export.h>

namespace vdep {

struct ImageProcessorConfig {
  // ShortestEdge: the short side becomes `size`, keeping the aspect ratio (CLIPImageProcessor).
  // Exact: the image becomes size x size, whatever its aspect ratio (SiglipImageProcessor).
  enum class Resize { ShortestEdge, Exact };
  Resize resize = Resize::ShortestEdge;
  int size = 336;       // the short side (ShortestEdge) or the side (Exact)
  int crop_size = 336;  // side of the centre crop, when do_center_crop
  bool do_center_crop = true;
  double rescale_factor = 1.0 / 255.0;
  // Per RGB channel, applied after rescaling: (value - mean) / std. CLIP's values by default.
  std::array<double, 3> mean{0.48145466, 0.4578275, 0.40821073};
  std::array<double, 3> std{0.26862954, 0.26130258, 0.27577711};
};

// Reads HF's preprocessor_config.json, the file that ships with a CLIP or SigLIP checkpoint and
// says how its images were prepared.
// Returns `defaults` with every setting the file gives replaced:
// - `size`: an integer, {"shortest_edge": N} (ShortestEdge) or {"height": N, "width": N} (Exact).
//   A bare integer means what the processor class makes of it: a square side for
//   SiglipImageProcessor, the shortest edge for CLIP's, and otherwise the kind `defaults` has.
// - `crop_size` (an integer or {"height", "width"}), `do_center_crop`, `rescale_factor`,
//   `image_mean`, `image_std` (three numbers, or one for all channels).
// - `do_rescale: false` is rescale_factor 1 and `do_normalize: false` is mean 0, std 1, which
//   give HF's values exactly.
// - `image_processor_type` / `feature_extractor_type` name the HF class; SiglipImageProcessor
//   never centre-crops, whatever do_center_crop says.
// Other keys are HF's business and ignored. What vdep cannot reproduce is an error: `resample`
// other than 3 (bicubic), `do_resize: false`, a non-square size or crop.
// Throws a std::exception (vdep::ConfigError) naming the file and the key.
VDEP_API ImageProcessorConfig read_preprocessor_config(const std::filesystem::path& json_file,
                                                       ImageProcessorConfig defaults);

}  // namespace vdep
