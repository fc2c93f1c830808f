// `vdep-run config` prints the resolved experiment; `vdep-run check` validates it without running.
#include <cstdio>

#include "commands.h"
#include "config/experiment_loader.h"
#include "config/toml_writer.h"
#include "run/experiment_setup.h"

namespace vdep {

ExperimentRequest experiment_request(const CommandLine& line, bool check_paths_exist) {
  ExperimentRequest request;
  request.file = line.operands.front();
  request.overrides = line.overrides;
  request.plugin_paths = line.plugin_paths;
  request.check_paths_exist = check_paths_exist;
  return request;
}

int run_config_command(const CommandLine& line) {
  const Experiment experiment = open_experiment(experiment_request(line, false));
  std::printf("%s\n", to_toml_string(experiment.config).c_str());
  return 0;
}

int run_check_command(const CommandLine& line) {
  ExperimentRequest request = experiment_request(line, true);
  // Not for runs: the data loader skips an example whose image is missing, and says so.
  request.check_file_contents = true;
  const Experiment experiment = open_experiment(request);
  const toml::array* stages = experiment.config["stage"].as_array();
  std::printf("%s: ok (experiment '%s', %zu stage(s), %zu plugin(s) available)\n",
              experiment.file.c_str(), experiment.config["name"].value_or(std::string()).c_str(),
              stages ? stages->size() : 0, experiment.plugins.all().size());
  return 0;
}

}  // namespace vdep
