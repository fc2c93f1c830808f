#include <vdep/hf_config.h>

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace vdep {

struct HfConfig::State {
  std::filesystem::path file;
  nlohmann::json object;
};

namespace {

template <typename T>
void read_value(const HfConfig::State& state, std::string_view key, T& value, const char* type) {
  const auto it = state.object.find(std::string(key));
  if (it == state.object.end() || it->is_null()) return;
  const bool fits = (std::is_same_v<T, bool> && it->is_boolean()) ||
                    (std::is_same_v<T, std::int64_t> && it->is_number_integer()) ||
                    (std::is_same_v<T, double> && it->is_number()) ||
                    (std::is_same_v<T, std::string> && it->is_string());
  if (!fits) {
    throw std::runtime_error(state.file.string() + ": '" + std::string(key) + "' must be " + type +
                             ", got " + it->dump());
  }
  value = it->get<T>();
}

}  // namespace

HfConfig HfConfig::read(const std::filesystem::path& file, std::string_view section) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  auto state = std::make_shared<State>();
  state->file = file;
  try {
    state->object = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(file.string() + ": invalid JSON: " + error.what());
  }
  if (!section.empty() && state->object.contains(std::string(section))) {
    nlohmann::json inner = state->object[std::string(section)];
    state->object = std::move(inner);
  }
  if (!state->object.is_object()) {
    throw std::runtime_error(file.string() + ": expected a JSON object" +
                             (section.empty() ? std::string() : " in '" + std::string(section) + "'"));
  }
  HfConfig config;
  config.state_ = std::move(state);
  return config;
}

void HfConfig::get(std::string_view key, std::int64_t& value) const { read_value(*state_, key, value, "an integer"); }
void HfConfig::get(std::string_view key, double& value) const { read_value(*state_, key, value, "a number"); }
void HfConfig::get(std::string_view key, bool& value) const { read_value(*state_, key, value, "true or false"); }
void HfConfig::get(std::string_view key, std::string& value) const { read_value(*state_, key, value, "a string"); }

bool HfConfig::contains(std::string_view key) const { return state_->object.contains(std::string(key)); }

bool HfConfig::has_value(std::string_view key) const {
  const auto it = state_->object.find(std::string(key));
  return it != state_->object.end() && !it->is_null();
}

const std::filesystem::path& HfConfig::file() const { return state_->file; }

}  // namespace vdep
