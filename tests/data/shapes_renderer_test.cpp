#include "data/shapes_renderer.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "data/shapes_scene.h"
#include "shapes_test_support.h"

namespace vdep {
namespace {

bool pixel_is(const cv::Mat& image, int x, int y, const std::array<std::uint8_t, 3>& rgb, int tolerance) {
  const cv::Vec3b pixel = image.at<cv::Vec3b>(y, x);
  for (int c = 0; c < 3; ++c) {
    if (std::abs(int(pixel[c]) - int(rgb[c])) > tolerance) return false;
  }
  return true;
}

// Anti-aliasing blends a shape's edge with what lies next to it, inside its square and one pixel out.
constexpr int kEdgeBlur = 1;

bool near_a_shape(const ShapesScene& scene, int x, int y) {
  for (const Shape& s : scene.shapes) {
    if (x >= s.left() - kEdgeBlur && x <= s.right() + kEdgeBlur && y >= s.top() - kEdgeBlur &&
        y <= s.bottom() + kEdgeBlur) {
      return true;
    }
  }
  return false;
}

TEST(ShapesRenderer, DrawsAnRgbImageOfTheScenesSize) {
  ShapesOptions options;
  options.image_size = 200;
  const cv::Mat image = render_scene(generate_scene(0, 0, options));
  EXPECT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.rows, 200);
  EXPECT_EQ(image.cols, 200);
}

TEST(ShapesRenderer, EachShapesCentreHasItsColour) {
  for (std::uint64_t index = 0; index < kScenesToCheck; ++index) {
    const ShapesScene scene = generate_scene(1, index, ShapesOptions{});
    const cv::Mat image = render_scene(scene);
    for (const Shape& s : scene.shapes) {
      EXPECT_TRUE(pixel_is(image, s.centre_x, s.centre_y, colour_rgb(s.colour), 2))
          << "index " << index << ": " << colour_name(s.colour) << " " << kind_name(s.kind);
    }
  }
}

// Which kind was drawn shows at the corners of its square: a square fills them, a circle leaves
// all four empty, an upright triangle the top two.
TEST(ShapesRenderer, EachShapeHasItsKindsOutline) {
  for (std::uint64_t index = 0; index < kScenesToCheck; ++index) {
    const ShapesScene scene = generate_scene(2, index, ShapesOptions{});
    const cv::Mat image = render_scene(scene);
    for (const Shape& s : scene.shapes) {
      const auto colour = colour_rgb(s.colour);
      const int inset = 4;
      const bool top_filled = pixel_is(image, s.left() + inset, s.top() + inset, colour, 2);
      const bool bottom_filled = pixel_is(image, s.left() + inset, s.bottom() - inset, colour, 2);
      const bool top_empty = pixel_is(image, s.left() + inset, s.top() + inset, kBackgroundRgb, 0);
      const bool bottom_empty = pixel_is(image, s.left() + inset, s.bottom() - inset, kBackgroundRgb, 0);
      const std::string where = "index " + std::to_string(index) + ": " + kind_name(s.kind);
      switch (s.kind) {
        case ShapeKind::Square: EXPECT_TRUE(top_filled && bottom_filled) << where; break;
        case ShapeKind::Circle: EXPECT_TRUE(top_empty && bottom_empty) << where; break;
        case ShapeKind::Triangle: EXPECT_TRUE(top_empty && bottom_filled) << where; break;
      }
    }
  }
}

TEST(ShapesRenderer, EverythingAwayFromTheShapesIsBackground) {
  for (std::uint64_t index = 0; index < 100; ++index) {
    const ShapesScene scene = generate_scene(3, index, ShapesOptions{});
    const cv::Mat image = render_scene(scene);
    int wrong = 0;
    for (int y = 0; y < image.rows; ++y) {
      for (int x = 0; x < image.cols; ++x) {
        if (!near_a_shape(scene, x, y) && !pixel_is(image, x, y, kBackgroundRgb, 0)) ++wrong;
      }
    }
    EXPECT_EQ(wrong, 0) << "index " << index;
  }
}

}  // namespace
}  // namespace vdep
