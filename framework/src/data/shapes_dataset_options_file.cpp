#include "data/shapes_dataset_options_file.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tokenizers/hf_tokenizer_files.h"

namespace vdep {

std::string shapes_options_json(const ShapesDatasetOptions& options) {
  const nlohmann::ordered_json json = {{"scenes", options.scenes},
                                       {"seed", options.seed},
                                       {"image_size", options.image_size},
                                       {"max_shapes", options.max_shapes}};
  return json.dump(2) + "\n";
}

std::optional<ShapesDatasetOptions> read_shapes_dataset_options(const std::filesystem::path& folder) {
  const std::filesystem::path path = folder / kShapesOptionsFileName;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::nullopt;
  const nlohmann::json json = read_json_file(path);
  try {
    ShapesDatasetOptions options;
    options.scenes = json.at("scenes").get<std::int64_t>();
    options.seed = json.at("seed").get<std::uint64_t>();
    options.image_size = json.at("image_size").get<int>();
    options.max_shapes = json.at("max_shapes").get<int>();
    return options;
  } catch (const nlohmann::json::exception& missing) {
    throw std::runtime_error(path.string() + ": not the options of a shapes dataset (" + missing.what() + ")");
  }
}

}  // namespace vdep
