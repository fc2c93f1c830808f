#include <gtest/gtest.h>

#include <stdexcept>

#include <ATen/ATen.h>

#include "image/image_preprocessor.h"
#include "image_test_support.h"

namespace vdep {
namespace {

using test::Rgb;

constexpr Rgb kClipFill{122, 116, 104};

// 3 wide, 5 high; pixel (x, y) is (10x + y, 100 + y, 200 + x).
cv::Mat numbered_3x5() {
  cv::Mat image(5, 3, CV_8UC3);
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 3; ++x) image.at<cv::Vec3b>(y, x) = cv::Vec3b(10 * x + y, 100 + y, 200 + x);
  }
  return image;
}

TEST(MeanFillColour, TruncatesLikeLlava) {
  EXPECT_EQ(mean_fill_colour(ImageProcessorConfig{}), (std::array<int, 3>{122, 116, 104}));
  EXPECT_EQ(mean_fill_colour(test::siglip_config(384)), (std::array<int, 3>{127, 127, 127}));
}

TEST(ExpandToSquare, CentresATallImageBetweenColumnsOfFill) {
  const cv::Mat square = expand_to_square(numbered_3x5(), {122, 116, 104});
  ASSERT_EQ(square.size(), cv::Size(5, 5));
  for (int y = 0; y < 5; ++y) {
    EXPECT_EQ(test::pixel_at(square, 0, y), kClipFill);
    EXPECT_EQ(test::pixel_at(square, 4, y), kClipFill);
    for (int x = 0; x < 3; ++x) {
      EXPECT_EQ(test::pixel_at(square, x + 1, y), test::pixel_at(numbered_3x5(), x, y));
    }
  }
}

TEST(ExpandToSquare, RoundsTheOffsetOfAWideImageDown) {
  // 5 wide, 2 high: (5 - 2) // 2 = 1 row of fill above, 2 below.
  const cv::Mat wide = test::rgb_image({{{1, 1, 1}, {2, 2, 2}, {3, 3, 3}, {4, 4, 4}, {5, 5, 5}},
                                        {{6, 6, 6}, {7, 7, 7}, {8, 8, 8}, {9, 9, 9}, {0, 0, 0}}});
  const cv::Mat square = expand_to_square(wide, {122, 116, 104});
  ASSERT_EQ(square.size(), cv::Size(5, 5));
  for (int x = 0; x < 5; ++x) {
    EXPECT_EQ(test::pixel_at(square, x, 0), kClipFill);
    EXPECT_EQ(test::pixel_at(square, x, 1), test::pixel_at(wide, x, 0));
    EXPECT_EQ(test::pixel_at(square, x, 2), test::pixel_at(wide, x, 1));
    EXPECT_EQ(test::pixel_at(square, x, 3), kClipFill);
    EXPECT_EQ(test::pixel_at(square, x, 4), kClipFill);
  }
}

TEST(ExpandToSquare, CopiesASquareImageAndRejectsFillOutOfRange) {
  const cv::Mat square = test::rgb_image({{{1, 2, 3}}});
  EXPECT_EQ(test::max_abs_difference(expand_to_square(square, {0, 0, 0}), square), 0.0);
  EXPECT_THROW(expand_to_square(square, {0, 256, 0}), std::invalid_argument);
}

TEST(ResizeOutputSize, ShortestEdgeRoundsTheLongSideDownLikeHf) {
  ImageProcessorConfig clip;
  clip.size = 24;
  EXPECT_EQ(resize_output_size({97, 61}, clip), cv::Size(38, 24));  // 24 * 97 / 61 = 38.16
  EXPECT_EQ(resize_output_size({23, 71}, clip), cv::Size(24, 74));  // 24 * 71 / 23 = 74.09
  EXPECT_EQ(resize_output_size({50, 50}, clip), cv::Size(24, 24));
  clip.size = 336;
  EXPECT_EQ(resize_output_size({640, 480}, clip), cv::Size(448, 336));
  EXPECT_EQ(resize_output_size({333, 500}, clip), cv::Size(336, 504));  // 504.50
  EXPECT_EQ(resize_output_size({1000, 3}, clip), cv::Size(112000, 336));
  EXPECT_EQ(resize_output_size({640, 480}, test::siglip_config(384)), cv::Size(384, 384));
}

TEST(CenterCrop, RoundsOffsetsDownLikeHf) {
  // 5 wide, 4 high, cropped to 3: left (5 - 3) // 2 = 1, top (4 - 3) // 2 = 0.
  cv::Mat image(4, 5, CV_8UC3);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 5; ++x) image.at<cv::Vec3b>(y, x) = cv::Vec3b(x, y, 7);
  }
  const cv::Mat cropped = center_crop(image, 3);
  ASSERT_EQ(cropped.size(), cv::Size(3, 3));
  EXPECT_EQ(test::pixel_at(cropped, 0, 0), (Rgb{1, 0, 7}));
  EXPECT_EQ(test::pixel_at(cropped, 2, 2), (Rgb{3, 2, 7}));
}

TEST(CenterCrop, CentresASmallerImageOnBlackRoundingUp) {
  // 5 wide, 4 high, cropped to 6: one black column on the left (ceil(1 / 2)), none on the right;
  // one black row above and one below.
  const cv::Mat image(4, 5, CV_8UC3, cv::Scalar(9, 8, 7));
  const cv::Mat cropped = center_crop(image, 6);
  ASSERT_EQ(cropped.size(), cv::Size(6, 6));
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 6; ++x) {
      const bool inside = x >= 1 && y >= 1 && y <= 4;
      EXPECT_EQ(test::pixel_at(cropped, x, y), inside ? (Rgb{9, 8, 7}) : (Rgb{0, 0, 0}))
          << x << "," << y;
    }
  }
}

