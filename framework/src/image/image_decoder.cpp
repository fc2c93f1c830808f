#include "image/image_decoder.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace vdep {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& why) {
  throw std::runtime_error("cannot decode image " + path.string() + ": " + why);
}

// Read by us rather than by cv::imread, which reports every failure as an empty image: this way a
// missing or unreadable file is told apart from one that is not a valid image.
std::vector<unsigned char> read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::strerror(errno));
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  if (in.bad()) fail(path, std::strerror(errno));
  return bytes;
}

}  // namespace

cv::Mat decode_image_rgb(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) fail(path, "it is a folder");
  const std::vector<unsigned char> bytes = read_file_bytes(path);
  if (bytes.empty()) fail(path, "the file is empty");

  // PIL's Image.open does not apply the EXIF orientation, so the encoders were trained on
  // unrotated pixels; OpenCV would rotate them unless told not to.
  cv::Mat bgr;
  try {
    bgr = cv::imdecode(bytes, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    fail(path, e.what());
  }
  if (bgr.empty()) fail(path, "not a valid JPEG, PNG, WebP or BMP image (corrupt or unsupported)");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace vdep
