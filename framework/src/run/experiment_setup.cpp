#include "run/experiment_setup.h"

#include "config/experiment_schema.h"

namespace vdep {

namespace {

// `[plugins] paths` is needed before validation (it decides which plugin schemas exist), so it is
// read from the raw table here; validation later checks its type like any other key.
std::vector<std::filesystem::path> experiment_plugin_paths(const toml::table& config) {
  std::vector<std::filesystem::path> paths;
  const toml::array* entries = config["plugins"]["paths"].as_array();
  if (entries == nullptr) return paths;
  for (const auto& entry : *entries) {
    const auto* text = entry.as_string();
    if (text == nullptr) continue;
    std::filesystem::path path = text->get();
    const auto& source = entry.source().path;
    if (path.is_relative() && source && std::filesystem::path(*source).is_absolute()) {
      path = std::filesystem::path(*source).parent_path() / path;
    }
    paths.push_back(path);
  }
  return paths;
}

}  // namespace

Experiment open_experiment(const ExperimentRequest& request) {
  Experiment experiment;
  experiment.file = request.file;
  experiment.config = load_experiment(request.file, request.overrides);
  experiment.plugin_folders =
      plugin_search_path(request.plugin_paths, experiment_plugin_paths(experiment.config));
  experiment.plugins.load_folders(folder_paths(experiment.plugin_folders));

  ValidationOptions options;
  options.check_paths_exist = request.check_paths_exist;
  validate_experiment(experiment.config, request.file, experiment.plugins, options);
  return experiment;
}

}  // namespace vdep
