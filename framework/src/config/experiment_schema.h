// The framework's experiment schema, and validation of a loaded experiment against it and against
// the schemas of the plugins it names.
#pragma once

#include <filesystem>
#include <vector>

#include <toml++/toml.h>

#include "config/config_schema.h"
#include "config/plugin_schema.h"
#include "config/schema_validator.h"
#include "plugins/plugin_catalog.h"

namespace vdep {

// The top-level keys of an experiment file. Plugin blocks in it take their keys from the plugins.
const std::vector<FieldSchema>& experiment_schema();

// Validates `table` (as load_experiment returns it) in place, so that it becomes the complete
// resolved experiment: every default filled in (the framework's and the plugins'), --set and
// environment text parsed into its type, ints widened where floats are expected, paths made
// absolute (relative to the file that wrote them; --set and environment values relative to the
// current directory; defaults relative to `experiment_file`'s folder). `name` defaults to
// `experiment_file`'s stem. Throws one ConfigError holding every problem found.
void validate_experiment(toml::table& table, const std::filesystem::path& experiment_file,
                         const PluginCatalog& catalog, const ValidationOptions& options);

// The same, returning the problems instead of throwing them, for a caller that adds its own
// (`vdep-run check`: what the experiment's files hold) to the one list.
std::vector<ConfigDiagnostic> experiment_diagnostics(toml::table& table, const std::filesystem::path& experiment_file,
                                                     const PluginCatalog& catalog, const ValidationOptions& options);

// Validates one plugin block outside an experiment (a command line's or a program's settings),
// exactly as an experiment's block under `key` would be, and returns the plugin's Params: unset
// parameters take their declared defaults, --set-style text is typed. Throws ConfigError.
Params validated_plugin_params(toml::table block, const std::string& key, PluginKind kind,
                               const PluginCatalog& catalog, const ValidationOptions& options);

// Validates the `[plugins]` table alone, in place, and returns its folders (absolute, existing):
// plugins must be found before the rest of the experiment can be checked against their schemas.
// validate_experiment accepts the table afterwards as it is. Throws ConfigError.
std::vector<std::filesystem::path> validate_plugin_folders(toml::table& table,
                                                           const std::filesystem::path& experiment_file);

}  // namespace vdep
