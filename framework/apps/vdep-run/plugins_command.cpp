// `vdep-run plugins [NAME] [--json]`: what gst-inspect is to GStreamer.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "config/node_text.h"
#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"
#include "text/nearest_match.h"
#include "usage_error.h"

namespace vdep {

namespace {

std::string describe_range(const ParamSpec& param) {
  if (param.type != ParamType::Int && param.type != ParamType::Float) return "";
  const bool has_min = std::isfinite(param.min);
  const bool has_max = std::isfinite(param.max);
  if (has_min && has_max) return "[" + number_text(param.min) + ", " + number_text(param.max) + "]";
  if (has_min) return ">= " + number_text(param.min);
  if (has_max) return "<= " + number_text(param.max);
  return "";
}

nlohmann::json param_json(const ParamSpec& param) {
  nlohmann::json out = {{"name", param.name},
                        {"type", to_string(param.type)},
                        {"default", param.default_value ? nlohmann::json(param.default_value) : nlohmann::json()},
                        {"required", param.default_value == nullptr},
                        {"doc", param.doc ? param.doc : ""}};
  if (param.type == ParamType::Int || param.type == ParamType::Float) {
    out["min"] = std::isfinite(param.min) ? nlohmann::json(param.min) : nlohmann::json();
    out["max"] = std::isfinite(param.max) ? nlohmann::json(param.max) : nlohmann::json();
  }
  if (param.choices) out["choices"] = param_choices(param);
  return out;
}

nlohmann::json plugin_json(const LoadedPlugin& plugin) {
  const PluginInfo& info = *plugin.info;
  nlohmann::json params = nlohmann::json::array();
  for (std::size_t i = 0; i < info.num_params; ++i) params.push_back(param_json(info.params[i]));
  return {{"kind", to_string(info.kind)},   {"name", info.name},
          {"version", info.version},        {"description", info.description ? info.description : ""},
          {"file", plugin.file.string()},   {"abi_version", info.abi_version},
          {"vdep_version", info.vdep_version}, {"torch_version", info.torch_version},
          {"compiler", info.compiler},      {"params", params}};
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

void print_plugin(const LoadedPlugin& plugin) {
  const PluginInfo& info = *plugin.info;
  std::printf("%s plugin '%s' %s\n  %s\n  file: %s\n  built with vdep %s, LibTorch %s, %s\n",
              to_string(info.kind), info.name, info.version, info.description ? info.description : "",
              plugin.file.c_str(), info.vdep_version, info.torch_version, info.compiler);
  if (info.num_params == 0) {
    std::printf("\n  no parameters\n");
    return;
  }
  std::printf("\nparameters:\n");
  std::vector<std::vector<std::string>> rows = {{"  NAME", "TYPE", "DEFAULT", "RANGE/CHOICES", "DOC"}};
  for (std::size_t i = 0; i < info.num_params; ++i) {
    const ParamSpec& param = info.params[i];
    std::string allowed = param.choices ? param.choices : describe_range(param);
    rows.push_back({"  " + std::string(param.name), to_string(param.type),
                    param.default_value ? std::string(param.default_value) : "(required)", allowed,
                    param.doc ? param.doc : ""});
  }
  print_table(rows);
}

}  // namespace

int run_plugins_command(const CommandLine& line) {
  PluginRegistry registry;
  registry.load_folders(folder_paths(plugin_search_path(line.plugin_paths, {})));
  const auto plugins = registry.all();

  if (!line.operands.empty()) {
    const std::string& name = line.operands.front();
    const auto matches = registry.find_any_kind(name);
    if (matches.empty()) {
      std::vector<std::string> names;
      for (const auto* plugin : plugins) names.emplace_back(plugin->info->name);
      std::string message = "no plugin named '" + name + "'";
      if (auto suggestion = nearest_match(name, names)) message += "; did you mean '" + *suggestion + "'?";
      message += " (`vdep-run plugins` lists them)";
      throw UsageError(message);
    }
    if (line.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto* plugin : matches) out.push_back(plugin_json(*plugin));
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    for (std::size_t i = 0; i < matches.size(); ++i) {
      if (i > 0) std::printf("\n");
      print_plugin(*matches[i]);
    }
    return 0;
  }

  if (line.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto* plugin : plugins) out.push_back(plugin_json(*plugin));
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"KIND", "NAME", "VERSION", "DESCRIPTION", "FILE"}};
  for (const auto* plugin : plugins) {
    const PluginInfo& info = *plugin->info;
    rows.push_back({to_string(info.kind), info.name, info.version,
                    info.description ? info.description : "", plugin->file.string()});
  }
  print_table(rows);
  std::printf("%zu plugin(s) from %zu folder(s)\n", plugins.size(), registry.folders().size());
  return 0;
}

}  // namespace vdep
