// A dataset's examples without their images: the conversations with the image markers taken out,
// for pre-training a language model on the language of an image dataset.
#pragma once

#include <memory>

#include <vdep/dataset.h>

namespace vdep::shapes {

class TextOnlyDataset final : public Dataset {
 public:
  explicit TextOnlyDataset(std::unique_ptr<Dataset> images_and_text);

  std::size_t size() const override { return inner_->size(); }
  DatasetExample example(std::size_t index) const override;
  // Negative, as LLaVA counts text-only examples.
  std::int64_t modality_length(std::size_t index) const override;
  std::string describe() const override;

 private:
  std::unique_ptr<Dataset> inner_;
};

}  // namespace vdep::shapes
