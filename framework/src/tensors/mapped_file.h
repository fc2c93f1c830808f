// A whole file mapped read-only into memory.
#pragma once

#include <cstddef>
#include <filesystem>

namespace vdep {

// Maps `path` with mmap (private, read-only) and unmaps it on destruction; the kernel pages the
// contents in on first access. An empty file has no mapping: data() is null. Throws
// std::runtime_error naming the path when the file cannot be opened or mapped.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }

  // Drops the whole pages inside [offset, offset + length) from this process's resident set; they
  // stay in the page cache and are mapped again on the next access, so that one pass over a large
  // file does not leave all of it resident.
  void release(std::size_t offset, std::size_t length) const;

 private:
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace vdep
