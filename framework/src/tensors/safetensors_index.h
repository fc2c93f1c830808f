// The index of a sharded safetensors checkpoint (model.safetensors.index.json).
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace vdep {

// Reads the "weight_map" of `index_file`: each tensor's name -> the path of the shard holding it,
// resolved against the index's folder. Throws std::runtime_error naming the file and the defect
// when it cannot be read or is not such an index.
std::map<std::string, std::filesystem::path> read_safetensors_index(const std::filesystem::path& index_file);

}  // namespace vdep
