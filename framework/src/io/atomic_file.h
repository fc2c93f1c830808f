// Writing files so that a crash never leaves a half-written one behind.
#pragma once

#include <filesystem>
#include <string_view>

namespace vdep {

// Writes `contents` to a temporary file beside `path`, flushes it to disk, renames it over `path`
// and syncs the folder: readers see the old file or the new one, never a mixture. Throws
// std::runtime_error naming the path on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace vdep
