// Writing files so that a crash never leaves a half-written one behind.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace vdep {

// Writes go to a temporary file beside `path`; commit() flushes it to disk, renames it over `path`
// and syncs the folder: readers see the old file or the new one, never a mixture. Streaming, so
// that a checkpoint need not be assembled in memory first. Destroyed uncommitted, it removes the
// temporary file and leaves `path` untouched. Failures throw std::runtime_error naming the path.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t size);
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path temporary_;
  int fd_ = -1;
};

// The whole of `contents` through an AtomicFileWriter.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

// Flushes `folder`'s entries (files created, renamed or removed in it) to disk, so that a rename
// into it survives a crash.
void sync_folder(const std::filesystem::path& folder);

}  // namespace vdep
