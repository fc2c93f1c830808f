#include "config/node_replacement.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace vdep {

namespace {

std::unique_ptr<toml::node> move_to_heap(toml::node&& node) {
  return std::move(node).visit([](auto&& concrete) -> std::unique_ptr<toml::node> {
    using Concrete = std::remove_cv_t<std::remove_reference_t<decltype(concrete)>>;
    return std::make_unique<Concrete>(std::move(concrete));
  });
}

}  // namespace

std::unique_ptr<toml::node> parse_value_at(std::string_view text,
                                           const toml::source_region& region) {
  // A value can sit at line 1 only after a key ("v=" puts it at column 3 at the earliest);
  // further down, an array spanning the lines above puts it at any column.
  const std::size_t line = std::max<std::size_t>(1, region.begin.line);
  const std::size_t column = std::max<std::size_t>(1, region.begin.column);
  std::string document_text;
  if (line == 1) {
    document_text = "v=" + std::string(std::max<std::size_t>(column, 3) - 3, ' ');
    document_text += text;
  } else {
    document_text = "v=[" + std::string(line - 1, '\n') + std::string(column - 1, ' ');
    document_text += text;
    document_text += "\n]";
  }

  toml::table document;
  try {
    document = toml::parse(document_text, region.path ? *region.path : std::string());
  } catch (const toml::parse_error&) {
    return nullptr;
  }
  toml::node* value = document.get("v");
  if (document.size() != 1 || value == nullptr) return nullptr;
  if (line > 1) {
    toml::array* wrapper = value->as_array();
    if (wrapper == nullptr || wrapper->size() != 1) return nullptr;
    value = wrapper->get(0);
  }
  return move_to_heap(std::move(*value));
}

std::unique_ptr<toml::node> copy_with_region(const toml::node& value,
                                             const toml::source_region& region) {
  std::ostringstream text;
  value.visit([&text](const auto& concrete) {
    if constexpr (std::is_same_v<std::decay_t<decltype(concrete)>, toml::table>) {
      // A table prints as a document, not as one value; nothing interpolates or converts one.
      throw std::logic_error("copy_with_region() does not copy tables");
    } else {
      text << concrete;
    }
  });
  std::unique_ptr<toml::node> copy = parse_value_at(text.str(), region);
  if (copy == nullptr) throw std::logic_error("toml++ cannot read back its own " + text.str());
  return copy;
}

NodeSlot::NodeSlot(toml::table& table, std::string key) : table_(&table), key_(std::move(key)) {}

NodeSlot::NodeSlot(toml::array& array, std::size_t index) : array_(&array), index_(index) {}

toml::node* NodeSlot::node() const {
  return table_ != nullptr ? table_->get(key_) : array_->get(index_);
}

void NodeSlot::assign(toml::node&& value) const {
  if (table_ != nullptr) {
    // A new key takes the value's region, so that an unknown key set by --set is reported there.
    table_->insert_or_assign(toml::key(key_, value.source()), std::move(value));
  } else {
    array_->replace(array_->cbegin() + static_cast<std::ptrdiff_t>(index_), std::move(value));
  }
}

}  // namespace vdep
