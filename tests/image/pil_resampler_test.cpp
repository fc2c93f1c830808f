// Properties of the PIL resampler that hold by construction; its agreement with Pillow itself is
// in pil_reference_test.cpp.
#include <gtest/gtest.h>

#include <stdexcept>

#include "image/pil_resampler.h"
#include "image_test_support.h"

namespace vdep {
namespace {

using test::Rgb;

TEST(ResizeBicubicLikePil, AveragesTwoPixelsIntoOneRoundingHalfUp) {
  // Halving: the kernel, stretched to 8 pixels wide, centred between the two, weighs them 1/2 each.
  const cv::Mat two = test::rgb_image({{{10, 0, 255}, {21, 1, 254}}});
  const cv::Mat one = resize_bicubic_like_pil(two, 1, 1);
  EXPECT_EQ(test::pixel_at(one, 0, 0), (Rgb{16, 1, 255}));
}

TEST(ResizeBicubicLikePil, KeepsAUniformImageUniform) {
  // The weights of every output sample sum to one, within the fixed-point rounding.
  const cv::Mat uniform(37, 53, CV_8UC3, cv::Scalar(200, 3, 255));
  for (const cv::Size size :
       {cv::Size(10, 7), cv::Size(53, 90), cv::Size(120, 5), cv::Size(1, 1)}) {
    const cv::Mat resized = resize_bicubic_like_pil(uniform, size.width, size.height);
    ASSERT_EQ(resized.size(), size);
    EXPECT_EQ(test::max_abs_difference(resized, cv::Mat(size, CV_8UC3, cv::Scalar(200, 3, 255))),
              0.0)
        << size;
  }
}

TEST(ResizeBicubicLikePil, ReadsAViewOfALargerImage) {
  cv::Mat large(40, 50, CV_8UC3);
  cv::randu(large, cv::Scalar::all(0), cv::Scalar::all(256));
  const cv::Mat view = large(cv::Rect(7, 5, 31, 22));
  ASSERT_FALSE(view.isContinuous());
  EXPECT_EQ(test::max_abs_difference(resize_bicubic_like_pil(view, 13, 17),
                                     resize_bicubic_like_pil(view.clone(), 13, 17)),
            0.0);
}

TEST(ResizeBicubicLikePil, ReturnsACopyAtTheSameSize) {
  const cv::Mat image = test::rgb_image({{{1, 2, 3}, {4, 5, 6}}});
  cv::Mat same = resize_bicubic_like_pil(image, 2, 1);
  same.at<cv::Vec3b>(0, 0) = {9, 9, 9};
  EXPECT_EQ(test::pixel_at(image, 0, 0), (Rgb{1, 2, 3}));
}

TEST(ResizeBicubicLikePil, RejectsOtherImagesAndSizes) {
  const cv::Mat image(4, 4, CV_8UC3, cv::Scalar::all(0));
  EXPECT_THROW(resize_bicubic_like_pil(image, 0, 4), std::invalid_argument);
  EXPECT_THROW(resize_bicubic_like_pil(image, 4, -1), std::invalid_argument);
  EXPECT_THROW(resize_bicubic_like_pil(cv::Mat(), 4, 4), std::invalid_argument);
  EXPECT_THROW(resize_bicubic_like_pil(cv::Mat(4, 4, CV_8UC1, cv::Scalar(0)), 2, 2),
               std::invalid_argument);
  EXPECT_THROW(resize_bicubic_like_pil(cv::Mat(4, 4, CV_32FC3, cv::Scalar::all(0)), 2, 2),
               std::invalid_argument);
}

}  // namespace
}  // namespace vdep
