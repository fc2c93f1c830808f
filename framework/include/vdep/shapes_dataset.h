// The procedural `shapes` dataset on disk, in LLaVA's formats: what `vdep-run data shapes` writes and
// what the `shapes` dataset plugin generates when its folder is still empty.
//
//   FOLDER/images/0000000.png ...       the training scenes
//   FOLDER/pretrain.json                one caption each, as in blip_laion_cc_sbu_558k.json
//   FOLDER/sft.json                     2 to 4 short questions each, as in llava_v1_5_mix665k.json
//   FOLDER/eval_images/0000000.png ...  held-out scenes, one per ten training scenes
//   FOLDER/eval.json                    three one-question records per held-out scene
//   FOLDER/shapes.json                  the options it was generated with (scenes, seed, image_size,
//                                       max_shapes)
//
// Every record's "image" is relative to FOLDER.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>

#include <vdep/export.h>

namespace vdep {

inline constexpr int kMinShapesImageSize = 64;
inline constexpr int kMaxShapesImageSize = 4096;
inline constexpr int kMaxShapesPerScene = 4;

struct ShapesDatasetOptions {
  std::int64_t scenes = 0;  // training scenes, >= 1
  std::uint64_t seed = 0;   // each scene and its text follow from the seed and the scene's number alone
  int image_size = 336;     // pixels per side, in [kMinShapesImageSize, kMaxShapesImageSize];
                            // LLaVA-1.5's encoder resolution
  int max_shapes = 4;       // shapes per scene: 1 to this many, in [1, kMaxShapesPerScene]
};

struct ShapesDatasetSummary {
  // False when `folder` held files, before generation (nothing was generated) or by its end
  // (another process wrote it first), and was left as it was: the counts below are then not of
  // what is on disk.
  bool written = false;
  std::int64_t training_scenes = 0;
  std::int64_t eval_scenes = 0;
  std::size_t captions = 0;        // pretrain.json's records
  std::size_t conversations = 0;   // sft.json's records
  std::size_t sft_questions = 0;   // human turns over all of sft.json
  std::size_t eval_questions = 0;  // eval.json's records
  double seconds = 0;
};

// Generates the dataset into `folder`, creating its parent folders. Everything is written into a
// temporary folder beside it, renamed to `folder` at the end, so that `folder` is either absent or
// complete, also when two processes generate it at once: the first rename wins and the other
// removes its copy. A `folder` that exists empty is replaced; one that holds files is never
// touched (written == false). On failure the temporary folder is removed. The same options write
// byte-identical files. Throws std::invalid_argument for options out of range, and
// std::runtime_error naming the path when writing fails or this vdep was built without image
// codecs (VDEP_WITH_IMAGE_CODECS=OFF).
VDEP_API ShapesDatasetSummary write_shapes_dataset(const std::filesystem::path& folder,
                                                   const ShapesDatasetOptions& options);

// The options `folder`'s dataset was generated with, from its shapes.json; nullopt when it has none
// (a dataset written before vdep recorded them). Throws std::runtime_error naming the file when it
// cannot be read or does not hold them.
VDEP_API std::optional<ShapesDatasetOptions> read_shapes_dataset_options(const std::filesystem::path& folder);

}  // namespace vdep
