#include "image/png_encoder.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "image/image_decoder.h"
#include "image_test_support.h"
#include "support/temporary_folder.h"

namespace vdep {
namespace {

using PngEncoderTest = test::TemporaryFolderTest;

TEST_F(PngEncoderTest, DecodesBackToTheSameRgbPixels) {
  // Every channel different, so that a red/blue swap shows.
  const cv::Mat image = test::rgb_image({{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}},
                                         {{10, 20, 30}, {200, 100, 50}, {0, 0, 0}}});
  write_png_rgb(folder_ / "image.png", image);
  const cv::Mat decoded = decode_image_rgb(folder_ / "image.png");
  ASSERT_EQ(decoded.type(), CV_8UC3);
  ASSERT_EQ(decoded.size(), image.size());
  EXPECT_EQ(test::max_abs_difference(decoded, image), 0.0);
}

TEST_F(PngEncoderTest, FailuresNameWhereAndLeaveNoFile) {
  const std::filesystem::path missing_folder = folder_ / "missing";
  try {
    write_png_rgb(missing_folder / "image.png", test::rgb_image({{{1, 2, 3}}}));
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing_folder.string()), std::string::npos) << e.what();
  }
  const cv::Mat grey(2, 2, CV_8UC1, cv::Scalar(7));
  EXPECT_THROW(write_png_rgb(folder_ / "grey.png", grey), std::runtime_error);
  EXPECT_TRUE(std::filesystem::is_empty(folder_));
}

}  // namespace
}  // namespace vdep
