#include "config/toml_writer.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "config/node_text.h"

namespace vdep {

namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escape;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string key_text(std::string_view key) {
  bool bare = !key.empty();
  for (const char c : key) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    bare = bare && allowed;
  }
  return bare ? std::string(key) : quoted(key);
}

std::string float_text(double number) {
  if (std::isnan(number)) return "nan";
  if (std::isinf(number)) return number > 0 ? "inf" : "-inf";
  std::string text = number_text(number);
  // TOML needs a '.' or an exponent to read a float back as a float.
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

bool is_array_of_tables(const toml::node& node) {
  const toml::array* array = node.as_array();
  return array != nullptr && !array->empty() && array->is_array_of_tables();
}

std::string inline_value(const toml::node& node);

std::string inline_table(const toml::table& table) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : table) {
    out += first ? " " : ", ";
    out += key_text(key.str()) + " = " + inline_value(value);
    first = false;
  }
  return out + (first ? "}" : " }");
}

std::string inline_value(const toml::node& node) {
  if (const auto* text = node.as_string()) return quoted(text->get());
  if (const auto* number = node.as_floating_point()) return float_text(number->get());
  if (const auto* integer = node.as_integer()) return std::to_string(integer->get());
  if (const auto* boolean = node.as_boolean()) return boolean->get() ? "true" : "false";
  if (const auto* table = node.as_table()) return inline_table(*table);
  if (const auto* array = node.as_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < array->size(); ++i) {
      if (i > 0) out += ", ";
      out += inline_value(*array->get(i));
    }
    return out + "]";
  }
  std::ostringstream text;  // dates and times: toml++ writes them in TOML syntax
  node.visit([&text](const auto& concrete) { text << concrete; });
  return text.str();
}

void write_table(std::string& out, const toml::table& table, const std::string& path) {
  for (const auto& [key, value] : table) {
    if (value.is_table() || is_array_of_tables(value)) continue;
    out += key_text(key.str()) + " = " + inline_value(value) + "\n";
  }
  for (const auto& [key, value] : table) {
    const std::string child = path.empty() ? key_text(key.str()) : path + "." + key_text(key.str());
    if (const auto* subtable = value.as_table()) {
      out += "\n[" + child + "]\n";
      write_table(out, *subtable, child);
    } else if (is_array_of_tables(value)) {
      for (const auto& element : *value.as_array()) {
        out += "\n[[" + child + "]]\n";
        write_table(out, *element.as_table(), child);
      }
    }
  }
}

}  // namespace

std::string to_toml_string(const toml::table& table) {
  std::string out;
  write_table(out, table, "");
  return out;
}

}  // namespace vdep
