// shapes.json: the options a `shapes` dataset folder was generated with, so that a later reader can
// tell whether the folder holds the dataset its configuration describes.
#pragma once

#include <string>

#include <vdep/shapes_dataset.h>

namespace vdep {

inline constexpr const char* kShapesOptionsFileName = "shapes.json";

// The file's text: one JSON object of the options that decide the dataset's content.
std::string shapes_options_json(const ShapesDatasetOptions& options);

}  // namespace vdep
