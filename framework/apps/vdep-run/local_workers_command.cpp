// `vdep-run EXPERIMENT.toml --nproc-per-node N`: the same run as N local worker processes of this
// binary, which find each other from torchrun's environment variables.
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <spdlog/spdlog.h>

#include "commands.h"
#include "dist/worker_launcher.h"
#include "usage_error.h"

namespace vdep {

int run_local_workers_command(const CommandLine& line, int argc, char** argv) {
  if (std::getenv("RANK") != nullptr) {
    throw UsageError("--nproc-per-node starts workers itself; do not combine it with torchrun/srun (RANK is set)");
  }
  WorkerLaunchOptions options;
  // The binary itself rather than argv[0], which may be a bare name found on PATH.
  options.command.push_back(std::filesystem::read_symlink("/proc/self/exe").string());
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--nproc-per-node") {
      ++i;  // and its value
    } else if (argument.rfind("--nproc-per-node=", 0) != 0) {
      options.command.emplace_back(argument);
    }
  }
  options.workers = static_cast<int>(line.nproc_per_node);
  options.master_port = free_tcp_port(options.master_addr);
  spdlog::info("starting {} workers on {}:{}", options.workers, options.master_addr, options.master_port);
  return launch_local_workers(options);
}

}  // namespace vdep
