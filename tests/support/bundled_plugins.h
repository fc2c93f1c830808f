// The plugins built with this tree, loaded once per test program as vdep-run loads them.
#pragma once

#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"

namespace vdep::test {

inline const PluginRegistry& bundled_plugins() {
  static const PluginRegistry registry = [] {
    PluginRegistry plugins;
    plugins.load_folders({bundled_plugin_folder()});
    return plugins;
  }();
  return registry;
}

}  // namespace vdep::test
