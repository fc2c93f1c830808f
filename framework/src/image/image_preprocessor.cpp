#include "image/image_preprocessor.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <ATen/ops/empty.h>
#include <opencv2/core.hpp>

#include "image/pil_resampler.h"

namespace vdep {

namespace {

void check_rgb8(const cv::Mat& image, const char* function) {
  if (image.type() != CV_8UC3 || image.empty()) {
    throw std::invalid_argument(std::string(function) +
                                ": expected a non-empty 8-bit 3-channel RGB image");
  }
}

// Where the output of a centre crop along one axis comes from and goes to.
struct CropSpan {
  int source = 0;  // first input pixel copied
  int target = 0;  // where it lands in the output
  int length = 0;
};

CropSpan crop_span(int in, int out) {
  // HF pads a short side with ceil((out - in) / 2) zeros before and crops the rest from the
  // padded image at floor((in - out) / 2) + padding, which is always 0.
  if (in >= out) return {(in - out) / 2, 0, out};
  return {0, (out - in + 1) / 2, in};
}

// HF rescales in float64 and rounds to float32 (rescale(..., dtype=np.float32)), then
// normalises in float32 with the mean and std rounded to float32. An 8-bit channel has only 256
// values, so each channel's results are tabulated once.
using ChannelTable = std::array<float, 256>;

std::array<ChannelTable, 3> normalisation_tables(const ImageProcessorConfig& config) {
  std::array<ChannelTable, 3> tables{};
  for (int c = 0; c < 3; ++c) {
    const float mean = static_cast<float>(config.mean[c]);
    const float deviation = static_cast<float>(config.std[c]);
    for (int value = 0; value < 256; ++value) {
      const float rescaled = static_cast<float>(value * config.rescale_factor);
      tables[c][value] = (rescaled - mean) / deviation;
    }
  }
  return tables;
}

at::Tensor to_normalised_chw(const cv::Mat& rgb8, const ImageProcessorConfig& config) {
  const auto tables = normalisation_tables(config);
  at::Tensor tensor = at::empty({3, rgb8.rows, rgb8.cols}, at::kFloat);
  float* planes[3];
  const std::int64_t plane_size = std::int64_t{rgb8.rows} * rgb8.cols;
  for (int c = 0; c < 3; ++c) planes[c] = tensor.data_ptr<float>() + c * plane_size;
  for (int y = 0; y < rgb8.rows; ++y) {
    const std::uint8_t* pixel = rgb8.ptr<std::uint8_t>(y);
    for (int x = 0; x < rgb8.cols; ++x, pixel += 3) {
      for (int c = 0; c < 3; ++c) *planes[c]++ = tables[c][pixel[c]];
    }
  }
  return tensor;
}

}  // namespace

cv::Mat expand_to_square(const cv::Mat& rgb8, std::array<int, 3> fill) {
  check_rgb8(rgb8, "expand_to_square");
  for (const int value : fill) {
    if (value < 0 || value > 255) {
      throw std::invalid_argument("expand_to_square: fill values must be 0..255, got " +
                                  std::to_string(value));
    }
  }
  const int side = std::max(rgb8.cols, rgb8.rows);
  cv::Mat square(side, side, CV_8UC3, cv::Scalar(fill[0], fill[1], fill[2]));
  const cv::Rect placement((side - rgb8.cols) / 2, (side - rgb8.rows) / 2, rgb8.cols, rgb8.rows);
  rgb8.copyTo(square(placement));
  return square;
}

std::array<int, 3> mean_fill_colour(const ImageProcessorConfig& config) {
  std::array<int, 3> fill{};
  for (int c = 0; c < 3; ++c) fill[c] = static_cast<int>(config.mean[c] * 255);
  return fill;
}

cv::Size resize_output_size(cv::Size image, const ImageProcessorConfig& config) {
  if (config.resize == ImageProcessorConfig::Resize::Exact) return {config.size, config.size};
  const bool portrait = image.width <= image.height;
  const int short_side = portrait ? image.width : image.height;
  const int long_side = portrait ? image.height : image.width;
  // Python's int(size * long / short): an exact product, one correctly rounded division, then
  // truncation; doubles reproduce it for any realistic size.
  const int new_long =
      static_cast<int>(static_cast<double>(std::int64_t{config.size} * long_side) / short_side);
  return portrait ? cv::Size(config.size, new_long) : cv::Size(new_long, config.size);
}

cv::Mat center_crop(const cv::Mat& rgb8, int side) {
  check_rgb8(rgb8, "center_crop");
  if (side < 1) throw std::invalid_argument("center_crop: side must be at least 1");
  const CropSpan columns = crop_span(rgb8.cols, side);
  const CropSpan rows = crop_span(rgb8.rows, side);
  cv::Mat cropped(side, side, CV_8UC3, cv::Scalar::all(0));
  rgb8(cv::Rect(columns.source, rows.source, columns.length, rows.length))
      .copyTo(cropped(cv::Rect(columns.target, rows.target, columns.length, rows.length)));
  return cropped;
}

at::Tensor preprocess_image(const cv::Mat& rgb8, const ImageProcessorConfig& config,
                            bool pad_to_square) {
  check_rgb8(rgb8, "preprocess_image");
  if (config.size < 1 || (config.do_center_crop && config.crop_size < 1)) {
    throw std::invalid_argument("preprocess_image: size " + std::to_string(config.size) +
                                " and crop_size " + std::to_string(config.crop_size) +
                                " must be at least 1");
  }
  const cv::Mat image = pad_to_square ? expand_to_square(rgb8, mean_fill_colour(config)) : rgb8;
  const cv::Size size = resize_output_size(image.size(), config);
  const cv::Mat resized = resize_bicubic_like_pil(image, size.width, size.height);
  return to_normalised_chw(config.do_center_crop ? center_crop(resized, config.crop_size) : resized,
                           config);
}

}  // namespace vdep
