#include "config/experiment_schema.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace vdep {

namespace {

// The name becomes a folder name: keep it to characters that are safe in every file system and
// shell, and away from the two names that mean other folders.
std::string folder_name_problem(std::string_view name) {
  const bool safe = !name.empty() && name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                            "abcdefghijklmnopqrstuvwxyz"
                                                            "0123456789._-") == std::string_view::npos;
  if (safe && name != "." && name != "..") return "";
  return "must be a folder name made of letters, digits, '.', '_' and '-' (got '" +
         std::string(name) + "')";
}

}  // namespace

const std::vector<FieldSchema>& experiment_schema() {
  static const std::vector<FieldSchema> schema = {
      optional_field("name", FieldType::String,
                     "Name of the experiment and of its run folders. Default: the experiment "
                     "file's name without its extension.")
          .checked_by(folder_name_problem),
      default_field("seed", FieldType::Int, "0", "Seed of every random number generator.")
          .at_least(0),
      default_field("output_dir", FieldType::String, "'runs'",
                    "Folder in which each run gets its own folder. A relative path is relative "
                    "to the current directory of vdep-run, not to this file, so that the same "
                    "experiment can write where it is run."),
      table_field("plugins", "Where to find plugins besides the bundled ones.",
                  {
                      default_field("paths", FieldType::PathList, "[]",
                                    "Folders searched for plugins before the bundled ones."),
                  }),
      plugin_block_field("encoder", PluginKind::Encoder, "The vision encoder."),
      plugin_block_field("llm", PluginKind::Llm, "The language model."),
      table_array_field(
          "stage", "Training stages, run in the order written.",
          {
              required_field("name", FieldType::String,
                             "Name of the stage, unique in the experiment; "
                             "--set stage.NAME.KEY=VALUE addresses the stage by it."),
              plugin_block_array_field("objectives", PluginKind::Objective,
                                       "Losses summed in this stage."),
              plugin_block_array_field("datasets", PluginKind::Dataset,
                                       "Datasets this stage trains on."),
          })
          .unique_by("name"),
  };
  return schema;
}

namespace {

// [plugins] names no plugin blocks, so it is validated against no plugins at all.
class NoPlugins final : public PluginCatalog {
 public:
  const PluginInfo* find(PluginKind, std::string_view) const override { return nullptr; }
  std::vector<std::string> names(PluginKind) const override { return {}; }
};

}  // namespace

std::vector<std::filesystem::path> validate_plugin_folders(toml::table& table,
                                                           const std::filesystem::path& experiment_file) {
  const auto& schema = experiment_schema();
  const auto plugins = std::find_if(schema.begin(), schema.end(),
                                    [](const FieldSchema& field) { return field.name == "plugins"; });
  NoPlugins no_plugins;
  ValidationOptions options;
  options.check_paths_exist = true;
  SchemaValidator validator(no_plugins, options, experiment_file);
  validator.check_field(table, *plugins, "");
  std::vector<ConfigDiagnostic> diagnostics = validator.take_diagnostics();
  if (!diagnostics.empty()) throw ConfigError(std::move(diagnostics));

  std::vector<std::filesystem::path> folders;
  for (const auto& entry : *table["plugins"]["paths"].as_array()) folders.emplace_back(entry.as_string()->get());
  return folders;
}

Params validated_plugin_params(toml::table block, const std::string& key, PluginKind kind,
                               const PluginCatalog& catalog, const ValidationOptions& options) {
  toml::table holder;
  holder.insert(key, std::move(block));
  SchemaValidator validator(catalog, options, std::filesystem::current_path() / "command line");
  validator.check_field(holder, plugin_block_field(key, kind, ""), "");
  std::vector<ConfigDiagnostic> diagnostics = validator.take_diagnostics();
  if (!diagnostics.empty()) throw ConfigError(std::move(diagnostics));
  const toml::table& validated = *holder[key].as_table();
  return plugin_params(validated, *catalog.find(kind, validated["plugin"].value_or(std::string())));
}

void validate_experiment(toml::table& table, const std::filesystem::path& experiment_file,
                         const PluginCatalog& catalog, const ValidationOptions& options) {
  if (!table.contains("name")) table.insert("name", experiment_file.stem().string());
  SchemaValidator validator(catalog, options, experiment_file);
  validator.check_table(table, experiment_schema(), "");
  std::vector<ConfigDiagnostic> diagnostics = validator.take_diagnostics();
  if (!diagnostics.empty()) throw ConfigError(std::move(diagnostics));
}

}  // namespace vdep
