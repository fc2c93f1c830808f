// vdep's preprocessing against the values Pillow and HF's processors give, computed by
// tests/fixtures/image/make_reference.py with Debian's python3-pil. The case lists here and in
// the script must match.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include "image/image_decoder.h"
#include "image/image_preprocessor.h"
#include "image/pil_resampler.h"
#include "image_test_support.h"

namespace vdep {
namespace {

cv::Mat source(const std::string& name) {
  return decode_image_rgb(test::image_fixture("sources/" + name + ".png"));
}

struct ResizeCase {
  const char* source;
  int width;
  int height;
};

std::string case_name(const ResizeCase& c) {
  return std::string(c.source) + "_to_" + std::to_string(c.width) + "x" + std::to_string(c.height);
}

void PrintTo(const ResizeCase& c, std::ostream* out) { *out << case_name(c); }

class PilResize : public ::testing::TestWithParam<ResizeCase> {};

TEST_P(PilResize, MatchesPillowExactly) {
  const ResizeCase& c = GetParam();
  const cv::Mat expected = decode_image_rgb(test::image_fixture("resize/" + case_name(c) + ".png"));
  const cv::Mat resized = resize_bicubic_like_pil(source(c.source), c.width, c.height);
  ASSERT_EQ(resized.size(), expected.size());
  EXPECT_EQ(test::max_abs_difference(resized, expected), 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    ReferenceImages, PilResize,
    ::testing::Values(ResizeCase{"gradient_97x61", 33, 20}, ResizeCase{"gradient_97x61", 150, 95},
                      ResizeCase{"gradient_97x61", 97, 30}, ResizeCase{"gradient_97x61", 40, 61},
                      ResizeCase{"noise_64x48", 21, 16}, ResizeCase{"noise_64x48", 32, 24},
                      ResizeCase{"noise_64x48", 7, 5}, ResizeCase{"noise_64x48", 100, 13},
                      ResizeCase{"checker_160x120", 48, 36}, ResizeCase{"tiny_5x3", 12, 7},
                      ResizeCase{"tiny_5x3", 1, 1}, ResizeCase{"tiny_5x3", 5, 3},
                      ResizeCase{"tall_23x71", 9, 28}, ResizeCase{"tall_23x71", 31, 96},
                      ResizeCase{"tiny_5x3", 47, 29}),
    [](const ::testing::TestParamInfo<ResizeCase>& instance) { return case_name(instance.param); });

// What DESIGN.md measured, on a fixture: on high-frequency content OpenCV's bicubic aliases (it
// samples 4 pixels whatever the scale), so it cannot stand in for PIL's; area averaging comes
// closer but is still a different filter.
TEST(PilResize, IsExactWhereOpenCvBicubicIsFarOff) {
  const cv::Mat checker = source("checker_160x120");
  const cv::Mat expected =
      decode_image_rgb(test::image_fixture("resize/checker_160x120_to_48x36.png"));
  cv::Mat opencv_cubic;
  cv::Mat opencv_area;
  cv::resize(checker, opencv_cubic, expected.size(), 0, 0, cv::INTER_CUBIC);
  cv::resize(checker, opencv_area, expected.size(), 0, 0, cv::INTER_AREA);

  EXPECT_EQ(test::max_abs_difference(resize_bicubic_like_pil(checker, 48, 36), expected), 0.0);
  const double cubic_mean = test::mean_abs_difference(opencv_cubic, expected);
  const double cubic_max = test::max_abs_difference(opencv_cubic, expected);
  const double area_mean = test::mean_abs_difference(opencv_area, expected);
  std::printf(
      "160x120 one-pixel checkerboard to 48x36, difference from PIL in 8-bit levels: "
      "INTER_CUBIC mean %.1f max %.0f, INTER_AREA mean %.1f\n",
      cubic_mean, cubic_max, area_mean);
  EXPECT_GT(cubic_mean, 20.0);
  EXPECT_GT(cubic_max, 50.0);
  EXPECT_GT(area_mean, 0.5);
}

struct PipelineCase {
  const char* name;
  const char* source;
  ImageProcessorConfig config;
  bool pad_to_square;
  int side;  // of the expected [3, side, side] tensor
};

void PrintTo(const PipelineCase& c, std::ostream* out) { *out << c.name; }

ImageProcessorConfig clip_config(int shortest_edge, int crop) {
  ImageProcessorConfig config;
  config.resize = ImageProcessorConfig::Resize::ShortestEdge;
  config.size = shortest_edge;
  config.crop_size = crop;
  config.do_center_crop = true;
  return config;
}

class HfPipeline : public ::testing::TestWithParam<PipelineCase> {};

TEST_P(HfPipeline, MatchesHfImageProcessor) {
  const PipelineCase& c = GetParam();
  const std::vector<float> expected =
      test::read_float32_file(test::image_fixture("pipeline/" + std::string(c.name) + ".bin"));
  const at::Tensor pixels = preprocess_image(source(c.source), c.config, c.pad_to_square);
  ASSERT_EQ(pixels.sizes(), at::IntArrayRef({3, c.side, c.side}));
  ASSERT_EQ(pixels.scalar_type(), at::kFloat);
  ASSERT_TRUE(pixels.is_contiguous());
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(pixels.numel()));
  const float* values = pixels.data_ptr<float>();
  double largest = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    largest = std::max(largest, static_cast<double>(std::abs(values[i] - expected[i])));
  }
  EXPECT_LE(largest, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(
    ReferenceTensors, HfPipeline,
    ::testing::Values(
        PipelineCase{"clip_gradient", "gradient_97x61", clip_config(24, 24), false, 24},
        PipelineCase{"clip_gradient_padded", "gradient_97x61", clip_config(24, 24), true, 24},
        PipelineCase{"clip_tall", "tall_23x71", clip_config(24, 24), false, 24},
        PipelineCase{"clip_tall_padded", "tall_23x71", clip_config(24, 24), true, 24},
        PipelineCase{"clip_odd_crop", "gradient_97x61", clip_config(24, 15), false, 15},
        PipelineCase{"clip_crop_larger", "gradient_97x61", clip_config(16, 20), false, 20},
        PipelineCase{"siglip_gradient", "gradient_97x61", test::siglip_config(20), false, 20},
        PipelineCase{"siglip_noise_padded", "noise_64x48", test::siglip_config(20), true, 20},
        PipelineCase{"siglip_tiny", "tiny_5x3", test::siglip_config(20), false, 20}),
    [](const ::testing::TestParamInfo<PipelineCase>& instance) {
      return std::string(instance.param.name);
    });

}  // namespace
}  // namespace vdep
