// Turns an experiment file and the command line into a validated experiment and its plugins:
// the common first step of `vdep-run config`, `check` and a run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/experiment_loader.h"
#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"

namespace vdep {

struct ExperimentRequest {
  std::filesystem::path file;
  std::vector<ConfigOverride> overrides;
  std::vector<std::filesystem::path> plugin_paths;  // from --plugin-path
  bool check_paths_exist = false;
  bool check_file_contents = false;  // also what weights, tokenizer and data folders hold (experiment_files.h)
};

struct Experiment {
  std::filesystem::path file;
  toml::table config;  // resolved and validated, every default filled in
  std::vector<PluginFolder> plugin_folders;
  PluginRegistry plugins;
};

// Loads the file (bases, overrides, interpolation), finds the plugins (command line,
// VDEP_PLUGIN_PATH, the experiment's [plugins] paths, bundled) and validates everything.
// Throws UsageError / ConfigError; one ConfigError lists every problem, missing files included.
Experiment open_experiment(const ExperimentRequest& request);

}  // namespace vdep
