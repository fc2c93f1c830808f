// Drawing a shapes scene.
#pragma once

#include <opencv2/core/mat.hpp>

#include "data/shapes_scene.h"

namespace vdep {

// The scene as an 8-bit 3-channel RGB image (the layout decode_image_rgb gives): the background
// colour everywhere but the shapes, drawn filled and anti-aliased.
cv::Mat render_scene(const ShapesScene& scene);

}  // namespace vdep
