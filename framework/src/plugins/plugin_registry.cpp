#include "plugins/plugin_registry.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <boost/dll/shared_library.hpp>
#include <c10/util/Exception.h>
#include <spdlog/spdlog.h>

#include <vdep/dataset.h>
#include <vdep/encoder.h>
#include <vdep/llm.h>
#include <vdep/objective.h>

#include "text/join.h"
#include "text/nearest_match.h"

namespace vdep {

namespace {

constexpr const char* kEntryName = "vdep_plugin_entry";

// Whether the object a factory returned implements the interface of the kind its plugin declared.
bool implements_kind(const Component& component, PluginKind kind) {
  switch (kind) {
    case PluginKind::Objective: return dynamic_cast<const Objective*>(&component) != nullptr;
    case PluginKind::Encoder: return dynamic_cast<const Encoder*>(&component) != nullptr;
    case PluginKind::Llm: return dynamic_cast<const Llm*>(&component) != nullptr;
    case PluginKind::Dataset: return dynamic_cast<const Dataset*>(&component) != nullptr;
  }
  return false;
}

bool is_valid_kind(PluginKind kind) {
  switch (kind) {
    case PluginKind::Encoder:
    case PluginKind::Llm:
    case PluginKind::Objective:
    case PluginKind::Dataset: return true;
  }
  return false;
}

// Plugins are never unloaded (LibTorch registers operators and types globally, and objects created
// by a plugin may outlive any registry), so the libraries live in a process-wide table that is
// never destroyed. A file opened twice yields the same entry.
const PluginInfo* open_plugin_library(const std::filesystem::path& file) {
  static std::mutex mutex;
  static auto* opened = new std::map<std::filesystem::path, const PluginInfo*>();
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = opened->find(file); it != opened->end()) return it->second;

  boost::dll::shared_library library;
  boost::dll::fs::error_code error;
  // Resolve every symbol now: a plugin built against an incompatible libvdep fails here, with the
  // loader's message, rather than later in the middle of a run.
  library.load(file, error, boost::dll::load_mode::rtld_now);
  if (error) {
    throw UsageError("cannot load plugin library " + file.string() + ": " + error.message());
  }
  if (!library.has(kEntryName)) {
    throw UsageError(file.string() + " is not a vdep plugin: it exports no '" + kEntryName +
                     "' entry point (declare the plugin with VDEP_PLUGIN from <vdep/plugin.h>)");
  }
  const PluginInfo* info = library.get_alias<PluginEntry>(kEntryName)();
  if (info == nullptr) {
    throw UsageError(file.string() + ": its '" + kEntryName + "' returned no plugin description");
  }
  libraries->push_back(std::move(library));
  opened->emplace(file, info);
  return info;
}

bool is_valid_type(ParamType type) {
  switch (type) {
    case ParamType::Bool:
    case ParamType::Int:
    case ParamType::Float:
    case ParamType::String:
    case ParamType::Path: return true;
  }
  return false;
}

// Errors are reported on one line; a plugin's message may span several.
std::string one_line(std::string text) {
  for (auto& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

bool is_empty(const char* text) { return text == nullptr || *text == '\0'; }

// Everything the host later reads without checking: a plugin with a broken description is refused
// at load time with the defect named, rather than crashing the host when it is listed or used.
void check_description(const PluginInfo& info, const std::filesystem::path& file) {
  auto malformed = [&](const std::string& defect) {
    return UsageError(file.string() + ": malformed plugin description: " + defect);
  };
  if (!is_valid_kind(info.kind)) throw malformed("unknown kind " + std::to_string(static_cast<unsigned>(info.kind)));
  if (is_empty(info.name)) throw malformed("no name");
  if (info.version == nullptr || info.description == nullptr) throw malformed("no version or description");
  if (info.create == nullptr) throw malformed("no factory");
  if (info.num_params > 0 && info.params == nullptr) throw malformed("no parameter table");
  for (std::size_t i = 0; i < info.num_params; ++i) {
    const ParamSpec& param = info.params[i];
    const std::string where = "parameter " + std::to_string(i) +
                              (is_empty(param.name) ? std::string() : " '" + std::string(param.name) + "'");
    if (is_empty(param.name)) throw malformed(where + " has no name");
    if (std::string_view(param.name) == "plugin") throw malformed(where + ": 'plugin' is the key that names the plugin");
    if (!is_valid_type(param.type)) throw malformed(where + " has an unknown type");
    if (param.min > param.max) throw malformed(where + " has min > max");
    if (param.choices != nullptr && param.type != ParamType::String) throw malformed(where + " has choices but is not a string");
    for (std::size_t j = 0; j < i; ++j) {
      if (std::string_view(info.params[j].name) == param.name) throw malformed(where + " is declared twice");
    }
  }
}

// Only the frozen first fields of PluginInfo are read before the ABI matches.
void check_compatibility(const PluginInfo& info, const std::filesystem::path& file) {
  if (info.torch_version == nullptr || info.compiler == nullptr) {
    throw UsageError(file.string() + ": malformed plugin description: no LibTorch version or compiler");
  }
  const std::string rebuild = "; rebuild the plugin against this vdep (" + std::string(kVersion) +
                              ", LibTorch " + kTorchVersion + ", " + kCompilerId + ")";
  if (info.abi_version != kSdkAbiVersion) {
    throw UsageError(file.string() + ": plugin built for vdep SDK ABI " +
                     std::to_string(info.abi_version) + " (vdep " +
                     (info.vdep_version ? info.vdep_version : "?") + "), this vdep has SDK ABI " +
                     std::to_string(kSdkAbiVersion) + rebuild);
  }
  if (std::string_view(info.torch_version) != kTorchVersion) {
    throw UsageError(file.string() + ": plugin built against LibTorch " + info.torch_version +
                     ", this vdep uses LibTorch " + kTorchVersion +
                     " (LibTorch has no stable C++ ABI between versions)" + rebuild);
  }
  if (std::string_view(info.compiler) != kCompilerId) {
    throw UsageError(file.string() + ": plugin built with " + info.compiler + ", this vdep with " +
                     kCompilerId + " (their C++ ABIs may differ)" + rebuild);
  }
  check_description(info, file);
}

}  // namespace

const char* to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::Encoder: return "encoder";
    case PluginKind::Llm: return "llm";
    case PluginKind::Objective: return "objective";
    case PluginKind::Dataset: return "dataset";
  }
  return "unknown";
}

