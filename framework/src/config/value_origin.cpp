#include "config/value_origin.h"

#include <memory>
#include <utility>

namespace vdep {

namespace {

constexpr std::string_view kEnvironmentPrefix = "$env:";

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The experiment file the region points into, without the environment marker.
std::string file_of(const toml::source_region& region) {
  if (!region.path) return {};
  std::string_view path = *region.path;
  if (starts_with(path, kEnvironmentPrefix)) path.remove_prefix(kEnvironmentPrefix.size());
  return std::string(path);
}

}  // namespace

ValueOrigin origin_of(const toml::source_region& region) {
  if (!region.path) return ValueOrigin::Default;
  if (*region.path == kOverrideSource) return ValueOrigin::Override;
  if (starts_with(*region.path, kEnvironmentPrefix)) return ValueOrigin::Environment;
  return ValueOrigin::File;
}

toml::source_region override_region() {
  toml::source_region region{};  // line and column 0: an override has neither
  region.path = std::make_shared<const std::string>(kOverrideSource);
  return region;
}

toml::source_region environment_region(const toml::source_region& file_region) {
  toml::source_region region = file_region;
  region.path = std::make_shared<const std::string>(std::string(kEnvironmentPrefix) +
                                                    file_of(file_region));
  return region;
}

ConfigDiagnostic diagnostic_at(const toml::source_region& region, std::string key,
                               std::string message, const std::string& fallback_file) {
  ConfigDiagnostic diagnostic;
  diagnostic.key = std::move(key);
  diagnostic.message = std::move(message);
  switch (origin_of(region)) {
    case ValueOrigin::Default:
      diagnostic.file = fallback_file;
      break;
    case ValueOrigin::Override:
      diagnostic.file = std::string(kOverrideSource);
      break;
    case ValueOrigin::File:
    case ValueOrigin::Environment:
      diagnostic.file = file_of(region);
      diagnostic.line = static_cast<int>(region.begin.line);
      diagnostic.column = static_cast<int>(region.begin.column);
      break;
  }
  return diagnostic;
}

std::filesystem::path base_folder(const toml::source_region& region,
                                  const std::filesystem::path& default_folder) {
  switch (origin_of(region)) {
    case ValueOrigin::File: return std::filesystem::path(*region.path).parent_path();
    case ValueOrigin::Override:
    case ValueOrigin::Environment: return std::filesystem::current_path();
    case ValueOrigin::Default: break;
  }
  return default_folder;
}

}  // namespace vdep
