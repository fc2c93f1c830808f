#include "data/shapes_scene.h"

#include <stdexcept>
#include <string>

#include "data/shapes_random.h"

namespace vdep {

namespace {

// Tells the scene stream apart from the text streams drawn from the same (seed, index, split).
constexpr std::uint64_t kSceneStream = 0x5343454e45;  // "SCENE"
constexpr int kPlacementAttempts = 200;

bool apart(const Shape& a, const Shape& b) {
  return a.right() + kShapeGap < b.left() || b.right() + kShapeGap < a.left() ||
         a.bottom() + kShapeGap < b.top() || b.bottom() + kShapeGap < a.top();
}

}  // namespace

const char* kind_name(ShapeKind kind) {
  switch (kind) {
    case ShapeKind::Circle: return "circle";
    case ShapeKind::Square: return "square";
    case ShapeKind::Triangle: return "triangle";
  }
  return "shape";
}

const char* kind_plural(ShapeKind kind) {
  switch (kind) {
    case ShapeKind::Circle: return "circles";
    case ShapeKind::Square: return "squares";
    case ShapeKind::Triangle: return "triangles";
  }
  return "shapes";
}

const char* colour_name(ShapeColour colour) {
  switch (colour) {
    case ShapeColour::Red: return "red";
    case ShapeColour::Green: return "green";
    case ShapeColour::Blue: return "blue";
    case ShapeColour::Yellow: return "yellow";
    case ShapeColour::Purple: return "purple";
    case ShapeColour::Orange: return "orange";
  }
  return "grey";
}

const char* article(ShapeColour colour) { return colour == ShapeColour::Orange ? "an" : "a"; }

std::array<std::uint8_t, 3> colour_rgb(ShapeColour colour) {
  switch (colour) {
    case ShapeColour::Red: return {220, 30, 30};
    case ShapeColour::Green: return {30, 160, 50};
    case ShapeColour::Blue: return {30, 70, 220};
    case ShapeColour::Yellow: return {240, 210, 20};
    case ShapeColour::Purple: return {140, 50, 180};
    case ShapeColour::Orange: return {250, 130, 20};
  }
  return kBackgroundRgb;
}

ShapesScene generate_scene(std::uint64_t seed, std::uint64_t index, const ShapesOptions& options, ShapesSplit split) {
  if (options.image_size < kMinShapesImageSize || options.image_size > kMaxShapesImageSize) {
    throw std::invalid_argument("shapes images must be " + std::to_string(kMinShapesImageSize) + " to " +
                                std::to_string(kMaxShapesImageSize) + " pixels wide (got " +
                                std::to_string(options.image_size) + ")");
  }
  if (options.max_shapes < 1 || options.max_shapes > kMaxShapesPerScene) {
    throw std::invalid_argument("shapes scenes hold 1 to " + std::to_string(kMaxShapesPerScene) +
                                " shapes (got max_shapes " + std::to_string(options.max_shapes) + ")");
  }
  ShapesRandom random({seed, index, static_cast<std::uint64_t>(split), kSceneStream});
  ShapesScene scene;
  scene.image_size = options.image_size;
  // Sides from 1/8 to 3/10 of the image: four of the largest still fit side by side.
  const int smallest = options.image_size / 8;
  const int largest = options.image_size * 3 / 10;
  const int wanted = random.between(1, options.max_shapes);
  for (int placed = 0; placed < wanted; ++placed) {
    Shape shape;
    shape.kind = kShapeKinds[random.below(kShapeKinds.size())];
    shape.colour = kShapeColours[random.below(kShapeColours.size())];
    // Reject and retry: a new size and position until the shape is clear of the others. A crowded
    // scene that leaves no room keeps the shapes it has.
    bool fits = false;
    for (int attempt = 0; attempt < kPlacementAttempts && !fits; ++attempt) {
      const int half = random.between(smallest / 2, largest / 2);
      shape.size = 2 * half;
      shape.centre_x = random.between(kShapeGap + half, options.image_size - 1 - kShapeGap - half);
      shape.centre_y = random.between(kShapeGap + half, options.image_size - 1 - kShapeGap - half);
      fits = true;
      for (const Shape& other : scene.shapes) fits = fits && apart(shape, other);
    }
    if (!fits) break;
    scene.shapes.push_back(shape);
  }
  return scene;
}

}  // namespace vdep
