#include "run/experiment_setup.h"

#include "config/experiment_schema.h"

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
  validate_experiment(experiment.config, request.file, experiment.plugins, options);
  return experiment;
}

}  // namespace vdep