const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::Bool: return "bool";
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::String: return "string";
    case ParamType::Path: return "path";
  }
  return "unknown";
}

std::vector<std::string> param_choices(const ParamSpec& param) {
  std::vector<std::string> values;
  if (param.choices == nullptr) return values;
  std::string_view rest = param.choices;
  while (true) {
    const std::size_t bar = rest.find('|');
    values.emplace_back(rest.substr(0, bar));
    if (bar == std::string_view::npos) return values;
    rest.remove_prefix(bar + 1);
  }
}

std::string unknown_plugin_message(PluginKind kind, std::string_view name,
                                   const std::vector<std::string>& available) {
  std::string message = std::string("unknown ") + to_string(kind) + " plugin '" +
                        std::string(name) + "'; available: " +
                        (available.empty() ? "none" : join(available, ", "));
  if (auto suggestion = nearest_match(name, available)) {
    message += "; did you mean '" + *suggestion + "'?";
  }
  return message;
}

void PluginRegistry::load_folders(const std::vector<std::filesystem::path>& folders) {
  for (const auto& folder : folders) {
    std::error_code error;
    const auto canonical = std::filesystem::weakly_canonical(folder, error);
    if (error) throw UsageError("cannot read plugin folder " + folder.string() + ": " + error.message());
    if (std::find(folders_.begin(), folders_.end(), canonical) != folders_.end()) continue;
    folders_.push_back(canonical);

    std::vector<std::filesystem::path> libraries;
    for (std::filesystem::directory_iterator entry(canonical, error), end; !error && entry != end;
         entry.increment(error)) {
      if (entry->is_regular_file() && entry->path().extension() == ".so") {
        libraries.push_back(entry->path());
      }
    }
    if (error) throw UsageError("cannot read plugin folder " + canonical.string() + ": " + error.message());
    std::sort(libraries.begin(), libraries.end());
    for (const auto& library : libraries) load_file(library);
  }
}

