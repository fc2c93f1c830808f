// Naming values and finding them by address.
//
// Diagnostics name a value by its key path, "stage[1].objectives[0].alpha". --set overrides and
// ${...} references address one with '.'-separated segments, where a segment into an array is an
// index ("stage.0.lr") or picks the one table whose `name` or `plugin` equals it
// ("stage.pretrain.objectives.vdep.alpha"): names survive reordering, indices do not.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/node_replacement.h"

namespace vdep {

std::string child_key_path(const std::string& parent, std::string_view key);
std::string element_key_path(const std::string& parent, std::size_t index);

// "a.b.c" -> {"a", "b", "c"}; nullopt when a segment is empty.
std::optional<std::vector<std::string>> split_address(std::string_view address);

struct AddressedSlot {
  std::optional<NodeSlot> slot;  // empty when the address leads nowhere
  std::string key_path;          // of the slot
  std::string problem;           // why it leads nowhere, with the names it could have meant
};

// The slot `segments` address in `root`. Without `create_with`, every key must exist; with it,
// missing tables on the way are created with that region, and the last key may be missing (the
// slot is then empty, ready to assign). Array elements are never created.
AddressedSlot locate_address(toml::table& root, const std::vector<std::string>& segments,
                             const toml::source_region* create_with);

}  // namespace vdep
