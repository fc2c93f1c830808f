#include <vdep/image_processor_config.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "config/config_error.h"

namespace vdep {

namespace {

using nlohmann::json;
using Resize = ImageProcessorConfig::Resize;

// Sides beyond this are typos, not encoders.
constexpr int kLargestSide = 16384;

// A bare integer `size` is read by HF's processor classes as they see fit.
Resize resize_for_integer_size(const std::string& processor_type, Resize otherwise) {
  if (processor_type.find("Siglip") != std::string::npos) return Resize::Exact;
  if (processor_type.find("CLIP") != std::string::npos) return Resize::ShortestEdge;
  return otherwise;
}

class PreprocessorConfigReader {
 public:
  PreprocessorConfigReader(std::filesystem::path file, const json& root)
      : file_(std::move(file)), root_(root) {}

  ImageProcessorConfig read(ImageProcessorConfig config) const {
    const std::string type = processor_type();
    if (const json* value = find("do_resize"); value && !boolean("do_resize", *value)) {
      fail("do_resize", "false is not supported: the encoder needs a fixed input size");
    }
    if (const json* value = find("resample")) {
      if (!value->is_number_integer() || value->get<long long>() != 3) {
        fail("resample", "is " + value->dump() + "; vdep implements only 3 (PIL's bicubic)");
      }
    }
    if (const json* value = find("size")) {
      if (value->is_object() && value->contains("shortest_edge")) {
        expect_only_keys("size", *value, {"shortest_edge"});
        config.size = side("size.shortest_edge", value->at("shortest_edge"));
        config.resize = Resize::ShortestEdge;
      } else if (value->is_object()) {
        config.size = square_side("size", *value);
        config.resize = Resize::Exact;
      } else {
        config.size = side("size", *value);
        config.resize = resize_for_integer_size(type, config.resize);
      }
    }
    if (const json* value = find("crop_size")) {
      config.crop_size =
          value->is_object() ? square_side("crop_size", *value) : side("crop_size", *value);
    }
    if (const json* value = find("do_center_crop")) {
      config.do_center_crop = boolean("do_center_crop", *value);
    }
    // SiglipImageProcessor has no crop step at all.
    if (type.find("Siglip") != std::string::npos) config.do_center_crop = false;
    if (const json* value = find("rescale_factor")) {
      config.rescale_factor = positive_number("rescale_factor", *value);
    }
    if (const json* value = find("do_rescale"); value && !boolean("do_rescale", *value)) {
      config.rescale_factor = 1.0;
    }
    if (const json* value = find("image_mean")) config.mean = per_channel("image_mean", *value);
    if (const json* value = find("image_std")) {
      config.std = per_channel("image_std", *value);
      for (const double deviation : config.std) {
        if (!(deviation > 0.0))
          fail("image_std", "expected positive numbers, got " + value->dump());
      }
    }
    if (const json* value = find("do_normalize"); value && !boolean("do_normalize", *value)) {
      config.mean = {0.0, 0.0, 0.0};
      config.std = {1.0, 1.0, 1.0};
    }
    return config;
  }

 private:
  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw ConfigError(ConfigDiagnostic{file_.string(), 0, 0, key, message});
  }

  const json* find(const char* key) const {
    const auto it = root_.find(key);
    return it == root_.end() ? nullptr : &*it;
  }

  std::string processor_type() const {
    for (const char* key : {"image_processor_type", "feature_extractor_type"}) {
      if (const json* value = find(key)) {
        if (!value->is_string()) fail(key, "expected a string, got " + value->dump());
        return value->get<std::string>();
      }
    }
    return {};
  }

  bool boolean(const std::string& key, const json& value) const {
    if (!value.is_boolean()) fail(key, "expected true or false, got " + value.dump());
    return value.get<bool>();
  }

  int side(const std::string& key, const json& value) const {
    if (!value.is_number_integer() || value.get<long long>() < 1 ||
        value.get<long long>() > kLargestSide) {
      fail(key, "expected an integer from 1 to " + std::to_string(kLargestSide) + ", got " +
                    value.dump());
    }
    return value.get<int>();
  }

  // vdep's configuration has one side: a rectangle would be resized to the wrong shape.
  int square_side(const std::string& key, const json& value) const {
    expect_only_keys(key, value, {"height", "width"});
    if (!value.contains("height") || !value.contains("width")) {
      fail(key, "expected {\"height\": N, \"width\": N}, got " + value.dump());
    }
    const int height = side(key + ".height", value.at("height"));
    const int width = side(key + ".width", value.at("width"));
    if (height != width) {
      fail(key, "height and width differ in " + value.dump() + "; only squares are supported");
    }
    return height;
  }

  void expect_only_keys(const std::string& key, const json& value,
                        std::initializer_list<const char*> allowed) const {
    for (const auto& item : value.items()) {
      bool known = false;
      for (const char* name : allowed) known = known || item.key() == name;
      if (!known) fail(key + "." + item.key(), "not supported by vdep (in " + value.dump() + ")");
    }
  }

  double positive_number(const std::string& key, const json& value) const {
    if (!value.is_number() || !(value.get<double>() > 0.0)) {
      fail(key, "expected a positive number, got " + value.dump());
    }
    return value.get<double>();
  }

  // HF accepts one number for all channels, or one per channel.
  std::array<double, 3> per_channel(const std::string& key, const json& value) const {
    if (value.is_number()) return {value.get<double>(), value.get<double>(), value.get<double>()};
    const bool three_numbers = value.is_array() && value.size() == 3 && value[0].is_number() &&
                               value[1].is_number() && value[2].is_number();
    if (!three_numbers)
      fail(key, "expected 3 numbers (R, G, B) or one number, got " + value.dump());
    return {value[0].get<double>(), value[1].get<double>(), value[2].get<double>()};
  }

  std::filesystem::path file_;
  const json& root_;
};

}  // namespace

ImageProcessorConfig read_preprocessor_config(const std::filesystem::path& json_file,
                                              ImageProcessorConfig defaults) {
  const auto fail = [&](const std::string& message) {
    throw ConfigError(ConfigDiagnostic{json_file.string(), 0, 0, "", message});
  };
  std::ifstream in(json_file, std::ios::binary);
  if (!in) fail(std::string("cannot read: ") + std::strerror(errno));
  json root;
  try {
    root = json::parse(in);
  } catch (const json::parse_error& e) {
    fail(e.what());
  }
  if (!root.is_object()) fail("expected a JSON object, got " + root.dump());
  return PreprocessorConfigReader(json_file, root).read(defaults);
}

}  // namespace vdep
