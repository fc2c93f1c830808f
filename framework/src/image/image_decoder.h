// Reading image files into the RGB pixels the preprocessor works on.
#pragma once

#include <filesystem>

#include <opencv2/core/mat.hpp>

namespace vdep {

// Decodes a JPEG, PNG, WebP or BMP file into an 8-bit 3-channel RGB image, as LLaVA's
// `Image.open(path).convert("RGB")` does: grey becomes three equal channels, alpha is dropped
// (not blended), and EXIF orientation is ignored. (16-bit files are the one known difference:
// OpenCV keeps their high byte, PIL clips 16-bit grey at 255.)
// Throws std::runtime_error naming the path and the reason when the file is missing,
// unreadable, or not an image OpenCV can decode.
cv::Mat decode_image_rgb(const std::filesystem::path& path);

}  // namespace vdep
