#include "config/plugin_schema.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "plugins/plugin_catalog.h"

namespace vdep {

namespace {

FieldType field_type(ParamType type) {
  switch (type) {
    case ParamType::Bool: return FieldType::Bool;
    case ParamType::Int: return FieldType::Int;
    case ParamType::Float: return FieldType::Float;
    case ParamType::String: return FieldType::String;
    case ParamType::Path: return FieldType::Path;
  }
  return FieldType::String;
}

template <typename T>
std::string as_toml(T value) {
  std::ostringstream text;
  text << toml::value<T>(std::move(value));
  return text.str();
}

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  Number number{};
  const auto result = std::from_chars(text.data(), text.data() + text.size(), number);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return number;
}

// A ParamSpec default ("1e-3", "true", "l2": plain text, not TOML) as TOML text.
std::optional<std::string> default_as_toml(const ParamSpec& spec) {
  const std::string_view text = spec.default_value;
  switch (spec.type) {
    case ParamType::Bool:
      if (text == "true" || text == "false") return std::string(text);
      return std::nullopt;
    case ParamType::Int:
      if (const auto number = parse_number<std::int64_t>(text)) return std::to_string(*number);
      return std::nullopt;
    case ParamType::Float:
      if (const auto number = parse_number<double>(text)) return as_toml(*number);
      return std::nullopt;
    case ParamType::String:
    case ParamType::Path: return as_toml(std::string(text));
  }
  return std::nullopt;
}

[[noreturn]] void throw_unvalidated(const PluginInfo& info, const ParamSpec& spec,
                                    const char* problem) {
  throw std::logic_error(std::string("plugin_params(): parameter '") + spec.name + "' of " +
                         to_string(info.kind) + " plugin '" + info.name + "' is " + problem +
                         "; validate the experiment first");
}

}  // namespace

std::vector<FieldSchema> plugin_block_fields(const PluginInfo& info,
                                             std::vector<std::string>& problems) {
  std::vector<FieldSchema> fields;
  fields.push_back(required_field("plugin", FieldType::String,
                                  std::string("Which ") + to_string(info.kind) + " plugin."));
  for (std::size_t i = 0; i < info.num_params; ++i) {
    const ParamSpec& spec = info.params[i];
    FieldSchema field = required_field(spec.name, field_type(spec.type), spec.doc ? spec.doc : "");
    field.in_range(spec.min, spec.max);
    field.one_of(param_choices(spec));
    if (spec.default_value != nullptr) {
      if (const auto default_toml = default_as_toml(spec)) {
        field.presence = Presence::Default;
        field.default_value = *default_toml;
      } else {
        field.presence = Presence::Optional;
        problems.push_back(std::string(to_string(info.kind)) + " plugin '" + info.name +
                           "' declares default '" + spec.default_value + "' for '" + spec.name +
                           "', which is not a " + to_string(spec.type) +
                           " (a bug in the plugin)");
      }
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

Params plugin_params(const toml::table& block, const PluginInfo& info) {
  Params params(info.name);
  for (std::size_t i = 0; i < info.num_params; ++i) {
    const ParamSpec& spec = info.params[i];
    const toml::node* node = block.get(spec.name);
    if (node == nullptr) throw_unvalidated(info, spec, "missing");
    switch (spec.type) {
      case ParamType::Bool:
        if (!node->is_boolean()) throw_unvalidated(info, spec, "not a bool");
        params.set(spec.name, node->as_boolean()->get());
        break;
      case ParamType::Int:
        if (!node->is_integer()) throw_unvalidated(info, spec, "not an int");
        params.set(spec.name, node->as_integer()->get());
        break;
      case ParamType::Float:
        if (!node->is_floating_point()) throw_unvalidated(info, spec, "not a float");
        params.set(spec.name, node->as_floating_point()->get());
        break;
      case ParamType::String:
      case ParamType::Path:
        if (!node->is_string()) throw_unvalidated(info, spec, "not a string");
        params.set(spec.name, node->as_string()->get());
        break;
    }
  }
  return params;
}

}  // namespace vdep
