// Turns a decoded RGB image into the pixel tensor a CLIP or SigLIP encoder expects, with the
// numbers HF's CLIPImageProcessor / SiglipImageProcessor (and LLaVA's padding) would give.
#pragma once

#include <array>

#include <ATen/core/Tensor.h>
#include <opencv2/core/mat.hpp>

#include <vdep/image_processor_config.h>

namespace vdep {

// LLaVA's expand2square (image_aspect_ratio = "pad"): a new square image of side max(w, h) filled
// with `fill` (RGB, 0..255), the image pasted centred, rounding its offset down.
cv::Mat expand_to_square(const cv::Mat& rgb8, std::array<int, 3> fill);

// LLaVA's fill colour: `tuple(int(x * 255) for x in image_processor.image_mean)`, truncated, so
// CLIP's mean gives (122, 116, 104) where rounding would give (123, 117, 104).
std::array<int, 3> mean_fill_colour(const ImageProcessorConfig& config);

// The size HF resizes an image of `image` size to: size x size (Exact), or the short side made
// `size` and the long side `int(size * long / short)`, rounded down (ShortestEdge).
cv::Size resize_output_size(cv::Size image, const ImageProcessorConfig& config);

// HF's center_crop to side x side: offsets (h - side) // 2 and (w - side) // 2; along a side
// shorter than `side`, the image is centred on black instead, rounding its offset up.
cv::Mat center_crop(const cv::Mat& rgb8, int side);

// The whole pipeline on an 8-bit RGB image: optionally expand_to_square with the mean colour,
// resize with PIL's bicubic, centre crop when config.do_center_crop, then
// (value * rescale_factor - mean) / std per channel, in float32 as HF computes it. Returns a
// contiguous float32 [3, height, width] tensor (channels R, G, B). Throws std::invalid_argument
// for an empty or non-CV_8UC3 image or a config with a side below 1.
at::Tensor preprocess_image(const cv::Mat& rgb8, const ImageProcessorConfig& config,
                            bool pad_to_square);

}  // namespace vdep
