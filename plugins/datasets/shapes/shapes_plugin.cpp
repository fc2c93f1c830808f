// `shapes`: the procedural shapes dataset (flat coloured shapes with exact captions and answers), read
// from the folder `vdep-run data shapes` writes, and generated there first when asked to, so that an
// experiment needs no separate data step. Its files are in LLaVA's format and are read as
// `llava_json` reads them.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <vdep/llava_json_dataset.h>
#include <vdep/plugin.h>
#include <vdep/shapes_dataset.h>

#include "text_only_dataset.h"

namespace {

const vdep::ParamSpec kParams[] = {
    // A String rather than a Path: `vdep-run check` would require the folder to exist, which it
    // need not when `scenes` generates it.
    {"folder", vdep::ParamType::String, nullptr,
     "Folder of the dataset, as `vdep-run data shapes --out DIR` writes it (pretrain.json, sft.json, eval.json, "
     "images/, eval_images/). A relative path is relative to the current directory, as output_dir is.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
    {"split", vdep::ParamType::String, nullptr,
     "Which records: pretrain (one caption per scene, for pre-training), sft (2 to 4 short questions per scene, "
     "for instruction tuning) or eval (held-out scenes, one question per record).",
     -vdep::kUnbounded, vdep::kUnbounded, "pretrain|sft|eval"},
    {"scenes", vdep::ParamType::Int, "0",
     "0: the folder must already hold the dataset, which is read as it is. N > 0: when the folder does not exist yet "
     "or is empty, first generate N training scenes (and one held-out scene per ten, rounded up) there, as "
     "`vdep-run data shapes --n N` would; a folder that holds the dataset already must have been generated with "
     "these scenes, seed, image_size and max_shapes (its shapes.json), else creating the dataset fails.",
     0.0, vdep::kUnbounded, nullptr},
    {"seed", vdep::ParamType::Int, "0", "Seed of the generated scenes and text (`data shapes --seed`).", 0.0,
     vdep::kUnbounded, nullptr},
    {"image_size", vdep::ParamType::Int, "336", "Side of the generated images in pixels (`data shapes --size`).",
     vdep::kMinShapesImageSize, vdep::kMaxShapesImageSize, nullptr},
    {"max_shapes", vdep::ParamType::Int, "4",
     "Shapes per generated scene: 1 to this many (`data shapes --max-shapes`). Fewer make a scene's questions "
     "easier for a small model.", 1.0,
     vdep::kMaxShapesPerScene, nullptr},
    {"images", vdep::ParamType::Bool, "true",
     "false: the records without their images and image markers, to pre-train a language model on the "
     "dataset's text (with the plain template, each caption alone, all of it supervised).",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
};

// The dataset `params` ask to generate (scenes > 0).
vdep::ShapesDatasetOptions asked_options(const vdep::Params& params) {
  vdep::ShapesDatasetOptions options;
  options.scenes = params.get_int("scenes");
  options.seed = static_cast<std::uint64_t>(params.get_int("seed"));
  options.image_size = static_cast<int>(params.get_int("image_size"));
  options.max_shapes = static_cast<int>(params.get_int("max_shapes"));
  return options;
}

// Generates the dataset into `folder`; a dataset another process generated meanwhile is kept, so
// that runs started together share one copy.
void generate_missing(const std::filesystem::path& folder, const std::filesystem::path& annotations,
                      const vdep::ShapesDatasetOptions& asked) {
  vdep::write_shapes_dataset(folder, asked);
  if (!std::filesystem::exists(annotations)) {
    throw std::runtime_error(folder.string() + " holds files but no " + annotations.filename().string() +
                             ": shapes generates its dataset only into a new or empty folder");
  }
}

// A folder generated with other options than these holds data they do not describe (an edited
// max_shapes, or another stage that generated the shared folder with fewer scenes): training on it
// unawares would mislead, so it is an error. A folder without shapes.json is older than the record
// of its options and is read as it is.
void check_generated_as_asked(const std::filesystem::path& folder, const vdep::ShapesDatasetOptions& asked) {
  const std::optional<vdep::ShapesDatasetOptions> generated = vdep::read_shapes_dataset_options(folder);
  if (!generated) return;
  struct Option {
    const char* key;
    std::int64_t generated;
    std::int64_t asked;
  };
  const Option options[] = {
      {"scenes", generated->scenes, asked.scenes},
      {"seed", static_cast<std::int64_t>(generated->seed), static_cast<std::int64_t>(asked.seed)},
      {"image_size", generated->image_size, asked.image_size},
      {"max_shapes", generated->max_shapes, asked.max_shapes},
  };
  std::string differences;
  for (const Option& option : options) {
    if (option.generated == option.asked) continue;
    differences += std::string(differences.empty() ? "" : ", ") + option.key + " = " +
                   std::to_string(option.generated) + " (asked: " + std::to_string(option.asked) + ")";
  }
  if (differences.empty()) return;
  throw std::invalid_argument(folder.string() + " was generated with other options: " + differences +
                              ". Remove the folder to generate it again, or name another folder");
}

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  const std::filesystem::path folder = std::filesystem::absolute(params.get_string("folder")).lexically_normal();
  const std::filesystem::path annotations = folder / (params.get_string("split") + ".json");
  if (params.get_int("scenes") == 0) {
    if (!std::filesystem::exists(annotations)) {
      throw std::runtime_error(folder.string() + " holds no " + annotations.filename().string() +
                               ": write the dataset first with `vdep-run data shapes --out " + folder.string() +
                               " --n N`, or set scenes = N to generate it there");
    }
  } else {
    const vdep::ShapesDatasetOptions asked = asked_options(params);
    if (!std::filesystem::exists(annotations)) generate_missing(folder, annotations, asked);
    check_generated_as_asked(folder, asked);
  }
  auto dataset = std::make_unique<vdep::LlavaJsonDataset>("shapes", vdep::LlavaAnnotations::open(annotations), folder);
  if (params.get_bool("images")) return dataset;
  return std::make_unique<vdep::shapes::TextOnlyDataset>(std::move(dataset));
}

}  // namespace

VDEP_PLUGIN(Dataset, "shapes", "1.0.0",
            "Procedural shapes scenes with exact captions and answers, generated on first use if asked",
            kParams, create)
