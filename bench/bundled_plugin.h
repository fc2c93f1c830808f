// Creating a bundled plugin's component with random weights of a preset, as the benchmarks do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <toml++/toml.h>
#include <torch/nn/module.h>

#include "config/experiment_schema.h"
#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"

namespace vdep::bench {

// `block` names the experiment block the parameters are validated as ("encoder", "llm").
template <typename Interface>
std::unique_ptr<Interface> create_bundled(PluginKind kind, const std::string& block, const std::string& plugin,
                                          const std::string& preset) {
  // Plugin libraries are never unloaded, so the component outlives the registry safely.
  PluginRegistry registry;
  registry.load_folders({bundled_plugin_folder()});
  const Params params =
      validated_plugin_params(toml::table{{"plugin", plugin}, {"preset", preset}}, block, kind, registry, {});
  return registry.create_as<Interface>(kind, plugin, params);
}

inline std::int64_t parameter_count(torch::nn::Module& module) {
  std::int64_t count = 0;
  for (const auto& parameter : module.parameters()) count += parameter.numel();
  return count;
}

}  // namespace vdep::bench
