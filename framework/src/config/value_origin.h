// Where a value of a loaded experiment came from, read from its toml++ source region. The loader
// keeps every node's region through merging, and uses two source paths besides absolute file
// paths:
//   "--set"          a command-line override (no line or column)
//   "$env:" + FILE   a string in FILE that starts with ${env.NAME}
// The second keeps diagnostics pointing into FILE while a path in such a string resolves against
// the current directory, as the shell that set the variable would, and while validation parses
// it into its key's type as it does --set text.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "config/config_error.h"

namespace vdep {

enum class ValueOrigin {
  File,         // written in an experiment file
  Override,     // --set
  Environment,  // starts with ${env.NAME}
  Default,      // filled in by validation: no region
};

inline constexpr std::string_view kOverrideSource = "--set";

ValueOrigin origin_of(const toml::source_region& region);

// The region of a --set value.
toml::source_region override_region();

// `file_region` (in an experiment file) marked as starting with an environment variable.
toml::source_region environment_region(const toml::source_region& file_region);

// A diagnostic at `region`; values without one (defaults) are reported against `fallback_file`.
ConfigDiagnostic diagnostic_at(const toml::source_region& region, std::string key,
                               std::string message, const std::string& fallback_file = {});

// The folder that a relative path written at `region` is relative to: its file's folder, the
// current directory for --set and environment values, `default_folder` for defaults.
std::filesystem::path base_folder(const toml::source_region& region,
                                  const std::filesystem::path& default_folder);

}  // namespace vdep
