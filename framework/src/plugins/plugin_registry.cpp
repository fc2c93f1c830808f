#include "plugins/plugin_registry.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <boost/dll/shared_library.hpp>
#include <spdlog/spdlog.h>

#include <vdep/objective.h>

#include "text/join.h"
#include "text/nearest_match.h"

namespace vdep {

namespace {

constexpr const char* kEntryName = "vdep_plugin_entry";

const char* kind_interface(PluginKind kind) {
  switch (kind) {
    case PluginKind::Encoder: return "vdep::Encoder";
    case PluginKind::Llm: return "vdep::LanguageModel";
    case PluginKind::Objective: return "vdep::Objective";
    case PluginKind::Dataset: return "vdep::Dataset";
  }
  return "?";
}

// Kinds whose interface exists in this SDK are checked; the others are plain Components so far.
bool implements_kind(const Component& component, PluginKind kind) {
  switch (kind) {
    case PluginKind::Objective: return dynamic_cast<const Objective*>(&component) != nullptr;
    case PluginKind::Encoder:
    case PluginKind::Llm:
    case PluginKind::Dataset: return true;
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

// Only the frozen first fields of PluginInfo are read before the ABI matches.
void check_compatibility(const PluginInfo& info, const std::filesystem::path& file) {
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
  if (!is_valid_kind(info.kind) || info.name == nullptr || *info.name == '\0' ||
      info.create == nullptr || (info.num_params > 0 && info.params == nullptr)) {
    throw UsageError(file.string() +
                     ": malformed plugin description (kind, name, factory or parameter table)");
  }
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
    const auto canonical = std::filesystem::weakly_canonical(folder);
    if (std::find(folders_.begin(), folders_.end(), canonical) != folders_.end()) continue;
    folders_.push_back(canonical);

    std::vector<std::filesystem::path> libraries;
    for (const auto& entry : std::filesystem::directory_iterator(canonical)) {
      if (entry.is_regular_file() && entry.path().extension() == ".so") {
        libraries.push_back(entry.path());
      }
    }
    std::sort(libraries.begin(), libraries.end());
    for (const auto& library : libraries) load_file(library);
  }
}

void PluginRegistry::load_file(const std::filesystem::path& file) {
  const auto canonical = std::filesystem::weakly_canonical(file);
  if (std::find(files_.begin(), files_.end(), canonical) != files_.end()) return;

  const PluginInfo* info = open_plugin_library(canonical);
  check_compatibility(*info, canonical);
  for (const auto& existing : plugins_) {
    if (existing.info->kind == info->kind && std::string_view(existing.info->name) == info->name) {
      throw UsageError(std::string("two ") + to_string(info->kind) + " plugins are named '" +
                       info->name + "': " + existing.file.string() + " and " + canonical.string() +
                       "; remove one from the plugin path or rename it");
    }
  }
  files_.push_back(canonical);
  plugins_.push_back({info, canonical});
  spdlog::debug("loaded {} plugin '{}' {} from {}", to_string(info->kind), info->name,
                info->version, canonical.string());
}

const PluginInfo* PluginRegistry::find(PluginKind kind, std::string_view name) const {
  for (const auto& plugin : plugins_) {
    if (plugin.info->kind == kind && name == plugin.info->name) return plugin.info;
  }
  return nullptr;
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
  for (const auto& plugin : plugins_) {
    if (plugin.info->kind == kind && name == plugin.info->name) return plugin;
  }
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
  } catch (const std::exception& error) {
    throw UsageError(std::string(to_string(kind)) + " plugin '" + std::string(name) + "' (" +
                     plugin.file.string() + ") failed to create its component: " + error.what());
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
                     plugin.file.string() + ") created an object that does not implement " +
                     kind_interface(kind));
  }
  return component;
}

}  // namespace vdep
