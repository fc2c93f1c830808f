#include "config/interpolation.h"

#include <cstdlib>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config_error.h"
#include "config/key_path.h"
#include "config/node_replacement.h"
#include "config/node_text.h"
#include "config/value_origin.h"

namespace vdep {

namespace {

struct StringSite {
  toml::node* node;
  NodeSlot slot;
  std::string key_path;
};

enum class Progress { Pending, Expanding, Done };

struct Expansion {
  Progress progress = Progress::Pending;
  bool failed = false;  // already reported; strings that use this one fail silently
  std::string text;
  const toml::node* typed_value = nullptr;  // the string is exactly one ${a.b} of this value
  bool from_environment = false;            // the text starts with an environment variable
};

// One ${...} evaluated.
struct Piece {
  bool failed = false;
  std::string text;
  const toml::node* typed_value = nullptr;
  bool from_environment = false;
};

// Expands every string before changing any, so that references see the tree as loaded.
class Interpolator {
 public:
  explicit Interpolator(toml::table& root) : root_(root) { collect(root, ""); }

  void run() {
    expansions_.resize(sites_.size());
    for (std::size_t i = 0; i < sites_.size(); ++i) expand(i);
    if (!diagnostics_.empty()) throw ConfigError(std::move(diagnostics_));
    for (std::size_t i = 0; i < sites_.size(); ++i) apply(i);
  }

 private:
  void collect(toml::table& table, const std::string& path) {
    for (auto&& [key, node] : table) {
      collect_node(node, NodeSlot(table, std::string(key.str())), child_key_path(path, key.str()));
    }
  }

  void collect_node(toml::node& node, NodeSlot slot, const std::string& path) {
    if (node.is_string()) {
      site_of_[&node] = sites_.size();
      sites_.push_back({&node, std::move(slot), path});
    } else if (toml::table* table = node.as_table()) {
      collect(*table, path);
    } else if (toml::array* array = node.as_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        collect_node(*array->get(i), NodeSlot(*array, i), element_key_path(path, i));
      }
    }
  }

  void report(std::size_t site, std::string message) {
    diagnostics_.push_back(diagnostic_at(sites_[site].node->source(), sites_[site].key_path,
                                         std::move(message)));
  }

  void expand(std::size_t site) {
    Expansion& expansion = expansions_[site];
    if (expansion.progress != Progress::Pending) return;
    expansion.progress = Progress::Expanding;
    expanding_.push_back(site);

    const std::string& text = sites_[site].node->as_string()->get();
    std::string expanded;
    std::size_t references = 0;
    bool has_literal_text = false;
    const toml::node* typed_value = nullptr;
    std::size_t position = 0;
    while (position < text.size() && !expansion.failed) {
      if (text.compare(position, 3, "$${") == 0) {
        expanded += "${";
        has_literal_text = true;
        position += 3;
      } else if (text.compare(position, 2, "${") == 0) {
        const std::size_t close = text.find('}', position + 2);
        if (close == std::string::npos) {
          report(site, "unterminated '${' (write '$${' for a literal '${')");
          expansion.failed = true;
          break;
        }
        const Piece piece = evaluate(site, text.substr(position + 2, close - position - 2));
        if (piece.failed) {
          expansion.failed = true;
          break;
        }
        if (position == 0) expansion.from_environment = piece.from_environment;
        expanded += piece.text;
        typed_value = piece.typed_value;
        ++references;
        position = close + 1;
      } else {
        expanded += text[position++];
        has_literal_text = true;
      }
    }

    expansion.text = std::move(expanded);
    if (references == 1 && !has_literal_text) expansion.typed_value = typed_value;
    expansion.progress = Progress::Done;
    expanding_.pop_back();
  }

  Piece evaluate(std::size_t site, const std::string& expression) {
    constexpr std::string_view kEnvironment = "env.";
    if (expression.compare(0, kEnvironment.size(), kEnvironment) == 0) {
      return environment_variable(site, expression.substr(kEnvironment.size()));
    }
    return reference(site, expression);
  }

