#include "config/config_schema.h"

#include <utility>

#include "config/node_text.h"
#include "plugins/plugin_catalog.h"
#include "text/join.h"

namespace vdep {

namespace {

FieldSchema make_field(std::string name, FieldType type, Presence presence,
                       std::string default_toml, std::string doc) {
  FieldSchema field;
  field.name = std::move(name);
  field.type = type;
  field.presence = presence;
  field.default_value = std::move(default_toml);
  field.doc = std::move(doc);
  return field;
}

}  // namespace

FieldSchema& FieldSchema::in_range(double low, double high) {
  min = low;
  max = high;
  return *this;
}

FieldSchema& FieldSchema::at_least(double low) {
  min = low;
  return *this;
}

FieldSchema& FieldSchema::one_of(std::vector<std::string> allowed) {
  choices = std::move(allowed);
  return *this;
}

FieldSchema& FieldSchema::checked_by(std::function<std::string(std::string_view)> check) {
  rule = std::move(check);
  return *this;
}

FieldSchema& FieldSchema::unique_by(std::string key) {
  unique_key = std::move(key);
  return *this;
}

FieldSchema required_field(std::string name, FieldType type, std::string doc) {
  return make_field(std::move(name), type, Presence::Required, "", std::move(doc));
}

FieldSchema default_field(std::string name, FieldType type, std::string default_toml,
                          std::string doc) {
  return make_field(std::move(name), type, Presence::Default, std::move(default_toml),
                    std::move(doc));
}

FieldSchema optional_field(std::string name, FieldType type, std::string doc) {
  return make_field(std::move(name), type, Presence::Optional, "", std::move(doc));
}

FieldSchema table_field(std::string name, std::string doc, std::vector<FieldSchema> children) {
  FieldSchema field =
      make_field(std::move(name), FieldType::Table, Presence::Default, "{}", std::move(doc));
  field.children = std::move(children);
  return field;
}

FieldSchema optional_table_field(std::string name, std::string doc, std::vector<FieldSchema> children) {
  FieldSchema field = make_field(std::move(name), FieldType::Table, Presence::Optional, "", std::move(doc));
  field.children = std::move(children);
  return field;
}

FieldSchema table_array_field(std::string name, std::string doc,
                              std::vector<FieldSchema> children) {
  FieldSchema field =
      make_field(std::move(name), FieldType::TableArray, Presence::Default, "[]", std::move(doc));
  field.children = std::move(children);
  return field;
}

FieldSchema plugin_block_field(std::string name, PluginKind kind, std::string doc) {
  FieldSchema field =
      make_field(std::move(name), FieldType::PluginBlock, Presence::Optional, "", std::move(doc));
  field.plugin_kind = kind;
  return field;
}

FieldSchema plugin_block_array_field(std::string name, PluginKind kind, std::string doc) {
  FieldSchema field = make_field(std::move(name), FieldType::PluginBlockArray, Presence::Default,
                                 "[]", std::move(doc));
  field.plugin_kind = kind;
  return field;
}

std::string expected_type(const FieldSchema& field) {
  switch (field.type) {
    case FieldType::Bool: return "bool";
    case FieldType::Int: return "int";
    case FieldType::Float: return "float";
    case FieldType::String:
      return field.choices.empty() ? "string" : "one of " + join(field.choices, ", ");
    case FieldType::Path: return "path (a string)";
    case FieldType::StringList: return "string list";
    case FieldType::PathList: return "path list (an array of strings)";
    case FieldType::Table: return "table";
    case FieldType::TableArray: return "array of tables";
    case FieldType::PluginBlock:
      return std::string(to_string(field.plugin_kind)) + " plugin table (plugin = \"NAME\", ...)";
    case FieldType::PluginBlockArray:
      return "array of " + std::string(to_string(field.plugin_kind)) + " plugin tables";
  }
  return "value";
}

}  // namespace vdep
