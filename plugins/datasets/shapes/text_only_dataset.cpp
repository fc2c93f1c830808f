#include "text_only_dataset.h"

#include <cstdlib>
#include <string_view>

namespace vdep::shapes {

namespace {

// The marker and the line break LLaVA's prompts put after it ("<image>\nWhat colour ...").
void remove_markers(std::string& text) {
  for (const std::string_view marker : {kImageMarker, kAutoImageMarker}) {
    for (std::size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) {
      const bool newline = at + marker.size() < text.size() && text[at + marker.size()] == '\n';
      text.erase(at, marker.size() + (newline ? 1 : 0));
    }
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
}

}  // namespace

TextOnlyDataset::TextOnlyDataset(std::unique_ptr<Dataset> images_and_text) : inner_(std::move(images_and_text)) {}

DatasetExample TextOnlyDataset::example(std::size_t index) const {
  DatasetExample example = inner_->example(index);
  example.images.clear();
  for (ConversationTurn& turn : example.conversations) remove_markers(turn.value);
  return example;
}

std::int64_t TextOnlyDataset::modality_length(std::size_t index) const {
  return -std::llabs(inner_->modality_length(index));
}

std::string TextOnlyDataset::describe() const { return inner_->describe() + ", text only"; }

}  // namespace vdep::shapes
