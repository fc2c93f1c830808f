// Pillow's bicubic resize, reproduced bit for bit for 8-bit RGB images.
//
// HF's CLIP and SigLIP image processors resize with PIL, and the pretrained encoders only ever saw
// PIL's pixels. PIL widens its filter by the downscale factor (so it averages over every source
// pixel, antialiasing), while cv::resize's INTER_CUBIC always samples 4 pixels and aliases on
// high-frequency content; INTER_AREA is closer but still not the same.
#pragma once

#include <opencv2/core/mat.hpp>

namespace vdep {

// Equals Pillow's `Image.resize((width, height), Image.BICUBIC)` on a CV_8UC3 image, including
// the 8-bit fixed-point arithmetic and the rounding to 8 bits between its horizontal and vertical
// passes. Throws std::invalid_argument for another type, an empty image or a size below 1.
cv::Mat resize_bicubic_like_pil(const cv::Mat& rgb8, int width, int height);

}  // namespace vdep
