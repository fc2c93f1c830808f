// Reading an experiment: the file, the files it is based on, --set overrides and ${...}
// interpolation, merged into one table ready for validation (experiment_schema.h).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace vdep {

// One `--set KEY=VALUE`.
struct ConfigOverride {
  std::string key;    // '.'-separated address, see key_path.h
  std::string value;  // raw text; validation parses it into the key's type
};

// Parses the text of `--set` ("a.b.c=value"). Throws UsageError on a missing '=' or a bad key.
ConfigOverride parse_override(std::string_view text);

// Reads `file` and its `base` chain, applies `overrides`, then expands ${env.NAME} and ${a.b}.
//
// `base = "x.toml"` or `base = ["x.toml", "y.toml"]` names files (relative to the folder of the
// file that says so) that are loaded first and merged in order, the including file last: tables
// merge key by key, anything else (values, arrays, arrays of tables) is replaced whole.
//
// Every node keeps its source region, whose path is the absolute path of the file that wrote it
// (see value_origin.h), so that relative paths resolve against that file's folder.
//
// Throws UsageError when `file` does not exist, ConfigError for anything wrong inside the files.
toml::table load_experiment(const std::filesystem::path& file,
                            const std::vector<ConfigOverride>& overrides);

}  // namespace vdep
