// Checking a loaded experiment against a schema (config_schema.h), in place: defaults are filled
// in, --set and environment text is parsed into its type, ints become floats where floats are
// expected, and paths become absolute. Every problem is collected, none stops the walk.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/config_error.h"
#include "config/config_schema.h"
#include "config/node_replacement.h"
#include "plugins/plugin_catalog.h"

namespace vdep {

struct ValidationOptions {
  bool check_paths_exist = false;  // report paths that name nothing (`vdep-run check`)
};

class SchemaValidator {
 public:
  // Values without a source region (defaults) are reported against `experiment_file`, and their
  // relative paths resolve against its folder.
  SchemaValidator(const PluginCatalog& catalog, const ValidationOptions& options,
                  const std::filesystem::path& experiment_file);

  // Checks the keys of `table`, named `key_path` in messages ("" for the whole experiment).
  void check_table(toml::table& table, const std::vector<FieldSchema>& fields,
                   const std::string& key_path);

  // Checks one field of `table` (named `table_path`), filling its default when absent.
  void check_field(toml::table& table, const FieldSchema& field, const std::string& table_path);

  std::vector<ConfigDiagnostic> take_diagnostics() { return std::move(diagnostics_); }

 private:
  void check_value(const NodeSlot& slot, const FieldSchema& field, const std::string& key_path);
  bool parse_raw_text(const NodeSlot& slot, const FieldSchema& field, const std::string& key_path);
  void check_number(const toml::node& node, const FieldSchema& field, const std::string& key_path);
  void check_string(const toml::node& node, const FieldSchema& field, const std::string& key_path);
  void resolve_path(toml::node& node, const std::string& key_path);
  void check_list(toml::array& list, FieldType element_type, const std::string& key_path);
  void check_table_array(toml::array& array, const FieldSchema& field, const std::string& key_path);
  void check_plugin_block(toml::table& block, PluginKind kind, const std::string& key_path);
  void report_type(const toml::node& node, const std::string& expected, const std::string& key_path);
  void report(const toml::source_region& region, std::string key, std::string message);

  const PluginCatalog& catalog_;
  ValidationOptions options_;
  std::string experiment_file_;
  std::filesystem::path default_folder_;
  std::vector<ConfigDiagnostic> diagnostics_;
};

}  // namespace vdep
