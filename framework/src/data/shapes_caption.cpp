#include "data/shapes_caption.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace vdep {

namespace {

// From LLaVA's list of brief-description instructions (the 558k pre-training set's human turns).
const std::array<std::string, 6> kCaptionPrompts = {
    "Describe the image concisely.",
    "Provide a brief description of the given image.",
    "Summarize the visual content of the image.",
    "Give a short and clear explanation of the subsequent image.",
    "Render a clear and concise summary of the photo.",
    "Write a terse but informative summary of the picture.",
};

// A scene holds at most four shapes.
const char* count_word(int count, ShapeColour colour) {
  static const std::array<const char*, 3> kWords = {"two", "three", "four"};
  return count == 1 ? article(colour) : kWords.at(static_cast<std::size_t>(count - 2));
}

}  // namespace

std::string caption(const ShapesScene& scene) {
  std::vector<Shape> left_to_right = scene.shapes;
  std::stable_sort(left_to_right.begin(), left_to_right.end(),
                   [](const Shape& a, const Shape& b) { return a.centre_x < b.centre_x; });
  std::vector<std::pair<Shape, int>> groups;  // the leftmost of each kind and colour, and how many
  for (const Shape& shape : left_to_right) {
    auto same = std::find_if(groups.begin(), groups.end(), [&](const auto& group) {
      return group.first.kind == shape.kind && group.first.colour == shape.colour;
    });
    if (same == groups.end()) {
      groups.emplace_back(shape, 1);
    } else {
      ++same->second;
    }
  }
  std::string text;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (i > 0) text += i + 1 == groups.size() ? " and " : ", ";
    const auto& [shape, count] = groups[i];
    text += std::string(count_word(count, shape.colour)) + " " + colour_name(shape.colour) + " " +
            (count == 1 ? kind_name(shape.kind) : kind_plural(shape.kind));
  }
  return text;
}

const std::string& caption_prompt(ShapesRandom& random) { return kCaptionPrompts[random.below(kCaptionPrompts.size())]; }

}  // namespace vdep
