#include "config/experiment_loader.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include "config/config_error.h"
#include "config/config_override.h"
#include "config/interpolation.h"
#include "config/node_text.h"
#include "config/table_merge.h"
#include "config/value_origin.h"
#include "usage_error.h"

namespace vdep {

namespace fs = std::filesystem;

namespace {

// Parsed with its absolute path as source, which every node then carries.
toml::table parse_experiment_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw UsageError("cannot read experiment file " + file.string());
  try {
    return toml::parse(text.str(), file.string());
  } catch (const toml::parse_error& error) {
    ConfigDiagnostic diagnostic;
    diagnostic.file = file.string();
    diagnostic.line = static_cast<int>(error.source().begin.line);
    diagnostic.column = static_cast<int>(error.source().begin.column);
    diagnostic.message = std::string(error.description());
    throw ConfigError(std::move(diagnostic));
  }
}

// The strings of `base = "x.toml"` or `base = ["x.toml", "y.toml"]`.
std::vector<const toml::value<std::string>*> base_names(const toml::node& base) {
  std::vector<const toml::value<std::string>*> names;
  if (const auto* name = base.as_string()) {
    names.push_back(name);
  } else if (const toml::array* array = base.as_array()) {
    for (const auto& element : *array) {
      const auto* element_name = element.as_string();
      if (element_name == nullptr) {
        throw ConfigError(diagnostic_at(element.source(), "base",
                                        std::string("expected a file name, got ") +
                                            type_name(element)));
      }
      names.push_back(element_name);
    }
  } else {
    throw ConfigError(diagnostic_at(base.source(), "base",
                                    std::string("expected a file name or an array of them, got ") +
                                        type_name(base)));
  }
  return names;
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code error;
  return fs::equivalent(a, b, error);
}

// `chain` holds the files whose bases are being loaded, outermost first.
toml::table load_with_bases(const fs::path& file, std::vector<fs::path>& chain) {
  toml::table own = parse_experiment_file(file);
  const toml::node* base = own.get("base");
  if (base == nullptr) return own;

  chain.push_back(file);
  std::optional<toml::table> merged;
  for (const toml::value<std::string>* name : base_names(*base)) {
    const fs::path base_file = (file.parent_path() / name->get()).lexically_normal();
    std::error_code error;
    if (!fs::is_regular_file(base_file, error)) {
      throw ConfigError(
          diagnostic_at(name->source(), "base", "file not found: " + base_file.string()));
    }
    for (const fs::path& including : chain) {
      if (!same_file(including, base_file)) continue;
      std::string cycle;
      for (const fs::path& member : chain) cycle += member.string() + " -> ";
      throw ConfigError(diagnostic_at(name->source(), "base",
                                      "inheritance cycle: " + cycle + base_file.string()));
    }
    toml::table loaded = load_with_bases(base_file, chain);
    if (merged) {
      deep_merge(*merged, std::move(loaded));
    } else {
      merged = std::move(loaded);
    }
  }
  chain.pop_back();

  own.erase("base");
  if (!merged) return own;  // base = []
  deep_merge(*merged, std::move(own));
  return std::move(*merged);
}

}  // namespace

toml::table load_experiment(const fs::path& file, const std::vector<ConfigOverride>& overrides) {
  std::error_code error;
  if (!fs::is_regular_file(file, error)) {
    throw UsageError("experiment file not found: " + file.string());
  }
  std::vector<fs::path> chain;
  toml::table table = load_with_bases(fs::absolute(file).lexically_normal(), chain);
  for (const ConfigOverride& config_override : overrides) apply_override(table, config_override);
  interpolate(table);
  return table;
}

}  // namespace vdep