TEST(CenterCrop, CropsOneSideAndPadsTheOther) {
  // 7 wide, 2 high, cropped to 4: columns 1..4 ((7 - 4) // 2 = 1), rows 1..2 (ceil(2 / 2) = 1).
  cv::Mat image(2, 7, CV_8UC3);
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 7; ++x) image.at<cv::Vec3b>(y, x) = cv::Vec3b(x, y, 50);
  }
  const cv::Mat cropped = center_crop(image, 4);
  EXPECT_EQ(test::pixel_at(cropped, 0, 0), (Rgb{0, 0, 0}));
  EXPECT_EQ(test::pixel_at(cropped, 0, 1), (Rgb{1, 0, 50}));
  EXPECT_EQ(test::pixel_at(cropped, 3, 2), (Rgb{4, 1, 50}));
  EXPECT_EQ(test::pixel_at(cropped, 3, 3), (Rgb{0, 0, 0}));
}

TEST(PreprocessImage, NormalisesKnownValuesIntoChannelPlanes) {
  // Exact resize to the image's own size: no resampling, so the values are the inputs'.
  const ImageProcessorConfig config = test::siglip_config(2);
  const cv::Mat two_by_two =
      test::rgb_image({{{0, 128, 255}, {255, 51, 0}}, {{0, 0, 0}, {0, 0, 0}}});
  const at::Tensor pixels = preprocess_image(two_by_two, config, false);
  ASSERT_EQ(pixels.sizes(), at::IntArrayRef({3, 2, 2}));
  const auto at = [&](int c, int y, int x) { return pixels[c][y][x].item<float>(); };
  EXPECT_FLOAT_EQ(at(0, 0, 0), -1.0f);                    // (0 / 255 - 0.5) / 0.5
  EXPECT_FLOAT_EQ(at(2, 0, 0), 1.0f);                     // 255
  EXPECT_NEAR(at(1, 0, 0), 2.0 * 128 / 255 - 1.0, 1e-7);  // 0.0039216
  EXPECT_FLOAT_EQ(at(0, 0, 1), 1.0f);
  EXPECT_FLOAT_EQ(at(1, 0, 1), -0.6f);  // 51 / 255 = 0.2
  EXPECT_FLOAT_EQ(at(2, 0, 1), -1.0f);

  ImageProcessorConfig clip;
  clip.resize = ImageProcessorConfig::Resize::Exact;
  clip.size = 2;
  clip.do_center_crop = false;
  const at::Tensor clip_pixels = preprocess_image(two_by_two, clip, false);
  EXPECT_NEAR(clip_pixels[0][0][0].item<float>(), -0.48145466 / 0.26862954, 1e-6);       // -1.7923
  EXPECT_NEAR(clip_pixels[2][0][0].item<float>(), (1 - 0.40821073) / 0.27577711, 1e-6);  // 2.1459
}

TEST(PreprocessImage, GivesTheCropOrTheResizedShape) {
  const cv::Mat image(61, 97, CV_8UC3, cv::Scalar(10, 20, 30));
  ImageProcessorConfig clip;
  clip.size = 24;
  clip.crop_size = 20;
  EXPECT_EQ(preprocess_image(image, clip, false).sizes(), at::IntArrayRef({3, 20, 20}));
  clip.do_center_crop = false;
  EXPECT_EQ(preprocess_image(image, clip, false).sizes(), at::IntArrayRef({3, 24, 38}));
  EXPECT_EQ(preprocess_image(image, clip, true).sizes(), at::IntArrayRef({3, 24, 24}));
  const at::Tensor siglip = preprocess_image(image, test::siglip_config(16), false);
  EXPECT_EQ(siglip.sizes(), at::IntArrayRef({3, 16, 16}));
  EXPECT_EQ(siglip.scalar_type(), at::kFloat);
  EXPECT_TRUE(siglip.is_contiguous());
}

TEST(PreprocessImage, PadsWithTheMeanColourBeforeResizing) {
  // A black line across the middle of a 40x40 square: the corners are nothing but the fill.
  const cv::Mat line(1, 40, CV_8UC3, cv::Scalar::all(0));
  const at::Tensor pixels = preprocess_image(line, test::siglip_config(8), true);
  ASSERT_EQ(pixels.sizes(), at::IntArrayRef({3, 8, 8}));
  const float fill = (127.0f / 255 - 0.5f) / 0.5f;
  EXPECT_FLOAT_EQ(pixels[0][0][0].item<float>(), fill);
  EXPECT_FLOAT_EQ(pixels[0][7][7].item<float>(), fill);
  EXPECT_LT(pixels[0][4][4].item<float>(), fill);
}

TEST(PreprocessImage, RejectsBadImagesAndSizes) {
  const cv::Mat image(4, 4, CV_8UC3, cv::Scalar::all(0));
  EXPECT_THROW(preprocess_image(cv::Mat(), ImageProcessorConfig{}, false), std::invalid_argument);
  EXPECT_THROW(
      preprocess_image(cv::Mat(4, 4, CV_8UC4, cv::Scalar::all(0)), ImageProcessorConfig{}, false),
      std::invalid_argument);
  ImageProcessorConfig config;
  config.size = 0;
  EXPECT_THROW(preprocess_image(image, config, false), std::invalid_argument);
  config.size = 4;
  config.crop_size = 0;
  EXPECT_THROW(preprocess_image(image, config, false), std::invalid_argument);
}

}  // namespace
}  // namespace vdep
