#include "command_line.h"

#include <string_view>

#include "text/nearest_match.h"
#include "usage_error.h"

namespace vdep {

const char* const kUsage =
    "usage:\n"
    "  vdep-run EXPERIMENT.toml [--set KEY=VALUE]... [--plugin-path DIR]... [--log-level LEVEL]\n"
    "      run the experiment; writes runs/<name>/ (config.toml, run.log)\n"
    "  vdep-run plugins [NAME] [--json] [--plugin-path DIR]...\n"
    "      list the plugins found, or print one plugin's parameters\n"
    "  vdep-run config EXPERIMENT.toml [--set KEY=VALUE]... [--plugin-path DIR]...\n"
    "      print the fully resolved experiment (bases, overrides, defaults) as TOML\n"
    "  vdep-run check EXPERIMENT.toml [--set KEY=VALUE]... [--plugin-path DIR]...\n"
    "      validate the experiment, its plugin parameters and every file it names, without running\n"
    "  vdep-run --help | --version\n"
    "\n"
    "Plugins are searched in --plugin-path folders, then VDEP_PLUGIN_PATH (colon-separated), then\n"
    "the experiment's [plugins] paths, then the plugins installed with vdep.\n"
    "Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.\n";

namespace {

const std::vector<std::string> kSubcommands = {"plugins", "config", "check"};
const std::vector<std::string> kOptions = {"--set",  "--plugin-path", "--log-level",
                                           "--json", "--help",        "--version"};

bool is_experiment_file(std::string_view operand) {
  return operand.size() > 5 && operand.substr(operand.size() - 5) == ".toml";
}

}  // namespace

CommandLine parse_command_line(int argc, char** argv) {
  CommandLine line;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      if (const auto equals = arg.find('='); equals != std::string::npos) {
        value = arg.substr(equals + 1);
        arg = arg.substr(0, equals);
        has_inline_value = true;
      }
    }
    auto take_value = [&]() -> std::string {
      if (has_inline_value) return value;
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      return argv[++i];
    };

    if (arg == "--help" || arg == "-h") {
      line.command = Command::Help;
      return line;
    } else if (arg == "--version") {
      line.command = Command::Version;
      return line;
    } else if (arg == "--set") {
      line.overrides.push_back(parse_override(take_value()));
    } else if (arg == "--plugin-path") {
      line.plugin_paths.emplace_back(take_value());
    } else if (arg == "--log-level") {
      line.log_level = take_value();
    } else if (arg == "--json") {
      line.json = true;
    } else if (arg.rfind("-", 0) == 0 && arg.size() > 1) {
      std::string message = "unknown option '" + arg + "'";
      if (auto suggestion = nearest_match(arg, kOptions)) message += "; did you mean '" + *suggestion + "'?";
      throw UsageError(message);
    } else {
      positional.push_back(arg);
    }
  }

  if (positional.empty()) throw UsageError("no experiment file or subcommand given");
  const std::string& first = positional.front();
  if (first == "plugins") {
    line.command = Command::Plugins;
  } else if (first == "config") {
    line.command = Command::Config;
  } else if (first == "check") {
    line.command = Command::Check;
  } else if (is_experiment_file(first)) {
    line.command = Command::Run;
    line.operands.assign(positional.begin(), positional.end());
  } else {
    std::string message = "'" + first + "' is neither a subcommand (plugins, config, check) nor an experiment file (*.toml)";
    if (auto suggestion = nearest_match(first, kSubcommands)) message += "; did you mean '" + *suggestion + "'?";
    throw UsageError(message);
  }
  if (line.command != Command::Run) line.operands.assign(positional.begin() + 1, positional.end());

  switch (line.command) {
    case Command::Plugins:
      if (line.operands.size() > 1) throw UsageError("plugins takes at most one plugin name");
      break;
    case Command::Config:
    case Command::Check:
    case Command::Run:
      if (line.operands.size() != 1) {
        throw UsageError(std::string(line.command == Command::Run ? "a run" : first) +
                         " takes exactly one experiment file");
      }
      break;
    default: break;
  }
  if (line.json && line.command != Command::Plugins) throw UsageError("--json only applies to 'plugins'");
  return line;
}

}  // namespace vdep
