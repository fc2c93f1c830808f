// A dataset over one LLaVA annotation file: what the `llava_json` plugin is, and what other dataset
// plugins whose files are in LLaVA's format (`shapes`) build on rather than reading records again.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include <vdep/dataset.h>
#include <vdep/llava_annotations.h>

namespace vdep {

class VDEP_API LlavaJsonDataset : public Dataset {
 public:
  // `image_folder` is LLaVA's --image_folder: a record's "image" is a path relative to it. `limit`
  // keeps the first `limit` records (0 = all of them). `name` starts describe()'s line.
  LlavaJsonDataset(std::string name, LlavaAnnotations annotations, const std::filesystem::path& image_folder,
                   std::size_t limit = 0);

  std::size_t size() const override { return size_; }
  // The record's id and turns, and image_folder / "image" when the record has one.
  DatasetExample example(std::size_t index) const override;
  // "NAME: FILE, N records", or "NAME: FILE, first N of M records" under a limit.
  std::string describe() const override;

  // Parses every record this dataset uses, so that a malformed one fails before training starts.
  void validate() const;

 private:
  std::string name_;
  LlavaAnnotations annotations_;
  std::filesystem::path image_folder_;
  std::size_t size_;
};

}  // namespace vdep
