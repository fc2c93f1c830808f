#include "probe_params.h"

#include "config/config_override.h"
#include "config/experiment_schema.h"

namespace vdep {

Params probe_plugin_params(const CommandLine& line, const PluginRegistry& plugins, const std::string& block_name,
                           PluginKind kind) {
  toml::table block{{"plugin", line.plugin}};
  if (!line.weights.empty()) apply_override(block, {"weights", line.weights.string()});
  for (const ConfigOverride& param : line.plugin_params) apply_override(block, param);
  ValidationOptions options;
  options.check_paths_exist = true;
  return validated_plugin_params(std::move(block), block_name, kind, plugins, options);
}

}  // namespace vdep
