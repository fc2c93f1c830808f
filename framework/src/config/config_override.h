// --set KEY=VALUE overrides, applied after the base files are merged.
#pragma once

#include <toml++/toml.h>

#include "config/experiment_loader.h"

namespace vdep {

// Puts the override's raw text into `table` as a string with source "--set": only validation knows
// the key's type. Tables missing on the way are created; array elements are addressed by index or
// name (key_path.h). A key that no schema knows is left for validation to report. Throws
// UsageError when the address leads nowhere.
void apply_override(toml::table& table, const ConfigOverride& config_override);

}  // namespace vdep
