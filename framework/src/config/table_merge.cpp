#include "config/table_merge.h"

#include <utility>

namespace vdep {

namespace {

// A plugin block that names another plugin replaces the base's block whole: the old plugin's
// parameters mean nothing to the new one.
bool switches_plugin(const toml::table& base, const toml::table& overlay) {
  const auto* overlay_plugin = overlay.get_as<std::string>("plugin");
  const auto* base_plugin = base.get_as<std::string>("plugin");
  return overlay_plugin != nullptr && (base_plugin == nullptr || base_plugin->get() != overlay_plugin->get());
}

}  // namespace

void deep_merge(toml::table& base, toml::table&& overlay) {
  for (auto&& [key, node] : overlay) {
    toml::table* base_table = base.get_as<toml::table>(key.str());
    if (base_table != nullptr && node.is_table() && !switches_plugin(*base_table, *node.as_table())) {
      deep_merge(*base_table, std::move(*node.as_table()));
      continue;
    }
    base.erase(key.str());
    base.insert(key, std::move(node));
  }
}

}  // namespace vdep
