// Replacing a value of a loaded experiment with one of another type (a --set string with the int
// it spells, an int with a float) without losing where it came from.
//
// toml++ drops the source region when a node is copied (by design, tomlplusplus#49) and only its
// parser can set one. So a replacement is printed as TOML and parsed back at the same line and
// column of the same source path: from then on it is an ordinary parsed node.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace vdep {

// One TOML value written as text ("42", "'x'", "[1, 2]") parsed into a node that carries `region`.
// nullptr when `text` is not exactly one TOML value.
std::unique_ptr<toml::node> parse_value_at(std::string_view text,
                                           const toml::source_region& region);

// A copy of `value` (a string, number, boolean, date, time or array of them) that carries
// `region`. Throws std::logic_error for a table.
std::unique_ptr<toml::node> copy_with_region(const toml::node& value,
                                             const toml::source_region& region);

// Where a node sits: a key of a table or an element of an array. Replacing a node with one of
// another type takes its parent.
class NodeSlot {
 public:
  NodeSlot(toml::table& table, std::string key);
  NodeSlot(toml::array& array, std::size_t index);

  toml::node* node() const;
  // Moves `value` in; a move keeps its source region. A table key keeps its own region.
  void assign(toml::node&& value) const;

 private:
  toml::table* table_ = nullptr;
  std::string key_;
  toml::array* array_ = nullptr;
  std::size_t index_ = 0;
};

}  // namespace vdep
