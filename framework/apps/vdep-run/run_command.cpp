// `vdep-run EXPERIMENT.toml`: sets up the run folder and logging, then builds every component the
// experiment names through its plugin.
#include <spdlog/spdlog.h>

#include <vdep/objective.h>
#include <vdep/version.h>

#include "commands.h"
#include "config/experiment_loader.h"
#include "config/toml_writer.h"
#include "config/experiment_schema.h"
#include "run/experiment_setup.h"
#include "run/logging.h"
#include "run/run_directory.h"

namespace vdep {

namespace {

std::unique_ptr<Component> create_from_block(const PluginRegistry& plugins, PluginKind kind,
                                             const toml::table& block) {
  const std::string name = block["plugin"].value_or(std::string());
  const LoadedPlugin& plugin = plugins.get(kind, name);
  auto component = plugins.create(kind, name, plugin_params(block, *plugin.info));
  spdlog::info("  {} '{}' {} ({})", to_string(kind), name, plugin.info->version, plugin.file.string());
  return component;
}

}  // namespace

int run_experiment_command(const CommandLine& line) {
  const Experiment experiment = open_experiment(experiment_request(line, true));

  const std::string name = experiment.config["name"].value_or(std::string());
  const std::string output_dir = experiment.config["output_dir"].value_or(std::string("runs"));
  const RunDirectory run = prepare_run_directory(output_dir, name, to_toml_string(experiment.config));
  configure_logging(line.log_level, run.log_file);

  spdlog::info("vdep {} (LibTorch {}, {}): experiment '{}' from {}", kVersion, kTorchVersion,
               kCompilerId, name, std::filesystem::absolute(experiment.file).string());
  spdlog::info("run folder {}", run.root.string());
  for (const auto& folder : experiment.plugin_folders) {
    spdlog::debug("plugin folder {} ({})", folder.path.string(), folder.origin);
  }

  std::vector<std::unique_ptr<Component>> components;
  for (const auto& [key, kind] : {std::pair{"encoder", PluginKind::Encoder}, std::pair{"llm", PluginKind::Llm}}) {
    if (const toml::table* block = experiment.config[key].as_table()) {
      components.push_back(create_from_block(experiment.plugins, kind, *block));
    }
  }
  if (const toml::array* stages = experiment.config["stage"].as_array()) {
    for (const auto& stage_node : *stages) {
      const toml::table& stage = *stage_node.as_table();  // validation guarantees tables here
      spdlog::info("stage '{}':", stage["name"].value_or(std::string()));
      for (const auto& [key, kind] : {std::pair{"objectives", PluginKind::Objective},
                                      std::pair{"datasets", PluginKind::Dataset}}) {
        if (const toml::array* blocks = stage[key].as_array()) {
          for (const auto& block : *blocks) {
            components.push_back(create_from_block(experiment.plugins, kind, *block.as_table()));
          }
        }
      }
    }
  }
  spdlog::warn("this vdep build has no trainer yet: the experiment is validated and its {} component(s) "
               "built, nothing is trained", components.size());
  return 0;
}

}  // namespace vdep
