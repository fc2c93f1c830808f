// Read-only view of the loaded plugins, by kind and name: what configuration validation needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <vdep/plugin.h>

namespace vdep {

class PluginCatalog {
 public:
  virtual ~PluginCatalog() = default;
  // The plugin of that kind and name, or nullptr.
  virtual const PluginInfo* find(PluginKind kind, std::string_view name) const = 0;
  // Names of every plugin of that kind, sorted.
  virtual std::vector<std::string> names(PluginKind kind) const = 0;
};

// "encoder", "llm", "objective", "dataset".
const char* to_string(PluginKind kind);
// "unknown objective plugin 'lmm'; available: lm, vdep; did you mean 'lm'?"
std::string unknown_plugin_message(PluginKind kind, std::string_view name,
                                   const std::vector<std::string>& available);

// "bool", "int", "float", "string", "path".
const char* to_string(ParamType type);

// The allowed values of a String parameter ("l2|sigmoid_l2" → {"l2", "sigmoid_l2"}); empty = any.
std::vector<std::string> param_choices(const ParamSpec& param);

}  // namespace vdep
