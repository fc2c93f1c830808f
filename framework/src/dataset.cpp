#include <vdep/dataset.h>

#include <sstream>

namespace vdep {

// Key function: anchors Dataset's vtable and type information in libvdep (see component.cpp).
Dataset::~Dataset() = default;

std::int64_t Dataset::modality_length(std::size_t index) const {
  const DatasetExample example = this->example(index);
  std::int64_t words = 0;
  for (const ConversationTurn& turn : example.conversations) {
    std::istringstream stream(turn.value);
    std::string word;
    while (stream >> word) ++words;
  }
  return example.images.empty() ? -words : words;
}

}  // namespace vdep
