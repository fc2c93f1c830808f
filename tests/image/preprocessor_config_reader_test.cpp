#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <unistd.h>

#include "config/config_error.h"
#include <vdep/image_processor_config.h>
#include "support/text_file.h"

namespace vdep {
namespace {

using Resize = ImageProcessorConfig::Resize;

// openai/clip-vit-large-patch14-336, as published.
constexpr const char* kClipJson = R"({
  "crop_size": 336,
  "do_center_crop": true,
  "do_normalize": true,
  "do_resize": true,
  "feature_extractor_type": "CLIPFeatureExtractor",
  "image_mean": [0.48145466, 0.4578275, 0.40821073],
  "image_std": [0.26862954, 0.26130258, 0.27577711],
  "resample": 3,
  "size": 336
})";

// google/siglip-so400m-patch14-384, as published.
constexpr const char* kSiglipJson = R"({
  "do_normalize": true,
  "do_rescale": true,
  "do_resize": true,
  "image_mean": [0.5, 0.5, 0.5],
  "image_processor_type": "SiglipImageProcessor",
  "image_std": [0.5, 0.5, 0.5],
  "processor_class": "SiglipProcessor",
  "resample": 3,
  "rescale_factor": 0.00392156862745098,
  "size": {"height": 384, "width": 384}
})";

class PreprocessorConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              ("vdep-preprocessor-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::filesystem::path write(const std::string& json) {
    const auto path = folder_ / "preprocessor_config.json";
    std::ofstream(path) << json;
    return path;
  }

  ImageProcessorConfig read(const std::string& json, ImageProcessorConfig defaults = {}) {
    return read_preprocessor_config(write(json), defaults);
  }

  // The error's text, which must name the file.
  std::string error_for(const std::string& json) {
    const auto path = write(json);
    try {
      read_preprocessor_config(path, {});
    } catch (const ConfigError& e) {
      EXPECT_CONTAINS(e.what(), path.string());
      return e.what();
    }
    ADD_FAILURE() << "no error for " << json;
    return {};
  }

  std::filesystem::path folder_;
};

// Defaults unlike either file, so that every value checked below comes from the file.
ImageProcessorConfig unlike_defaults() {
  ImageProcessorConfig defaults;
  defaults.resize = Resize::Exact;
  defaults.size = 7;
  defaults.crop_size = 7;
  defaults.do_center_crop = false;
  defaults.rescale_factor = 0.5;
  defaults.mean = {0.1, 0.1, 0.1};
  defaults.std = {2.0, 2.0, 2.0};
  return defaults;
}

TEST_F(PreprocessorConfigTest, ReadsClipsFile) {
  const ImageProcessorConfig config = read(kClipJson, unlike_defaults());
  EXPECT_EQ(config.resize, Resize::ShortestEdge);
  EXPECT_EQ(config.size, 336);
  EXPECT_EQ(config.crop_size, 336);
  EXPECT_TRUE(config.do_center_crop);
  EXPECT_EQ(config.rescale_factor, 0.5);  // the file leaves it to CLIP's own default
  EXPECT_EQ(config.mean, (std::array<double, 3>{0.48145466, 0.4578275, 0.40821073}));
  EXPECT_EQ(config.std, (std::array<double, 3>{0.26862954, 0.26130258, 0.27577711}));
}

TEST_F(PreprocessorConfigTest, ReadsSiglipsFileWhichNeverCrops) {
  ImageProcessorConfig defaults = unlike_defaults();
  defaults.do_center_crop = true;
  const ImageProcessorConfig config = read(kSiglipJson, defaults);
  EXPECT_EQ(config.resize, Resize::Exact);
  EXPECT_EQ(config.size, 384);
  EXPECT_FALSE(config.do_center_crop);
  EXPECT_EQ(config.rescale_factor, 0.00392156862745098);
  EXPECT_EQ(config.mean, (std::array<double, 3>{0.5, 0.5, 0.5}));
  EXPECT_EQ(config.std, (std::array<double, 3>{0.5, 0.5, 0.5}));
}

