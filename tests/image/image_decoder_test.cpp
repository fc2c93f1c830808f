#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <unistd.h>

#include "image/image_decoder.h"
#include "image_test_support.h"
#include "support/text_file.h"

namespace vdep {
namespace {

class DecodeLikePil : public ::testing::TestWithParam<const char*> {};

// Each decode/ file next to PIL's Image.open(file).convert("RGB"), saved as a plain RGB PNG.
TEST_P(DecodeLikePil, GivesPilsRgb) {
  const std::string name = GetParam();
  const cv::Mat decoded = decode_image_rgb(test::image_fixture("decode/" + name));
  const cv::Mat expected = decode_image_rgb(
      test::image_fixture("decode/" + name.substr(0, name.rfind('.')) + ".rgb.png"));
  ASSERT_EQ(decoded.type(), CV_8UC3);
  ASSERT_EQ(decoded.size(), expected.size());
  EXPECT_EQ(test::max_abs_difference(decoded, expected), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DecodeLikePil,
                         ::testing::Values("grey_8x6.png", "grey_alpha_8x6.png", "rgba_8x6.png",
                                           "palette_8x6.png", "exif_rotated_24x18.jpg"),
                         [](const ::testing::TestParamInfo<const char*>& instance) {
                           std::string name = instance.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(DecodeImageRgb, ReturnsRgbOrderNotOpenCvsBgr) {
  const cv::Mat tiny = decode_image_rgb(test::image_fixture("sources/tiny_5x3.png"));
  ASSERT_EQ(tiny.size(), cv::Size(5, 3));
  EXPECT_EQ(test::pixel_at(tiny, 0, 0), (test::Rgb{255, 0, 0}));
  EXPECT_EQ(test::pixel_at(tiny, 2, 0), (test::Rgb{0, 0, 255}));
  EXPECT_EQ(test::pixel_at(tiny, 3, 2), (test::Rgb{255, 255, 255}));
}

TEST(DecodeImageRgb, KeepsTheStoredOrientationLikePil) {
  // Stored 24x18 with EXIF orientation 6 ("rotate 90"): PIL's open ignores the tag.
  EXPECT_EQ(decode_image_rgb(test::image_fixture("decode/exif_rotated_24x18.jpg")).size(),
            cv::Size(24, 18));
}

// WebP (lossless) and BMP, the other two formats LLaVA's data holds, through the same path: write a
// known image with OpenCV (which stores BGR), read it back as RGB.
TEST(DecodeImageRgb, ReadsLosslessWebpAndBmp) {
  const cv::Mat rgb = decode_image_rgb(test::image_fixture("sources/noise_64x48.png"));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  const auto folder = std::filesystem::temp_directory_path() / ("vdep-formats-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  ASSERT_TRUE(cv::imwrite((folder / "noise.webp").string(), bgr, {cv::IMWRITE_WEBP_QUALITY, 101}));
  ASSERT_TRUE(cv::imwrite((folder / "noise.bmp").string(), bgr));
  EXPECT_EQ(test::max_abs_difference(decode_image_rgb(folder / "noise.webp"), rgb), 0.0);
  EXPECT_EQ(test::max_abs_difference(decode_image_rgb(folder / "noise.bmp"), rgb), 0.0);
  std::filesystem::remove_all(folder);
}

class DecodeFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ =
        std::filesystem::temp_directory_path() / ("vdep-decode-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::string error_for(const std::filesystem::path& path) {
    try {
      decode_image_rgb(path);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error for " << path;
    return {};
  }

  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    const auto path = folder_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::filesystem::path folder_;
};

TEST_F(DecodeFailure, NamesAMissingFile) {
  const auto path = folder_ / "missing.jpg";
  const std::string error = error_for(path);
  EXPECT_CONTAINS(error, path.string());
  EXPECT_CONTAINS(error, "No such file");
}

TEST_F(DecodeFailure, NamesACorruptFile) {
  const auto path = write("corrupt.png", "\x89PNG\r\n\x1a\n this is not the rest of a PNG");
  const std::string error = error_for(path);
  EXPECT_CONTAINS(error, path.string());
  EXPECT_CONTAINS(error, "not a valid");
}

TEST_F(DecodeFailure, NamesAnEmptyFileAndAFolder) {
  const auto empty = write("empty.jpg", "");
  EXPECT_CONTAINS(error_for(empty), empty.string() + ": the file is empty");
  EXPECT_CONTAINS(error_for(folder_), "is a folder");
}

}  // namespace
}  // namespace vdep
