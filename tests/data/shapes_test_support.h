// Helpers shared by the shapes dataset's tests.
#pragma once

#include <ostream>

#include "data/shapes_scene.h"

namespace vdep {

inline bool operator==(const Shape& a, const Shape& b) {
  return a.kind == b.kind && a.colour == b.colour && a.centre_x == b.centre_x && a.centre_y == b.centre_y &&
         a.size == b.size;
}

inline bool operator==(const ShapesScene& a, const ShapesScene& b) {
  return a.image_size == b.image_size && a.shapes == b.shapes;
}

inline bool operator!=(const ShapesScene& a, const ShapesScene& b) { return !(a == b); }

// GoogleTest prints scenes that fail a comparison with this.
inline void PrintTo(const ShapesScene& scene, std::ostream* out) {
  *out << scene.image_size << "px:";
  for (const Shape& s : scene.shapes) {
    *out << " " << colour_name(s.colour) << " " << kind_name(s.kind) << " at (" << s.centre_x << ", " << s.centre_y
         << ") size " << s.size << ";";
  }
}

// The scenes most tests look at: many, so that rare layouts (crowded, tiny) come up too.
inline constexpr int kScenesToCheck = 500;

}  // namespace vdep
