#include "data/shapes_caption.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "shapes_test_support.h"

namespace vdep {
namespace {

Shape shape_at(ShapeKind kind, ShapeColour colour, int x) {
  Shape shape;
  shape.kind = kind;
  shape.colour = colour;
  shape.centre_x = x;
  shape.centre_y = 100;
  shape.size = 40;
  return shape;
}

using ShapeCounts = std::map<std::pair<std::string, std::string>, int>;  // (colour, kind) → how many

// The caption read back phrase by phrase ("two blue squares"), without the caption's own code.
ShapeCounts parse_caption(std::string text) {
  for (const std::string separator : {", ", " and "}) {
    for (std::size_t at = text.find(separator); at != std::string::npos; at = text.find(separator)) {
      text.replace(at, separator.size(), "|");
    }
  }
  const std::map<std::string, int> numbers = {{"a", 1}, {"an", 1}, {"two", 2}, {"three", 3}, {"four", 4}};
  ShapeCounts counts;
  std::stringstream phrases(text);
  std::string phrase;
  while (std::getline(phrases, phrase, '|')) {
    std::stringstream words(phrase);
    std::string number, colour, kind, extra;
    words >> number >> colour >> kind;
    EXPECT_FALSE(words >> extra) << "phrase '" << phrase << "'";
    EXPECT_TRUE(numbers.count(number)) << "phrase '" << phrase << "'";
    const int count = numbers.count(number) ? numbers.at(number) : 0;
    if (count > 1 && !kind.empty() && kind.back() == 's') kind.pop_back();
    EXPECT_EQ(counts.count({colour, kind}), 0u) << "alike shapes in two phrases: " << text;
    counts[{colour, kind}] = count;
  }
  return counts;
}

TEST(ShapesCaption, NamesAlikeShapesTogetherLeftToRight) {
  ShapesScene scene;
  scene.image_size = 336;
  scene.shapes = {shape_at(ShapeKind::Square, ShapeColour::Blue, 200), shape_at(ShapeKind::Circle, ShapeColour::Red, 50),
                  shape_at(ShapeKind::Square, ShapeColour::Blue, 100)};
  EXPECT_EQ(caption(scene), "a red circle and two blue squares");
  scene.shapes.push_back(shape_at(ShapeKind::Triangle, ShapeColour::Orange, 10));
  EXPECT_EQ(caption(scene), "an orange triangle, a red circle and two blue squares");
  scene.shapes = {shape_at(ShapeKind::Triangle, ShapeColour::Green, 10)};
  EXPECT_EQ(caption(scene), "a green triangle");
}

TEST(ShapesCaption, MentionsEveryShapeOfTheScene) {
  for (std::uint64_t index = 0; index < kScenesToCheck; ++index) {
    const ShapesScene scene = generate_scene(4, index, ShapesOptions{});
    ShapeCounts expected;
    for (const Shape& s : scene.shapes) ++expected[{colour_name(s.colour), kind_name(s.kind)}];
    EXPECT_EQ(parse_caption(caption(scene)), expected) << "index " << index << ": " << caption(scene);
  }
}

TEST(ShapesCaption, PromptsAreFixedVariantsChosenReproducibly) {
  std::set<std::string> prompts;
  for (std::uint64_t index = 0; index < 200; ++index) {
    ShapesRandom first({9, index});
    ShapesRandom again({9, index});
    const std::string prompt = caption_prompt(first);
    EXPECT_EQ(prompt, caption_prompt(again));
    EXPECT_EQ(prompt.find("<image>"), std::string::npos);
    prompts.insert(prompt);
  }
  EXPECT_GE(prompts.size(), 3u);
  EXPECT_LE(prompts.size(), 10u);
}

}  // namespace
}  // namespace vdep
