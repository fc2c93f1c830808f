// vdep-run: the host runtime's command line.
#include <cstdio>
#include <exception>

#include <vdep/version.h>

#include "command_line.h"
#include "commands.h"
#include "config/config_error.h"
#include "run/logging.h"
#include "usage_error.h"

int main(int argc, char** argv) {
  using namespace vdep;
  try {
    const CommandLine line = parse_command_line(argc, argv);
    // Log lines go to stderr from the start, so that stdout carries only a command's output
    // (tables, JSON, TOML); a run adds its log file once its folder exists.
    configure_logging(line.log_level, std::nullopt);
    switch (line.command) {
      case Command::Help: std::fputs(kUsage, stdout); return 0;
      case Command::Version:
        std::printf("vdep %s (SDK ABI %u, LibTorch %s, %s)\n", kVersion, kSdkAbiVersion,
                    kTorchVersion, kCompilerId);
        return 0;
      case Command::Plugins: return run_plugins_command(line);
      case Command::Config: return run_config_command(line);
      case Command::Check: return run_check_command(line);
      case Command::Run:
        return line.nproc_per_node > 1 ? run_local_workers_command(line, argc, argv) : run_experiment_command(line);
      case Command::Probe:
        if (line.operands.front() == "llm") return run_probe_llm_command(line);
        if (line.operands.front() == "data") return run_probe_data_command(line);
        return run_probe_encoder_command(line);
      case Command::Tokenize: return run_tokenize_command(line);
      case Command::Data: return run_data_command(line);
    }
  } catch (const ConfigError& error) {
    // Each diagnostic is already a complete "file:line:col: error: ..." line.
    std::fprintf(stderr, "%s\n", error.what());
    record_failure_in_log_file(error.what());
    return 2;
  } catch (const UsageError& error) {
    std::fprintf(stderr, "vdep-run: error: %s\n", error.what());
    if (argc < 2) std::fputs(kUsage, stderr);
    record_failure_in_log_file(error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "vdep-run: failed: %s\n", error.what());
    record_failure_in_log_file(error.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "vdep-run: failed: unknown exception\n");
    record_failure_in_log_file("unknown exception");
    return 1;
  }
  return 1;
}
