// Shared by the configuration tests: a plugin catalog built from PluginInfo structs (no plugin
// libraries), a temporary folder per test, and shortcuts to load, validate and catch.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config_error.h"
#include "config/experiment_loader.h"
#include "config/experiment_schema.h"
#include "config/toml_writer.h"
#include "plugins/plugin_catalog.h"

namespace vdep::test {

namespace fs = std::filesystem;

inline PluginInfo plugin_info(PluginKind kind, const char* name, const ParamSpec* params,
                              std::size_t num_params) {
  PluginInfo info{};
  info.kind = kind;
  info.name = name;
  info.version = "0.1.0";
  info.description = "test plugin";
  info.params = params;
  info.num_params = num_params;
  return info;
}

inline const ParamSpec kVdepParams[] = {
    {"alpha", ParamType::Float, "1e-3", "Weight of the loss.", 0.0, 1.0, nullptr},
    {"variant", ParamType::String, "l2", "Distance.", -kUnbounded, kUnbounded,
     "l2|sigmoid_l2|inv_l2"},
    {"shift", ParamType::Int, "1", "Token shift.", 0, 1, nullptr},
    {"detach_target", ParamType::Bool, "false", "Stop gradients.", -kUnbounded, kUnbounded,
     nullptr},
};
inline const ParamSpec kImageTextParams[] = {
    {"root", ParamType::Path, nullptr, "Image folder.", -kUnbounded, kUnbounded, nullptr},
    {"captions", ParamType::Path, "", "Caption file.", -kUnbounded, kUnbounded, nullptr},
    {"max_samples", ParamType::Int, "-1", "Limit.", -1, kUnbounded, nullptr},
};
inline const ParamSpec kClipParams[] = {
    {"weights", ParamType::Path, "", "Checkpoint folder.", -kUnbounded, kUnbounded, nullptr},
    {"image_size", ParamType::Int, "336", "Input size.", 1, kUnbounded, nullptr},
};
inline const ParamSpec kTinyLlmParams[] = {
    {"tokenizer", ParamType::Path, "tokenizer.json", "Tokenizer file.", -kUnbounded, kUnbounded,
     nullptr},
};
inline const ParamSpec kBrokenParams[] = {
    {"scale", ParamType::Float, "fast", "A default that is not a float.", -kUnbounded,
     kUnbounded, nullptr},
};

// Objectives "lm" (no parameters) and "vdep"; dataset "image_text"; encoder "clip"; llm
// "tiny_llm"; on request, objective "broken".
class FakePluginCatalog : public PluginCatalog {
 public:
  FakePluginCatalog()
      : plugins_{plugin_info(PluginKind::Objective, "lm", nullptr, 0),
                 plugin_info(PluginKind::Objective, "vdep", kVdepParams, param_count(kVdepParams)),
                 plugin_info(PluginKind::Dataset, "image_text", kImageTextParams,
                             param_count(kImageTextParams)),
                 plugin_info(PluginKind::Encoder, "clip", kClipParams, param_count(kClipParams)),
                 plugin_info(PluginKind::Llm, "tiny_llm", kTinyLlmParams,
                             param_count(kTinyLlmParams))} {}

  void add_broken_objective() {
    plugins_.push_back(
        plugin_info(PluginKind::Objective, "broken", kBrokenParams, param_count(kBrokenParams)));
  }

  const PluginInfo* find(PluginKind kind, std::string_view name) const override {
    for (const PluginInfo& info : plugins_) {
      if (info.kind == kind && name == info.name) return &info;
    }
    return nullptr;
  }

  std::vector<std::string> names(PluginKind kind) const override {
    std::vector<std::string> found;
    for (const PluginInfo& info : plugins_) {
      if (info.kind == kind) found.emplace_back(info.name);
    }
    std::sort(found.begin(), found.end());
    return found;
  }

 private:
  std::vector<PluginInfo> plugins_;
};

// The checked-in fixture at `relative` (under tests/fixtures/config), as the loader names it.
inline fs::path fixture(const std::string& relative) {
  return (fs::path(VDEP_CONFIG_FIXTURES) / relative).lexically_normal();
}

// A fresh folder under the system's temporary folder, removed with everything in it.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "vdep-config-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const fs::path& path() const { return path_; }

  // Writes `text` to `relative` (creating folders) and returns its absolute path.
  fs::path write(const std::string& relative, std::string_view text) const {
    const fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

 private:
  fs::path path_;
};

// Sets an environment variable for the lifetime of the object.
class ScopedEnvironment {
 public:
  ScopedEnvironment(std::string name, const std::string& value) : name_(std::move(name)) {
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnvironment() { ::unsetenv(name_.c_str()); }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::string name_;
};

inline toml::table load_and_validate(const fs::path& file,
                                     const std::vector<ConfigOverride>& overrides = {},
                                     ValidationOptions options = {}) {
  toml::table table = load_experiment(file, overrides);
  FakePluginCatalog catalog;
  validate_experiment(table, file, catalog, options);
  return table;
}

// The diagnostics, one string each, of the ConfigError that `action` throws; fails the test when
// it throws none.
template <typename Action>
std::vector<std::string> config_errors(Action&& action) {
  try {
    action();
  } catch (const ConfigError& error) {
    std::vector<std::string> lines;
    for (const ConfigDiagnostic& diagnostic : error.diagnostics()) {
      lines.push_back(to_string(diagnostic));
    }
    return lines;
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {};
}

inline std::vector<std::string> validation_errors(const fs::path& file,
                                                  const std::vector<ConfigOverride>& overrides = {},
                                                  ValidationOptions options = {}) {
  return config_errors([&] { load_and_validate(file, overrides, options); });
}

}  // namespace vdep::test
