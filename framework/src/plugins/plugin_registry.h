// Finds, loads and checks plugins, and creates components through their factories.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <vdep/component.h>
#include <vdep/params.h>
#include <vdep/plugin.h>

#include "plugins/plugin_catalog.h"
#include "usage_error.h"

namespace vdep {

struct LoadedPlugin {
  const PluginInfo* info;
  std::filesystem::path file;
};

// Every problem with a plugin library or a plugin choice is a UsageError with a one-line message
// that names the file or plugin and says what to do.
class PluginRegistry final : public PluginCatalog {
 public:
  // Loads every shared library (*.so) directly inside each folder, in order. A folder listed twice
  // is read once. A library that is not a vdep plugin, was built against another SDK ABI,
  // LibTorch or compiler, or declares a kind and name that another library already declared, is an
  // error.
  void load_folders(const std::vector<std::filesystem::path>& folders);
  void load_file(const std::filesystem::path& file);

  const PluginInfo* find(PluginKind kind, std::string_view name) const override;
  std::vector<std::string> names(PluginKind kind) const override;

  // The plugin of that kind and name; unknown names are an error listing that kind's plugins and
  // the nearest match.
  const LoadedPlugin& get(PluginKind kind, std::string_view name) const;
  // Plugins of any kind with that name (a name may exist once per kind).
  std::vector<const LoadedPlugin*> find_any_kind(std::string_view name) const;
  // All loaded plugins, ordered by kind, then name.
  std::vector<const LoadedPlugin*> all() const;
  const std::vector<std::filesystem::path>& folders() const { return folders_; }

  // Calls the plugin's factory and checks that the object implements the kind's interface (e.g.
  // vdep::Objective). An exception from the factory becomes an error naming the plugin.
  std::unique_ptr<Component> create(PluginKind kind, std::string_view name,
                                    const Params& params) const;

  // create(), as the kind's interface T.
  template <typename T>
  std::unique_ptr<T> create_as(PluginKind kind, std::string_view name, const Params& params) const {
    std::unique_ptr<Component> component = create(kind, name, params);
    auto* typed = dynamic_cast<T*>(component.get());
    if (typed == nullptr) throw std::logic_error("create_as: interface does not match the plugin kind");
    component.release();
    return std::unique_ptr<T>(typed);
  }

 private:
  const LoadedPlugin* lookup(PluginKind kind, std::string_view name) const;

  std::vector<LoadedPlugin> plugins_;
  std::vector<std::filesystem::path> folders_;
};

}  // namespace vdep
