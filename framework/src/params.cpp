#include <vdep/params.h>

#include <stdexcept>
#include <utility>

namespace vdep {

namespace {

const char* type_name(const Params::Value& value) {
  switch (value.index()) {
    case 0: return "bool";
    case 1: return "int";
    case 2: return "float";
    default: return "string";
  }
}

template <typename T>
const T& get_as(const std::string& plugin, std::string_view name, const Params::Value& value,
                const char* wanted) {
  if (const T* typed = std::get_if<T>(&value)) return *typed;
  throw std::logic_error("plugin '" + plugin + "' reads parameter '" + std::string(name) +
                         "' as " + wanted + " but its schema makes it " + type_name(value));
}

}  // namespace

Params::Params(std::string plugin_name) : plugin_name_(std::move(plugin_name)) {}

const Params::Value& Params::lookup(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) {
    throw std::logic_error("plugin '" + plugin_name_ + "' reads parameter '" + std::string(name) +
                           "', which its schema does not declare");
  }
  return it->second;
}

bool Params::get_bool(std::string_view name) const {
  return get_as<bool>(plugin_name_, name, lookup(name), "bool");
}

std::int64_t Params::get_int(std::string_view name) const {
  return get_as<std::int64_t>(plugin_name_, name, lookup(name), "int");
}

double Params::get_float(std::string_view name) const {
  return get_as<double>(plugin_name_, name, lookup(name), "float");
}

std::string Params::get_string(std::string_view name) const {
  return get_as<std::string>(plugin_name_, name, lookup(name), "string");
}

std::filesystem::path Params::get_path(std::string_view name) const {
  return get_as<std::string>(plugin_name_, name, lookup(name), "path");
}

bool Params::contains(std::string_view name) const { return values_.find(name) != values_.end(); }

void Params::set(std::string name, Value value) { values_[std::move(name)] = std::move(value); }

}  // namespace vdep
