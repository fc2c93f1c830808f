// The subcommands of vdep-run. Each returns the process exit code; errors are thrown
// (UsageError → 2, anything else → 1).
#pragma once

#include "command_line.h"
#include "run/experiment_setup.h"

namespace vdep {

// The experiment named on the command line, with its --set and --plugin-path values.
ExperimentRequest experiment_request(const CommandLine& line, bool check_paths_exist);

int run_plugins_command(const CommandLine& line);
int run_config_command(const CommandLine& line);
int run_check_command(const CommandLine& line);
int run_experiment_command(const CommandLine& line);
// A run with --nproc-per-node N > 1: this binary again as N workers, given `argv` without that option.
int run_local_workers_command(const CommandLine& line, int argc, char** argv);
int run_probe_encoder_command(const CommandLine& line);
int run_probe_llm_command(const CommandLine& line);
int run_probe_data_command(const CommandLine& line);
int run_tokenize_command(const CommandLine& line);
int run_data_command(const CommandLine& line);

}  // namespace vdep
