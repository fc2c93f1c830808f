// ${...} in experiment strings.
#pragma once

#include <toml++/toml.h>

namespace vdep {

// Expands, in every string of `table`:
//   ${env.NAME}            the environment variable NAME (an error when unset)
//   ${env.NAME:-fallback}  NAME, or `fallback` when NAME is unset or empty
//   ${a.b.c}               another value of `table`, addressed as by --set (key_path.h); a
//                          referenced string is expanded first
//   $${                    a literal "${"
// A string that is exactly one ${a.b} of a number, boolean or date becomes that value, type
// included; anything else is spliced in as text. A string that starts with ${env.NAME} (or with
// a reference to such a string) is marked as coming from the environment (value_origin.h): like
// --set text, validation parses it into its key's type and resolves it as a path against the
// current directory. Throws one ConfigError listing every problem: unset variables, unknown
// references (with the nearest existing key), cycles.
void interpolate(toml::table& table);

}  // namespace vdep
