#include "data/shapes_renderer.h"

#include <vector>

#include <opencv2/imgproc.hpp>

namespace vdep {

namespace {

cv::Scalar rgb_scalar(const std::array<std::uint8_t, 3>& rgb) { return cv::Scalar(rgb[0], rgb[1], rgb[2]); }

}  // namespace

cv::Mat render_scene(const ShapesScene& scene) {
  cv::Mat image(scene.image_size, scene.image_size, CV_8UC3, rgb_scalar(kBackgroundRgb));
  for (const Shape& shape : scene.shapes) {
    const cv::Scalar colour = rgb_scalar(colour_rgb(shape.colour));
    switch (shape.kind) {
      case ShapeKind::Circle:
        cv::circle(image, {shape.centre_x, shape.centre_y}, shape.size / 2, colour, cv::FILLED, cv::LINE_AA);
        break;
      case ShapeKind::Square:
        cv::rectangle(image, cv::Point(shape.left(), shape.top()), cv::Point(shape.right(), shape.bottom()), colour,
                      cv::FILLED, cv::LINE_AA);
        break;
      case ShapeKind::Triangle: {
        const std::vector<cv::Point> corners = {
            {shape.centre_x, shape.top()}, {shape.left(), shape.bottom()}, {shape.right(), shape.bottom()}};
        cv::fillPoly(image, std::vector<std::vector<cv::Point>>{corners}, colour, cv::LINE_AA);
        break;
      }
    }
  }
  return image;
}

}  // namespace vdep
