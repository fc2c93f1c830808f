// Parsing and validating the header of one .safetensors file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

#include <vdep/safetensors.h>

namespace vdep {

struct SafetensorsEntry {
  TensorInfo info;
  std::size_t offset = 0;  // of the tensor's first byte, from the start of the file
  std::size_t size = 0;    // in bytes
};

struct SafetensorsHeader {
  std::map<std::string, SafetensorsEntry> tensors;
  std::map<std::string, std::string> metadata;
};

// Reads the header of the safetensors file `file`, whose contents are `bytes`, and checks every
// entry against the format and the file's size: a defect throws std::runtime_error naming the
// file, the tensor where there is one, and what is wrong.
SafetensorsHeader parse_safetensors_header(const std::filesystem::path& file, const std::byte* bytes,
                                           std::size_t size);

}  // namespace vdep
