#include "config/table_merge.h"

#include <utility>

namespace vdep {

void deep_merge(toml::table& base, toml::table&& overlay) {
  for (auto&& [key, node] : overlay) {
    toml::table* base_table = base.get_as<toml::table>(key.str());
    if (base_table != nullptr && node.is_table()) {
      deep_merge(*base_table, std::move(*node.as_table()));
      continue;
    }
    base.erase(key.str());
    base.insert(key, std::move(node));
  }
}

}  // namespace vdep
