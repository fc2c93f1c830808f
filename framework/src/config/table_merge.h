// Merging an experiment file over the files it is based on.
#pragma once

#include <toml++/toml.h>

namespace vdep {

// Moves every key of `overlay` into `base`: where both hold a table, they merge key by key,
// unless the overlay's table is a plugin block naming another plugin; otherwise (values, arrays,
// arrays of tables, such plugin blocks) the overlay's node replaces the base's whole, with its key. Nodes are moved, never copied, so that they keep their source regions.
void deep_merge(toml::table& base, toml::table&& overlay);

}  // namespace vdep