TEST_F(PreprocessorConfigTest, ReadsEachFormOfSize) {
  EXPECT_EQ(read(R"({"size": {"shortest_edge": 224}})", unlike_defaults()).resize,
            Resize::ShortestEdge);
  EXPECT_EQ(read(R"({"size": {"shortest_edge": 224}})", unlike_defaults()).size, 224);
  EXPECT_EQ(read(R"({"size": {"height": 224, "width": 224}})").resize, Resize::Exact);
  // A bare integer: SigLIP's class makes it a square, an unnamed class keeps the default's kind.
  EXPECT_EQ(read(R"({"size": 224, "image_processor_type": "SiglipImageProcessor"})").resize,
            Resize::Exact);
  EXPECT_EQ(read(R"({"size": 224})", unlike_defaults()).resize, Resize::Exact);
  EXPECT_EQ(read(R"({"size": 224})").resize, Resize::ShortestEdge);
  EXPECT_EQ(read(R"({"crop_size": {"height": 200, "width": 200}})").crop_size, 200);
}

TEST_F(PreprocessorConfigTest, TurnsDisabledStepsIntoNeutralValues) {
  const ImageProcessorConfig config = read(
      R"({"do_rescale": false, "do_normalize": false, "image_mean": 0.3, "rescale_factor": 0.1})");
  EXPECT_EQ(config.rescale_factor, 1.0);
  EXPECT_EQ(config.mean, (std::array<double, 3>{0.0, 0.0, 0.0}));
  EXPECT_EQ(config.std, (std::array<double, 3>{1.0, 1.0, 1.0}));
  EXPECT_EQ(read(R"({"image_std": 0.25})").std, (std::array<double, 3>{0.25, 0.25, 0.25}));
}

TEST_F(PreprocessorConfigTest, NamesTheKeyAndValueVdepCannotReproduce) {
  const std::string resample = error_for(R"({"resample": 2, "size": 384})");
  EXPECT_CONTAINS(resample, "error: resample: is 2;");
  EXPECT_CONTAINS(resample, "bicubic");
  EXPECT_CONTAINS(error_for(R"({"size": {"height": 384, "width": 512}})"),
                  "error: size: height and width differ");
  EXPECT_CONTAINS(error_for(R"({"size": {"shortest_edge": 336, "longest_edge": 672}})"),
                  "error: size.longest_edge: not supported");
  EXPECT_CONTAINS(error_for(R"({"crop_size": "336"})"), "error: crop_size: expected an integer");
  EXPECT_CONTAINS(error_for(R"({"size": 0})"), "error: size: expected an integer from 1");
  EXPECT_CONTAINS(error_for(R"({"do_resize": false})"), "error: do_resize: false is not supported");
  EXPECT_CONTAINS(error_for(R"({"do_center_crop": 1})"),
                  "error: do_center_crop: expected true or false");
  EXPECT_CONTAINS(error_for(R"({"image_mean": [0.5, 0.5]})"),
                  "error: image_mean: expected 3 numbers");
  EXPECT_CONTAINS(error_for(R"({"image_std": [0.5, 0, 0.5]})"),
                  "error: image_std: expected positive");
  EXPECT_CONTAINS(error_for(R"({"rescale_factor": -1})"),
                  "error: rescale_factor: expected a positive");
}

TEST_F(PreprocessorConfigTest, NamesAFileThatIsMissingOrNotJson) {
  EXPECT_CONTAINS(error_for(R"({"size": 336,})"), "parse error");
  EXPECT_CONTAINS(error_for("[336]"), "expected a JSON object");
  const auto missing = folder_ / "missing.json";
  try {
    read_preprocessor_config(missing, {});
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_CONTAINS(e.what(), missing.string() + ": error: cannot read: No such file");
  }
}

}  // namespace
}  // namespace vdep
