// A declarative description of the keys of an experiment file: what validation checks and fills
// in (schema_validator.h), and what documentation can print. The framework's own keys are in
// experiment_schema.cpp; a plugin's come from its ParamSpecs (plugin_schema.h).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <vdep/plugin.h>

namespace vdep {

enum class FieldType {
  Bool,
  Int,
  Float,
  String,
  Path,  // a string naming a file or folder: validation makes it absolute
  StringList,
  PathList,
  Table,             // `children` are its keys
  TableArray,        // [[name]]: `children` are the keys of each element
  PluginBlock,       // a table with `plugin = "NAME"` and that plugin's parameters
  PluginBlockArray,  // [[name]] of plugin blocks
};

enum class Presence {
  Required,
  Default,   // filled in from `default_value` when absent
  Optional,  // may be absent, and then stays absent
};

struct FieldSchema {
  std::string name;
  FieldType type = FieldType::String;
  Presence presence = Presence::Optional;
  std::string default_value;  // TOML text ("0", "'runs'", "[]") when presence is Default
  std::string doc;
  double min = -kUnbounded;  // inclusive bounds of an Int or Float
  double max = kUnbounded;
  std::vector<std::string> choices;  // the values a String may take; empty = any
  // What is wrong with a String's value, or "" when nothing is: for constraints that choices and
  // bounds cannot say.
  std::function<std::string(std::string_view)> rule;
  PluginKind plugin_kind{};           // of a PluginBlock or PluginBlockArray
  std::vector<FieldSchema> children;  // of a Table or TableArray
  std::string unique_key;  // of a TableArray: the child whose value no two elements may share

  FieldSchema& in_range(double low, double high);
  FieldSchema& at_least(double low);
  FieldSchema& one_of(std::vector<std::string> allowed);
  FieldSchema& checked_by(std::function<std::string(std::string_view)> check);
  FieldSchema& unique_by(std::string key);
};

FieldSchema required_field(std::string name, FieldType type, std::string doc);
FieldSchema default_field(std::string name, FieldType type, std::string default_toml,
                          std::string doc);
FieldSchema optional_field(std::string name, FieldType type, std::string doc);
// Filled in when absent, as a table holding its children's defaults.
FieldSchema table_field(std::string name, std::string doc, std::vector<FieldSchema> children);
// Absent stays absent: the experiment does without what the table configures.
FieldSchema optional_table_field(std::string name, std::string doc, std::vector<FieldSchema> children);
// Empty when absent.
FieldSchema table_array_field(std::string name, std::string doc,
                              std::vector<FieldSchema> children);
// Absent stays absent: the experiment does without that component.
FieldSchema plugin_block_field(std::string name, PluginKind kind, std::string doc);
// Empty when absent.
FieldSchema plugin_block_array_field(std::string name, PluginKind kind, std::string doc);

// What a value of the field must be, as messages say it: "int", "string list",
// "one of l2, sigmoid_l2, inv_l2", "objective plugin table", ...
std::string expected_type(const FieldSchema& field);

}  // namespace vdep
