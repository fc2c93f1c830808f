#include "image/pil_resampler.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace vdep {

namespace {

// Keys' cubic convolution kernel with a = -0.5, PIL's BICUBIC, nonzero on (-2, 2).
double bicubic_kernel(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}
constexpr double kBicubicSupport = 2.0;

// PIL's fixed-point weights: 8 bits of pixel, 2 bits of headroom for the sum of weights exceeding
// 1 (the kernel has negative lobes), and the rest of an int32 for the fraction.
constexpr int kPrecisionBits = 32 - 8 - 2;

// The weighted source samples that make each output sample along one axis: output i reads
// `count[i]` consecutive source samples from `first[i]`, with weights at row i of `weights`.
struct AxisTaps {
  int stride = 0;  // the most taps any output sample has: the row length of `weights`
  std::vector<int> first;
  std::vector<int> count;
  std::vector<std::int32_t> weights;
};

// Mirrors Pillow's precompute_coeffs and normalize_coeffs_8bpc for the whole-image box, keeping
// its order of floating-point operations so that every weight rounds to the same integer.
AxisTaps compute_axis_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  // Downscaling stretches the kernel over `scale` source samples: the antialiasing.
  const double filter_scale = std::max(scale, 1.0);
  const double support = kBicubicSupport * filter_scale;
  const double inverse_filter_scale = 1.0 / filter_scale;

  AxisTaps taps;
  taps.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_size);
  taps.count.resize(out_size);
  taps.weights.assign(static_cast<std::size_t>(out_size) * taps.stride, 0);
  std::vector<double> kernel(taps.stride);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    // Truncation toward zero is Pillow's rounding here; negatives are clamped anyway.
    const int first = std::max(static_cast<int>(center - support + 0.5), 0);
    const int end = std::min(static_cast<int>(center + support + 0.5), in_size);
    const int count = end - first;
    double sum = 0.0;
    for (int k = 0; k < count; ++k) {
      kernel[k] = bicubic_kernel((k + first - center + 0.5) * inverse_filter_scale);
      sum += kernel[k];
    }
    std::int32_t* weights = &taps.weights[static_cast<std::size_t>(i) * taps.stride];
    for (int k = 0; k < count; ++k) {
      const double normalised = sum != 0.0 ? kernel[k] / sum : kernel[k];
      // Round half away from zero, as Pillow does.
      const double fixed = normalised * (1 << kPrecisionBits);
      weights[k] = static_cast<std::int32_t>(normalised < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    taps.first[i] = first;
    taps.count[i] = count;
  }
  return taps;
}

// The accumulator starts at one half so that the shift rounds to nearest; Pillow's lookup table
// then clamps the result to 0..255.
constexpr std::int32_t kRoundingOffset = std::int32_t{1} << (kPrecisionBits - 1);

std::uint8_t to_pixel(std::int32_t accumulator) {
  return static_cast<std::uint8_t>(std::clamp(accumulator >> kPrecisionBits, 0, 255));
}

cv::Mat resample_rows(const cv::Mat& in, int out_width) {
  const AxisTaps taps = compute_axis_taps(in.cols, out_width);
  cv::Mat out(in.rows, out_width, CV_8UC3);
  for (int y = 0; y < in.rows; ++y) {
    const std::uint8_t* source = in.ptr<std::uint8_t>(y);
    std::uint8_t* target = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < out_width; ++x) {
      const std::int32_t* weights = &taps.weights[static_cast<std::size_t>(x) * taps.stride];
      const std::uint8_t* pixel = source + 3 * taps.first[x];
      std::int32_t sum[3] = {kRoundingOffset, kRoundingOffset, kRoundingOffset};
      for (int k = 0; k < taps.count[x]; ++k, pixel += 3) {
        for (int c = 0; c < 3; ++c) sum[c] += pixel[c] * weights[k];
      }
      for (int c = 0; c < 3; ++c) target[3 * x + c] = to_pixel(sum[c]);
    }
  }
  return out;
}

// Whole rows at a time: the integer sums are the same in any order, and rows stay in cache.
cv::Mat resample_columns(const cv::Mat& in, int out_height) {
  const AxisTaps taps = compute_axis_taps(in.rows, out_height);
  const int values_per_row = in.cols * 3;
  cv::Mat out(out_height, in.cols, CV_8UC3);
  std::vector<std::int32_t> sums(values_per_row);
  for (int y = 0; y < out_height; ++y) {
    std::fill(sums.begin(), sums.end(), kRoundingOffset);
    const std::int32_t* weights = &taps.weights[static_cast<std::size_t>(y) * taps.stride];
    for (int k = 0; k < taps.count[y]; ++k) {
      const std::uint8_t* source = in.ptr<std::uint8_t>(taps.first[y] + k);
      for (int v = 0; v < values_per_row; ++v) sums[v] += source[v] * weights[k];
    }
    std::uint8_t* target = out.ptr<std::uint8_t>(y);
    for (int v = 0; v < values_per_row; ++v) target[v] = to_pixel(sums[v]);
  }
  return out;
}

}  // namespace

cv::Mat resize_bicubic_like_pil(const cv::Mat& rgb8, int width, int height) {
  if (rgb8.type() != CV_8UC3 || rgb8.empty()) {
    throw std::invalid_argument(
        "resize_bicubic_like_pil: expected a non-empty 8-bit 3-channel image");
  }
  if (width < 1 || height < 1) {
    throw std::invalid_argument("resize_bicubic_like_pil: invalid output size " +
                                std::to_string(width) + "x" + std::to_string(height));
  }
  if (width == rgb8.cols && height == rgb8.rows) return rgb8.clone();
  // Pillow skips the pass along an axis whose size does not change, and rounds to 8 bits after
  // the horizontal pass, which always comes first. (It resamples only the rows the vertical pass
  // will read; each row is computed on its own, so resampling all of them changes nothing.)
  const cv::Mat rows_done = width != rgb8.cols ? resample_rows(rgb8, width) : rgb8;
  return height != rows_done.rows ? resample_columns(rows_done, height) : rows_done;
}

}  // namespace vdep
