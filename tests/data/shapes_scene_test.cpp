#include "data/shapes_scene.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "shapes_test_support.h"

namespace vdep {
namespace {

TEST(ShapesScene, TheSameSeedAndIndexGiveTheSameScene) {
  const ShapesOptions options;
  for (std::uint64_t index = 0; index < 100; ++index) {
    EXPECT_EQ(generate_scene(7, index, options), generate_scene(7, index, options)) << "index " << index;
  }
}

TEST(ShapesScene, DifferentSeedsIndicesAndSplitsGiveDifferentScenes) {
  const ShapesOptions options;
  for (std::uint64_t index = 0; index < 100; ++index) {
    const ShapesScene scene = generate_scene(7, index, options);
    EXPECT_NE(scene, generate_scene(8, index, options)) << "index " << index;
    EXPECT_NE(scene, generate_scene(7, index + 1, options)) << "index " << index;
    EXPECT_NE(scene, generate_scene(7, index, options, ShapesSplit::Eval)) << "index " << index;
  }
}

TEST(ShapesScene, HeldOutScenesAreNoneOfTheTrainingScenes) {
  const ShapesOptions options;
  std::vector<ShapesScene> train;
  for (std::uint64_t index = 0; index < 1000; ++index) train.push_back(generate_scene(0, index, options));
  for (std::uint64_t index = 0; index < 100; ++index) {
    const ShapesScene held_out = generate_scene(0, index, options, ShapesSplit::Eval);
    for (const ShapesScene& seen : train) ASSERT_NE(held_out, seen) << "eval index " << index;
  }
}

TEST(ShapesScene, ShapesLieInsideTheImageAndApartFromEachOther) {
  for (int image_size : {kMinShapesImageSize, 336, 500}) {
    ShapesOptions options;
    options.image_size = image_size;
    for (std::uint64_t index = 0; index < kScenesToCheck; ++index) {
      const ShapesScene scene = generate_scene(3, index, options);
      ASSERT_EQ(scene.image_size, image_size);
      ASSERT_GE(scene.shapes.size(), 1u);
      ASSERT_LE(scene.shapes.size(), 4u);
      for (std::size_t i = 0; i < scene.shapes.size(); ++i) {
        const Shape& a = scene.shapes[i];
        EXPECT_GT(a.size, 0);
        EXPECT_GE(a.left(), kShapeGap);
        EXPECT_GE(a.top(), kShapeGap);
        EXPECT_LE(a.right(), image_size - 1 - kShapeGap);
        EXPECT_LE(a.bottom(), image_size - 1 - kShapeGap);
        for (std::size_t j = i + 1; j < scene.shapes.size(); ++j) {
          const Shape& b = scene.shapes[j];
          const bool apart = a.right() + kShapeGap < b.left() || b.right() + kShapeGap < a.left() ||
                             a.bottom() + kShapeGap < b.top() || b.bottom() + kShapeGap < a.top();
          EXPECT_TRUE(apart) << "size " << image_size << " index " << index << " shapes " << i << ", " << j;
        }
      }
    }
  }
}

TEST(ShapesScene, CountsKindsColoursSizesAndPlacesVary) {
  std::set<std::size_t> counts;
  std::set<ShapeKind> kinds;
  std::set<ShapeColour> colours;
  std::set<int> sizes;
  std::set<int> xs;
  for (std::uint64_t index = 0; index < kScenesToCheck; ++index) {
    for (const Shape& shape : generate_scene(0, index, ShapesOptions{}).shapes) {
      kinds.insert(shape.kind);
      colours.insert(shape.colour);
      sizes.insert(shape.size);
      xs.insert(shape.centre_x);
    }
    counts.insert(generate_scene(0, index, ShapesOptions{}).shapes.size());
  }
  EXPECT_EQ(counts, (std::set<std::size_t>{1, 2, 3, 4}));
  EXPECT_EQ(kinds.size(), kShapeKinds.size());
  EXPECT_EQ(colours.size(), kShapeColours.size());
  EXPECT_GT(sizes.size(), 20u);
  EXPECT_GT(xs.size(), 100u);
}

TEST(ShapesScene, MaxShapesCapsTheCountAndRejectsOutOfRange) {
  ShapesOptions options;
  options.max_shapes = 2;
  std::set<std::size_t> counts;
  for (std::uint64_t index = 0; index < kScenesToCheck; ++index) {
    counts.insert(generate_scene(0, index, options).shapes.size());
  }
  EXPECT_EQ(counts, (std::set<std::size_t>{1, 2}));
  options.max_shapes = 0;
  EXPECT_THROW(generate_scene(0, 0, options), std::invalid_argument);
  options.max_shapes = kMaxShapesPerScene + 1;
  EXPECT_THROW(generate_scene(0, 0, options), std::invalid_argument);
}

TEST(ShapesScene, RejectsImageSizesOutsideTheSupportedRange) {
  ShapesOptions options;
  options.image_size = kMinShapesImageSize - 1;
  EXPECT_THROW(generate_scene(0, 0, options), std::invalid_argument);
  options.image_size = kMaxShapesImageSize + 1;
  EXPECT_THROW(generate_scene(0, 0, options), std::invalid_argument);
}

TEST(ShapesScene, OrangeTakesAn) {
  EXPECT_STREQ(article(ShapeColour::Orange), "an");
  EXPECT_STREQ(article(ShapeColour::Red), "a");
}

}  // namespace
}  // namespace vdep
