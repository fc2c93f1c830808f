// The validated parameter values the host hands to a plugin factory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include <vdep/export.h>

namespace vdep {

// Holds one value for every parameter of the plugin's schema: the experiment's value, or the
// declared default. The host has already checked types, ranges and choices, and resolved Path
// values to absolute paths, so a factory reads them without further checks. Asking for a name the
// schema does not declare, or with the wrong type, throws std::logic_error: that is a bug in the
// plugin, not in the experiment.
class VDEP_API Params {
 public:
  using Value = std::variant<bool, std::int64_t, double, std::string>;

  Params() = default;
  explicit Params(std::string plugin_name);

  bool get_bool(std::string_view name) const;
  std::int64_t get_int(std::string_view name) const;
  double get_float(std::string_view name) const;
  std::string get_string(std::string_view name) const;
  std::filesystem::path get_path(std::string_view name) const;

  bool contains(std::string_view name) const;
  void set(std::string name, Value value);
  const std::map<std::string, Value, std::less<>>& values() const { return values_; }
  const std::string& plugin_name() const { return plugin_name_; }

 private:
  const Value& lookup(std::string_view name) const;

  std::string plugin_name_;
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace vdep
