// Writing images as PNG files.
#pragma once

#include <filesystem>

#include <opencv2/core/mat.hpp>

namespace vdep {

// Writes an 8-bit 3-channel RGB image (decode_image_rgb's layout) to `path` as a PNG, atomically
// (see AtomicFileWriter). The same pixels always give the same bytes. Throws std::runtime_error
// naming the path when the image cannot be encoded or the file cannot be written.
void write_png_rgb(const std::filesystem::path& path, const cv::Mat& rgb);

}  // namespace vdep
