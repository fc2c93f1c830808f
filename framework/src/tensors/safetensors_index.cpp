#include "tensors/safetensors_index.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tensors/safetensors_file_defect.h"

namespace vdep {

std::map<std::string, std::filesystem::path> read_safetensors_index(const std::filesystem::path& index_file) {
  using nlohmann::json;
  std::ifstream in(index_file, std::ios::binary);
  if (!in) throw_file_defect(index_file, "cannot open the index");
  std::stringstream text;
  text << in.rdbuf();
  json index;
  try {
    index = json::parse(text.str());
  } catch (const json::parse_error& error) {
    throw_file_defect(index_file, std::string("invalid JSON: ") + error.what());
  }
  if (!index.is_object()) throw_file_defect(index_file, "the index is not a JSON object");
  const auto weight_map = index.find("weight_map");
  if (weight_map == index.end()) throw_file_defect(index_file, "missing \"weight_map\"");
  if (!weight_map->is_object()) throw_file_defect(index_file, "\"weight_map\" is not a JSON object");

  const auto folder = index_file.parent_path();
  std::map<std::string, std::filesystem::path> shards;
  for (const auto& [name, shard] : weight_map->items()) {
    if (!shard.is_string()) {
      throw_file_defect(index_file, "\"weight_map\" entry of tensor '" + name + "' is not a file name");
    }
    shards[name] = folder / shard.get<std::string>();
  }
  return shards;
}

}  // namespace vdep
