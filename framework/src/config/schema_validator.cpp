#include "config/schema_validator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "config/key_path.h"
#include "config/node_text.h"
#include "config/plugin_schema.h"
#include "config/value_origin.h"
#include "text/nearest_match.h"
#include "text/join.h"

namespace vdep {

namespace fs = std::filesystem;

namespace {

// Text that came from outside a TOML file (--set, an environment variable) and so is a string
// whatever it spells: validation parses it into the type the schema expects.
bool is_raw_text(const toml::node& node) {
  const ValueOrigin origin = origin_of(node.source());
  return node.is_string() && (origin == ValueOrigin::Override || origin == ValueOrigin::Environment);
}

// Raw text is taken as it is where a string or path is expected, and parsed as TOML otherwise
// (`--set stage.0.objectives=[]` works too).
bool parsed_from_text(FieldType type) {
  return type != FieldType::String && type != FieldType::Path;
}

bool parsed_text_fits(const toml::node& node, FieldType type) {
  switch (type) {
    case FieldType::Bool: return node.is_boolean();
    case FieldType::Int: return node.is_integer();
    case FieldType::Float: return node.is_number();
    case FieldType::Table:
    case FieldType::PluginBlock: return node.is_table();
    default: return node.is_array();
  }
}

}  // namespace

SchemaValidator::SchemaValidator(const PluginCatalog& catalog, const ValidationOptions& options,
                                 const fs::path& experiment_file)
    : catalog_(catalog),
      options_(options),
      experiment_file_(fs::absolute(experiment_file).lexically_normal().string()),
      default_folder_(fs::absolute(experiment_file).lexically_normal().parent_path()) {}

void SchemaValidator::check_table(toml::table& table, const std::vector<FieldSchema>& fields,
                                  const std::string& key_path) {
  std::vector<std::string> known;
  for (const FieldSchema& field : fields) known.push_back(field.name);
  for (const auto& [key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
    std::string message = "unknown key";
    if (const auto suggestion = nearest_match(key.str(), known)) {
      message += "; did you mean '" + *suggestion + "'?";
    } else if (known.empty()) {
      message += "; this table takes no keys";
    } else {
      std::vector<std::string> sorted = known;
      std::sort(sorted.begin(), sorted.end());
      message += "; valid keys here: " + join(sorted, ", ");
    }
    report(key.source(), child_key_path(key_path, key.str()), std::move(message));
  }
  for (const FieldSchema& field : fields) check_field(table, field, key_path);
}

void SchemaValidator::check_field(toml::table& table, const FieldSchema& field,
                                  const std::string& table_path) {
  if (!table.contains(field.name)) {
    switch (field.presence) {
      case Presence::Optional: return;
      case Presence::Required:
        report(table.source(), table_path, "missing required key '" + field.name + "'");
        return;
      case Presence::Default: {
        std::unique_ptr<toml::node> value = parse_value_at(field.default_value, {});
        if (value == nullptr) {
          throw std::logic_error("the default of '" + field.name + "' is not TOML: " +
                                 field.default_value);
        }
        if (toml::table* default_table = value->as_table()) default_table->is_inline(false);
        table.insert(field.name, std::move(*value));
        break;
      }
    }
  }
  check_value(NodeSlot(table, field.name), field, child_key_path(table_path, field.name));
}

void SchemaValidator::check_value(const NodeSlot& slot, const FieldSchema& field,
                                  const std::string& key_path) {
  if (!parse_raw_text(slot, field, key_path)) return;
  toml::node* node = slot.node();
  switch (field.type) {
    case FieldType::Bool:
      if (!node->is_boolean()) report_type(*node, expected_type(field), key_path);
      break;
    case FieldType::Int:
      if (node->is_integer()) {
        check_number(*node, field, key_path);
      } else {
        report_type(*node, expected_type(field), key_path);
      }
      break;
    case FieldType::Float:
      if (node->is_integer()) {
        const toml::value<double> widened(static_cast<double>(node->as_integer()->get()));
        slot.assign(std::move(*copy_with_region(widened, node->source())));
        node = slot.node();
      }
      if (node->is_floating_point()) {
        check_number(*node, field, key_path);
      } else {
        report_type(*node, expected_type(field), key_path);
      }
      break;
    case FieldType::String:
      if (node->is_string()) {
        check_string(*node, field, key_path);
      } else {
        report_type(*node, expected_type(field), key_path);
      }
      break;
    case FieldType::Path:
      if (node->is_string()) {
        resolve_path(*node, key_path);
      } else {
        report_type(*node, expected_type(field), key_path);
      }
      break;
    case FieldType::StringList:
    case FieldType::PathList:
      if (toml::array* list = node->as_array()) {
        check_list(*list, field.type == FieldType::PathList ? FieldType::Path : FieldType::String,
                   key_path);
      } else {
        report_type(*node, expected_type(field), key_path);
      }
      break;
    case FieldType::Table:
      if (toml::table* table = node->as_table()) {
        check_table(*table, field.children, key_path);
      } else {
        report_type(*node, expected_type(field), key_path);
      }
      break;
    case FieldType::TableArray:
    case FieldType::PluginBlockArray:
      if (toml::array* array = node->as_array()) {
        check_table_array(*array, field, key_path);
      } else {
        report_type(*node, expected_type(field), key_path);
      }
      break;
    case FieldType::PluginBlock:
      if (toml::table* block = node->as_table()) {
        check_plugin_block(*block, field.plugin_kind, key_path);
      } else {
        report_type(*node, expected_type(field), key_path);
      }
      break;
  }
}

bool SchemaValidator::parse_raw_text(const NodeSlot& slot, const FieldSchema& field,
                                     const std::string& key_path) {
  const toml::node& node = *slot.node();
  if (!is_raw_text(node) || !parsed_from_text(field.type)) return true;
  std::unique_ptr<toml::node> parsed = parse_value_at(node.as_string()->get(), node.source());
  if (parsed == nullptr || !parsed_text_fits(*parsed, field.type)) {
    report_type(node, expected_type(field), key_path);
    return false;
  }
  if (toml::table* table = parsed->as_table()) table->is_inline(false);
  slot.assign(std::move(*parsed));
  return true;
}

void SchemaValidator::check_number(const toml::node& node, const FieldSchema& field,
                                   const std::string& key_path) {
  // Integers are compared as they are: toml++ refuses to convert those beyond 2^53 to double.
  const double value = node.is_integer() ? static_cast<double>(node.as_integer()->get())
                                         : node.as_floating_point()->get();
  if (value >= field.min && value <= field.max) return;
  std::string bound;
  if (std::isfinite(field.min) && std::isfinite(field.max)) {
    bound = "in [" + number_text(field.min) + ", " + number_text(field.max) + "]";
  } else if (std::isfinite(field.min)) {
    bound = ">= " + number_text(field.min);
  } else {
    bound = "<= " + number_text(field.max);
  }
  report(node.source(), key_path, "must be " + bound + " (got " + value_text(node) + ")");
}

void SchemaValidator::check_string(const toml::node& node, const FieldSchema& field,
                                   const std::string& key_path) {
  const std::string& text = node.as_string()->get();
  if (!field.choices.empty() &&
      std::find(field.choices.begin(), field.choices.end(), text) == field.choices.end()) {
    std::string message = "must be one of " + join(field.choices, ", ") + " (got '" + text + "')";
    if (const auto suggestion = nearest_match(text, field.choices)) {
      message += "; did you mean '" + *suggestion + "'?";
    }
    report(node.source(), key_path, std::move(message));
  }
  if (field.rule) {
    std::string problem = field.rule(text);
    if (!problem.empty()) report(node.source(), key_path, std::move(problem));
  }
}

void SchemaValidator::resolve_path(toml::node& node, const std::string& key_path) {
  std::string& text = node.as_string()->get();
  if (text.empty()) return;  // unset
  fs::path path = text;
  if (path.is_relative()) path = base_folder(node.source(), default_folder_) / path;
  text = path.lexically_normal().string();
  std::error_code error;
  if (options_.check_paths_exist && !fs::exists(text, error)) {
    report(node.source(), key_path, "file not found: " + text);
  }
}

void SchemaValidator::check_list(toml::array& list, FieldType element_type,
                                 const std::string& key_path) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    toml::node& element = *list.get(i);
    if (!element.is_string()) {
      report_type(element, "string", element_key_path(key_path, i));
    } else if (element_type == FieldType::Path) {
      resolve_path(element, element_key_path(key_path, i));
    }
  }
}

