// The subcommands of vdep-run. Each returns the process exit code; errors are thrown
// (UsageError → 2, anything else → 1).
#pragma once

#include "command_line.h"

namespace vdep {

int run_plugins_command(const CommandLine& line);
int run_config_command(const CommandLine& line);
int run_check_command(const CommandLine& line);
int run_experiment_command(const CommandLine& line);

}  // namespace vdep
