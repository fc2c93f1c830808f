// `llava_json`: LLaVA's own training data, as LLaVA's train.py reads it: blip_laion_cc_sbu_558k.json
// for pre-training, llava_v1_5_mix665k.json (multi-turn and text-only records among them) for SFT,
// or the same records as JSON lines, with images under LLaVA's --image_folder.
#include <vdep/llava_json_dataset.h>
#include <vdep/plugin.h>

namespace {

const vdep::ParamSpec kParams[] = {
    {"annotations", vdep::ParamType::Path, nullptr,
     "LLaVA annotation file: a JSON array of {\"id\", \"image\", \"conversations\"} records "
     "(blip_laion_cc_sbu_558k.json, llava_v1_5_mix665k.json) or the same records as JSON lines.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
    {"image_folder", vdep::ParamType::Path, "",
     "LLaVA's --image_folder: records' \"image\" paths are relative to it. Empty (the default): the "
     "folder that holds the annotation file.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
    {"limit", vdep::ParamType::Int, "0", "Use only the first N records, for quick runs (0 = every record).", 0.0,
     vdep::kUnbounded, nullptr},
    {"validate", vdep::ParamType::Bool, "false",
     "Parse every record used when the dataset is created, so that a malformed one fails before training "
     "instead of when the loader reaches it.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
};

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  const std::filesystem::path annotations = params.get_path("annotations");
  std::filesystem::path image_folder = params.get_path("image_folder");
  if (image_folder.empty()) image_folder = std::filesystem::absolute(annotations).parent_path();
  auto dataset = std::make_unique<vdep::LlavaJsonDataset>("llava_json", vdep::LlavaAnnotations::open(annotations),
                                                          image_folder,
                                                          static_cast<std::size_t>(params.get_int("limit")));
  if (params.get_bool("validate")) dataset->validate();
  return dataset;
}

}  // namespace

VDEP_PLUGIN(Dataset, "llava_json", "1.0.0",
            "LLaVA-format annotations (JSON array or JSON lines) with images under an image folder", kParams, create)