void SchemaValidator::check_table_array(toml::array& array, const FieldSchema& field,
                                        const std::string& key_path) {
  const bool plugin_blocks = field.type == FieldType::PluginBlockArray;
  std::map<std::string, std::size_t> first_with_value;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string element_path = element_key_path(key_path, i);
    toml::table* element = array.get(i)->as_table();
    if (element == nullptr) {
      report_type(*array.get(i), plugin_blocks ? "table (plugin = \"NAME\", ...)" : "table",
                  element_path);
      continue;
    }
    if (plugin_blocks) {
      check_plugin_block(*element, field.plugin_kind, element_path);
      continue;
    }
    check_table(*element, field.children, element_path);
    if (field.unique_key.empty()) continue;
    const auto* value = element->get_as<std::string>(field.unique_key);
    if (value == nullptr) continue;
    const auto [first, inserted] = first_with_value.emplace(value->get(), i);
    if (!inserted) {
      report(value->source(), child_key_path(element_path, field.unique_key),
             "duplicate " + field.unique_key + " '" + value->get() + "' (" +
                 element_key_path(key_path, first->second) + " has it too)");
    }
  }
}

void SchemaValidator::check_plugin_block(toml::table& block, PluginKind kind,
                                         const std::string& key_path) {
  const std::string plugin_path = child_key_path(key_path, "plugin");
  const std::vector<std::string> available = catalog_.names(kind);
  const std::string available_text = available.empty() ? "none" : join(available, ", ");
  const toml::node* plugin = block.get("plugin");
  if (plugin == nullptr) {
    report(block.source(), key_path,
           "missing required key 'plugin' (" + std::string(to_string(kind)) +
               " plugins: " + available_text + ")");
    return;
  }
  if (!plugin->is_string()) {
    report_type(*plugin,
                "a plugin name (" + std::string(to_string(kind)) + " plugins: " + available_text +
                    ")",
                plugin_path);
    return;
  }

  const std::string& name = plugin->as_string()->get();
  const PluginInfo* info = catalog_.find(kind, name);
  if (info == nullptr) {
    report(plugin->source(), plugin_path, unknown_plugin_message(kind, name, available));
    return;
  }

  std::vector<std::string> problems;
  const std::vector<FieldSchema> fields = plugin_block_fields(*info, problems);
  for (std::string& problem : problems) report(plugin->source(), plugin_path, std::move(problem));
  check_table(block, fields, key_path);
}

void SchemaValidator::report_type(const toml::node& node, const std::string& expected,
                                  const std::string& key_path) {
  const std::string got =
      is_raw_text(node) ? "'" + node.as_string()->get() + "'" : std::string(type_name(node));
  report(node.source(), key_path, "expected " + expected + ", got " + got);
}

void SchemaValidator::report(const toml::source_region& region, std::string key,
                             std::string message) {
  diagnostics_.push_back(
      diagnostic_at(region, std::move(key), std::move(message), experiment_file_));
}

}  // namespace vdep