void PluginRegistry::load_file(const std::filesystem::path& file) {
  const auto canonical = std::filesystem::weakly_canonical(file);
  for (const auto& plugin : plugins_) {
    if (plugin.file == canonical) return;
  }

  const PluginInfo* info = open_plugin_library(canonical);
  check_compatibility(*info, canonical);
  if (const LoadedPlugin* existing = lookup(info->kind, info->name)) {
    throw UsageError(std::string("two ") + to_string(info->kind) + " plugins are named '" +
                     info->name + "': " + existing->file.string() + " and " + canonical.string() +
                     "; remove one from the plugin path or rename it");
  }
  plugins_.push_back({info, canonical});
  spdlog::debug("loaded {} plugin '{}' {} from {}", to_string(info->kind), info->name,
                info->version, canonical.string());
}

const LoadedPlugin* PluginRegistry::lookup(PluginKind kind, std::string_view name) const {
  for (const auto& plugin : plugins_) {
    if (plugin.info->kind == kind && name == plugin.info->name) return &plugin;
  }
  return nullptr;
}

const PluginInfo* PluginRegistry::find(PluginKind kind, std::string_view name) const {
  const LoadedPlugin* plugin = lookup(kind, name);
  return plugin ? plugin->info : nullptr;
}

std::vector<std::string> PluginRegistry::names(PluginKind kind) const {
  std::vector<std::string> out;
  for (const auto& plugin : plugins_) {
    if (plugin.info->kind == kind) out.emplace_back(plugin.info->name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const LoadedPlugin& PluginRegistry::get(PluginKind kind, std::string_view name) const {
  if (const LoadedPlugin* plugin = lookup(kind, name)) return *plugin;
  const auto available = names(kind);
  std::string message = unknown_plugin_message(kind, name, available);
  if (available.empty()) {
    std::vector<std::string> searched;
    for (const auto& folder : folders_) searched.push_back(folder.string());
    message += " (searched: " + (searched.empty() ? std::string("no folders") : join(searched, ", ")) + ")";
  }
  throw UsageError(message);
}

std::vector<const LoadedPlugin*> PluginRegistry::find_any_kind(std::string_view name) const {
  std::vector<const LoadedPlugin*> out;
  for (const auto* plugin : all()) {
    if (name == plugin->info->name) out.push_back(plugin);
  }
  return out;
}

std::vector<const LoadedPlugin*> PluginRegistry::all() const {
  std::vector<const LoadedPlugin*> out;
  for (const auto& plugin : plugins_) out.push_back(&plugin);
  std::sort(out.begin(), out.end(), [](const LoadedPlugin* a, const LoadedPlugin* b) {
    if (a->info->kind != b->info->kind) return a->info->kind < b->info->kind;
    return std::string_view(a->info->name) < std::string_view(b->info->name);
  });
  return out;
}

std::unique_ptr<Component> PluginRegistry::create(PluginKind kind, std::string_view name,
                                                  const Params& params) const {
  const LoadedPlugin& plugin = get(kind, name);
  std::unique_ptr<Component> component;
  try {
    component = plugin.info->create(params);
  } catch (const c10::Error& error) {
    throw UsageError(std::string(to_string(kind)) + " plugin '" + std::string(name) + "' (" +
                     plugin.file.string() + ") failed to create its component: " +
                     one_line(error.what_without_backtrace()));
  } catch (const std::exception& error) {
    throw UsageError(std::string(to_string(kind)) + " plugin '" + std::string(name) + "' (" +
                     plugin.file.string() + ") failed to create its component: " + one_line(error.what()));
  } catch (...) {
    throw UsageError(std::string(to_string(kind)) + " plugin '" + std::string(name) + "' (" +
                     plugin.file.string() + ") failed to create its component: unknown exception");
  }
  if (!component) {
    throw UsageError(std::string(to_string(kind)) + " plugin '" + std::string(name) + "' (" +
                     plugin.file.string() + ") returned no component");
  }
  if (!implements_kind(*component, kind)) {
    throw UsageError(std::string(to_string(kind)) + " plugin '" + std::string(name) + "' (" +
                     plugin.file.string() + ") created an object that does not implement the " +
                     to_string(kind) + " interface");
  }
  return component;
}

}  // namespace vdep
