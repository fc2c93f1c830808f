#include "image/png_encoder.h"

#include <stdexcept>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "io/atomic_file.h"

namespace vdep {

void write_png_rgb(const std::filesystem::path& path, const cv::Mat& rgb) {
  if (rgb.type() != CV_8UC3) throw std::runtime_error("cannot write " + path.string() + ": not an 8-bit RGB image");
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<unsigned char> bytes;
  try {
    if (!cv::imencode(".png", bgr, bytes)) throw std::runtime_error("OpenCV could not encode it");
  } catch (const cv::Exception& e) {
    throw std::runtime_error("cannot encode " + path.string() + " as PNG: " + e.what());
  }
  write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace vdep
