#include "data/shapes_dataset_options_file.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

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
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error(path.string() + ": cannot be read");
  try {
    const nlohmann::json json = nlohmann::json::parse(text.str());
    ShapesDatasetOptions options;
    options.scenes = json.at("scenes").get<std::int64_t>();
    options.seed = json.at("seed").get<std::uint64_t>();
    options.image_size = json.at("image_size").get<int>();
    options.max_shapes = json.at("max_shapes").get<int>();
    return options;
  } catch (const nlohmann::json::exception& parse_error) {
    throw std::runtime_error(path.string() + ": not the options of a shapes dataset (" + parse_error.what() + ")");
  }
}

}  // namespace vdep
