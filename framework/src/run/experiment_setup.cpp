#include "run/experiment_setup.h"

#include <utility>

#include "config/experiment_schema.h"
#include "run/experiment_files.h"

namespace vdep {

Experiment open_experiment(const ExperimentRequest& request) {
  Experiment experiment;
  experiment.file = request.file;
  experiment.config = load_experiment(request.file, request.overrides);
  experiment.plugin_folders = plugin_search_path(
      request.plugin_paths, validate_plugin_folders(experiment.config, request.file));
  experiment.plugins.load_folders(folder_paths(experiment.plugin_folders));

  ValidationOptions options;
  options.check_paths_exist = request.check_paths_exist;
  std::vector<ConfigDiagnostic> problems =
      experiment_diagnostics(experiment.config, request.file, experiment.plugins, options);
  if (request.check_file_contents) {
    for (ConfigDiagnostic& missing : missing_experiment_files(experiment.config, request.file)) {
      problems.push_back(std::move(missing));
    }
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return experiment;
}

}  // namespace vdep
