// The procedural `shapes` dataset's scenes: a few flat coloured shapes on a plain background,
// simple enough that every caption and answer follows exactly from the scene.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <vdep/shapes_dataset.h>  // kMinShapesImageSize, kMaxShapesImageSize

namespace vdep {

enum class ShapeKind { Circle, Square, Triangle };
enum class ShapeColour { Red, Green, Blue, Yellow, Purple, Orange };

inline constexpr std::array<ShapeKind, 3> kShapeKinds = {ShapeKind::Circle, ShapeKind::Square, ShapeKind::Triangle};
inline constexpr std::array<ShapeColour, 6> kShapeColours = {ShapeColour::Red,    ShapeColour::Green,
                                                             ShapeColour::Blue,   ShapeColour::Yellow,
                                                             ShapeColour::Purple, ShapeColour::Orange};

const char* kind_name(ShapeKind kind);        // "circle"
const char* kind_plural(ShapeKind kind);      // "circles"
const char* colour_name(ShapeColour colour);  // "red"
const char* article(ShapeColour colour);      // "a" before "red", "an" before "orange"
std::array<std::uint8_t, 3> colour_rgb(ShapeColour colour);
inline constexpr std::array<std::uint8_t, 3> kBackgroundRgb = {235, 235, 235};

// Each shape fills the square of side `size` centred on (centre_x, centre_y) (pixels, x to the
// right, y down): a circle of that diameter, the square itself, or an upright triangle with its
// apex at the top middle and its base along the bottom.
struct Shape {
  ShapeKind kind = ShapeKind::Circle;
  ShapeColour colour = ShapeColour::Red;
  int centre_x = 0;
  int centre_y = 0;
  int size = 0;

  int left() const { return centre_x - size / 2; }
  int right() const { return centre_x + size / 2; }
  int top() const { return centre_y - size / 2; }
  int bottom() const { return centre_y + size / 2; }
};

struct ShapesScene {
  int image_size = 0;  // the image is image_size x image_size
  std::vector<Shape> shapes;
};

struct ShapesOptions {
  int image_size = 336;  // LLaVA-1.5's encoder resolution: no resizing on the way in
  int max_shapes = 4;    // 1 to this many shapes, at most kMaxShapesPerScene
};

// Training and held-out scenes come from separate random streams, so no evaluation scene is a
// training scene drawn again.
enum class ShapesSplit : std::uint64_t { Train = 0, Eval = 1 };

// Pixels kept free between two shapes' squares and between a square and the image's edge, so that
// anti-aliased edges never touch.
inline constexpr int kShapeGap = 4;

// Scene `index` of the stream `seed` / `split`: the same arguments always give the same scene.
// 1 to options.max_shapes shapes of random kind, colour, size and position, their squares inside the image and
// apart from each other. Throws std::invalid_argument when options.image_size is outside
// [kMinShapesImageSize, kMaxShapesImageSize] or max_shapes outside [1, kMaxShapesPerScene].
ShapesScene generate_scene(std::uint64_t seed, std::uint64_t index, const ShapesOptions& options,
                           ShapesSplit split = ShapesSplit::Train);

}  // namespace vdep
