// Writes a resolved experiment back out as a TOML document (`vdep-run config`, a run's
// config.toml).
#pragma once

#include <string>

#include <toml++/toml.h>

namespace vdep {

// Values first, then [tables] and [[arrays of tables]], keys in table order. Floats are written in
// their shortest form that reads back exactly (1e-3 as 0.001, never 0.0010000000000000000208),
// strings as "..." with TOML escapes.
std::string to_toml_string(const toml::table& table);

}  // namespace vdep
