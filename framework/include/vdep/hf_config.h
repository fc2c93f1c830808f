// Reading HF `config.json` files: the dimensions of a checkpoint, with HF's defaults for the keys a
// file leaves out kept by the caller.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <vdep/export.h>

namespace vdep {

class VDEP_API HfConfig {
 public:
  // Reads `file`. With a `section` ("vision_config", "text_config"), reads that object when the file
  // has it (a composite model's config) and the whole file otherwise (a bare sub-model config).
  // Throws std::runtime_error naming the file for a missing file or invalid JSON.
  static HfConfig read(const std::filesystem::path& file, std::string_view section = {});

  // Each sets `value` when the key is present and leaves it unchanged when it is absent or null; a
  // value of another type is an error naming the file and the key.
  void get(std::string_view key, std::int64_t& value) const;
  void get(std::string_view key, double& value) const;
  void get(std::string_view key, bool& value) const;
  void get(std::string_view key, std::string& value) const;
  bool contains(std::string_view key) const;  // present, null included
  bool has_value(std::string_view key) const;  // present and not null

  const std::filesystem::path& file() const;

  struct State;  // the parsed file, defined in libvdep

 private:
  std::shared_ptr<const State> state_;
};

}  // namespace vdep
