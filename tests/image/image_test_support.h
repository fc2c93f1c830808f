// Shared by the image tests: small images written out pixel by pixel, and the reference files
// that tests/fixtures/image/make_reference.py wrote with Pillow.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include <vdep/image_processor_config.h>

namespace vdep::test {

using Rgb = std::array<std::uint8_t, 3>;

// An image from rows of RGB pixels, top row first.
inline cv::Mat rgb_image(std::initializer_list<std::initializer_list<Rgb>> rows) {
  cv::Mat image(static_cast<int>(rows.size()), static_cast<int>(rows.begin()->size()), CV_8UC3);
  int y = 0;
  for (const auto& row : rows) {
    int x = 0;
    for (const Rgb& pixel : row) image.at<cv::Vec3b>(y, x++) = {pixel[0], pixel[1], pixel[2]};
    ++y;
  }
  return image;
}

inline Rgb pixel_at(const cv::Mat& image, int x, int y) {
  const cv::Vec3b& pixel = image.at<cv::Vec3b>(y, x);
  return {pixel[0], pixel[1], pixel[2]};
}

// Largest difference between two images of one size and type, in 8-bit levels.
inline double max_abs_difference(const cv::Mat& a, const cv::Mat& b) {
  return cv::norm(a, b, cv::NORM_INF);
}

inline double mean_abs_difference(const cv::Mat& a, const cv::Mat& b) {
  return cv::norm(a, b, cv::NORM_L1) / static_cast<double>(a.total() * a.channels());
}

// SiglipImageProcessor's settings at `side`: exact resize, no crop, mean = std = 0.5.
inline ImageProcessorConfig siglip_config(int side) {
  ImageProcessorConfig config;
  config.resize = ImageProcessorConfig::Resize::Exact;
  config.size = side;
  config.do_center_crop = false;
  config.mean = {0.5, 0.5, 0.5};
  config.std = {0.5, 0.5, 0.5};
  return config;
}

inline std::filesystem::path image_fixture(const std::string& relative_path) {
  return std::filesystem::path(VDEP_FIXTURES_DIR) / "image" / relative_path;
}

// A pipeline/*.bin file: raw little-endian float32 (the byte order of every machine vdep runs on).
inline std::vector<float> read_float32_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

}  // namespace vdep::test
