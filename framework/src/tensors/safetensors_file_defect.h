// How the safetensors code reports a file it cannot read or write: the path first, then the defect.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace vdep {

[[noreturn]] inline void throw_file_defect(const std::filesystem::path& file, const std::string& defect) {
  throw std::runtime_error(file.string() + ": " + defect);
}

}  // namespace vdep