  Piece environment_variable(std::size_t site, const std::string& spec) {
    Piece piece;
    const std::size_t fallback_at = spec.find(":-");
    const std::string name = spec.substr(0, fallback_at);
    if (name.empty()) {
      report(site, "'${env." + spec + "}' names no environment variable");
      piece.failed = true;
      return piece;
    }
    // The fallback stands in for the variable, so it counts as coming from the environment too.
    piece.from_environment = true;
    const char* value = std::getenv(name.c_str());
    if (fallback_at != std::string::npos && (value == nullptr || *value == '\0')) {
      piece.text = spec.substr(fallback_at + 2);
    } else if (value != nullptr) {
      piece.text = value;
    } else {
      report(site, "environment variable '" + name + "' is not set (write '${env." + name +
                       ":-DEFAULT}' to give it a default)");
      piece.failed = true;
    }
    return piece;
  }

  Piece reference(std::size_t site, const std::string& address) {
    Piece piece;
    piece.failed = true;
    const auto segments = split_address(address);
    if (!segments) {
      report(site, "'${" + address + "}' is neither ${env.NAME} nor a key like ${section.key}");
      return piece;
    }
    const AddressedSlot target = locate_address(root_, *segments, nullptr);
    const toml::node* node = target.slot ? target.slot->node() : nullptr;
    if (node == nullptr) {
      report(site, "unknown reference '${" + address + "}': " + target.problem);
      return piece;
    }

    if (node->is_string()) {
      const std::size_t referenced = site_of_.at(node);
      if (expansions_[referenced].progress == Progress::Expanding) {
        report(site, "interpolation cycle: " + cycle_through(referenced));
        return piece;
      }
      expand(referenced);
      const Expansion& expansion = expansions_[referenced];
      if (expansion.failed) return piece;
      piece.failed = false;
      piece.text = expansion.text;
      piece.typed_value = expansion.typed_value;
      // --set text stays text to be typed by the schema wherever it is spliced, like ${env...}.
      piece.from_environment =
          expansion.from_environment || origin_of(node->source()) == ValueOrigin::Override;
      return piece;
    }
    if (node->is_table() || node->is_array()) {
      report(site, "'${" + address + "}' is a " + type_name(*node) +
                       "; only strings, numbers, booleans and dates can be interpolated");
      return piece;
    }
    piece.failed = false;
    piece.text = value_text(*node);
    piece.typed_value = node;
    return piece;
  }

  // "a -> b -> a" for the strings being expanded from `site` on.
  std::string cycle_through(std::size_t site) const {
    std::string chain;
    bool in_cycle = false;
    for (const std::size_t member : expanding_) {
      in_cycle = in_cycle || member == site;
      if (in_cycle) chain += sites_[member].key_path + " -> ";
    }
    return chain + sites_[site].key_path;
  }

  void apply(std::size_t site) {
    const StringSite& string_site = sites_[site];
    const Expansion& expansion = expansions_[site];
    const toml::source_region& region = string_site.node->source();
    if (expansion.typed_value != nullptr) {
      string_site.slot.assign(std::move(*copy_with_region(*expansion.typed_value, region)));
    } else if (expansion.from_environment && origin_of(region) == ValueOrigin::File) {
      const toml::value<std::string> text(expansion.text);
      string_site.slot.assign(std::move(*copy_with_region(text, environment_region(region))));
    } else {
      string_site.node->as_string()->get() = expansion.text;
    }
  }

  toml::table& root_;
  std::vector<StringSite> sites_;
  std::unordered_map<const toml::node*, std::size_t> site_of_;
  std::vector<Expansion> expansions_;
  std::vector<std::size_t> expanding_;  // the strings whose expansion is under way, outermost first
  std::vector<ConfigDiagnostic> diagnostics_;
};

}  // namespace

void interpolate(toml::table& table) { Interpolator(table).run(); }

}  // namespace vdep
