// A temporary folder of small solid-colour PNGs and the captioned examples that name them, with
// an image preparation whose output can be worked out by hand: a solid image stays solid through
// PIL's bicubic resize, and a mean of 0 and a std of 1 leave value / 255.
#pragma once

#include <array>
#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include <vdep/dataset.h>
#include <vdep/image_processor_config.h>

#include "image/png_encoder.h"
#include "support/temporary_folder.h"

namespace vdep::test {

class ImageExamplesTest : public TemporaryFolderTest {
 protected:
  // An 8x8 PNG of one RGB colour.
  std::filesystem::path solid_png(const std::string& name, std::array<int, 3> rgb) const {
    const auto path = folder_ / name;
    write_png_rgb(path, cv::Mat(8, 8, CV_8UC3, cv::Scalar(rgb[0], rgb[1], rgb[2])));
    return path;
  }

  // LLaVA's pre-training record: the brief-description request, the image, the caption.
  static DatasetExample captioned(std::string id, std::filesystem::path image, std::string caption) {
    return {std::move(id), {std::move(image)}, {{"human", "Describe the image briefly.\n<image>"}, {"gpt", std::move(caption)}}};
  }

  static ImageProcessorConfig four_pixels() {
    ImageProcessorConfig config;
    config.resize = ImageProcessorConfig::Resize::Exact;
    config.size = 4;
    config.crop_size = 4;
    config.do_center_crop = false;
    config.mean = {0.0, 0.0, 0.0};
    config.std = {1.0, 1.0, 1.0};
    return config;
  }
};

}  // namespace vdep::test
