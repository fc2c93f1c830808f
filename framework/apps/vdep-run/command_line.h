// vdep-run's command line: a subcommand, its operands and the options they share.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/experiment_loader.h"

namespace vdep {

enum class Command { Run, Plugins, Config, Check, Probe, Tokenize, Help, Version };

struct CommandLine {
  Command command = Command::Help;
  std::vector<std::string> operands;               // after the subcommand
  std::vector<ConfigOverride> overrides;           // --set KEY=VALUE (repeatable)
  std::vector<std::filesystem::path> plugin_paths;  // --plugin-path DIR (repeatable)
  std::string log_level = "info";                  // --log-level LEVEL
  bool json = false;                               // --json (plugins)

  // probe
  std::string plugin;                        // --plugin NAME
  std::filesystem::path weights;             // --weights DIR
  std::filesystem::path image;               // --image FILE
  std::filesystem::path dump;                // --dump FILE.safetensors
  std::vector<ConfigOverride> plugin_params;  // --param KEY=VALUE (repeatable)
  std::string aspect = "pad";                // --aspect pad|square

  // tokenize
  std::filesystem::path tokenizer;  // --tokenizer PATH
  bool jsonl = false;               // --jsonl
  bool no_special = false;          // --no-special
};

// Throws UsageError with a message that says what is wrong and what was expected.
CommandLine parse_command_line(int argc, char** argv);

extern const char* const kUsage;

}  // namespace vdep
