#include "config/key_path.h"

#include <charconv>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <utility>

#include "config/node_text.h"
#include "text/nearest_match.h"
#include "text/join.h"

namespace vdep {

namespace {

bool is_index(std::string_view segment) {
  return std::all_of(segment.begin(), segment.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

// What a selector segment can match in an element: its `name`, else its `plugin`.
std::vector<std::string> selector_names(const toml::node& element) {
  std::vector<std::string> names;
  if (const toml::table* table = element.as_table()) {
    for (const char* key : {"name", "plugin"}) {
      if (const auto* value = table->get_as<std::string>(key)) names.push_back(value->get());
    }
  }
  return names;
}

std::optional<std::size_t> select_element(const toml::array& array, std::string_view segment,
                                          const std::string& array_path, std::string& problem) {
  if (is_index(segment)) {
    std::size_t index = 0;
    const auto [end, error] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
    if (error == std::errc() && end == segment.data() + segment.size() && index < array.size()) {
      return index;
    }
    problem = "'" + array_path + "' has " + std::to_string(array.size()) + " element(s); index " +
              std::string(segment) + " is out of range";
    return std::nullopt;
  }

  std::vector<std::size_t> matches;
  std::vector<std::string> available;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::vector<std::string> names = selector_names(*array.get(i));
    if (std::find(names.begin(), names.end(), segment) != names.end()) matches.push_back(i);
    if (!names.empty()) available.push_back(names.front());
  }
  if (matches.size() == 1) return matches.front();

  if (matches.empty()) {
    problem = "'" + array_path + "' has no element named '" + std::string(segment) +
              "'; available: " + (available.empty() ? "none" : join(available, ", "));
    if (const auto suggestion = nearest_match(segment, available)) {
      problem += "; did you mean '" + *suggestion + "'?";
    }
  } else {
    problem = "'" + array_path + "' has " + std::to_string(matches.size()) +
              " elements named '" + std::string(segment) + "'; address one by its index";
  }
  return std::nullopt;
}

std::string missing_key_problem(const toml::table& table, const std::string& table_path,
                                const std::vector<std::string>& segments, std::size_t missing) {
  std::string problem = table_path.empty() ? "there is no key '" + segments[missing] + "'"
                                           : "'" + table_path + "' has no key '" +
                                                 segments[missing] + "'";
  std::vector<std::string> keys;
  for (const auto& entry : table) keys.emplace_back(entry.first.str());
  if (const auto suggestion = nearest_match(segments[missing], keys)) {
    std::vector<std::string> corrected(segments.begin(), segments.begin() + missing);
    corrected.push_back(*suggestion);
    problem += "; did you mean '" + join(corrected, ".") + "'?";
  }
  return problem;
}

}  // namespace

std::string child_key_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string element_key_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::optional<std::vector<std::string>> split_address(std::string_view address) {
  std::vector<std::string> segments;
  while (true) {
    const std::size_t dot = address.find('.');
    segments.emplace_back(address.substr(0, dot));
    if (segments.back().empty()) return std::nullopt;
    if (dot == std::string_view::npos) return segments;
    address.remove_prefix(dot + 1);
  }
}

AddressedSlot locate_address(toml::table& root, const std::vector<std::string>& segments,
                             const toml::source_region* create_with) {
  AddressedSlot result;
  toml::node* container = &root;
  std::string path;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    const bool last = i + 1 == segments.size();

    if (toml::table* table = container->as_table()) {
      toml::node* child = table->get(segment);
      if (child == nullptr && create_with == nullptr) {
        result.problem = missing_key_problem(*table, path, segments, i);
        return result;
      }
      path = child_key_path(path, segment);
      if (last) {
        result.slot.emplace(*table, segment);
        result.key_path = path;
        return result;
      }
      if (child == nullptr) {
        std::unique_ptr<toml::node> created = parse_value_at("{}", *create_with);
        created->as_table()->is_inline(false);
        table->insert(toml::key(segment, *create_with), std::move(*created));
        child = table->get(segment);
      }
      container = child;
    } else if (toml::array* array = container->as_array()) {
      const std::optional<std::size_t> index = select_element(*array, segment, path, result.problem);
      if (!index) return result;
      path = element_key_path(path, *index);
      if (last) {
        result.slot.emplace(*array, *index);
        result.key_path = path;
        return result;
      }
      container = array->get(*index);
    } else {
      result.problem = "'" + path + "' is of type " + type_name(*container) + ", not a table";
      return result;
    }
  }
  return result;
}

}  // namespace vdep
