#include "tokenizers/hf_tokenizer_files.h"

#include <climits>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vdep {

namespace {

// Absent: nullopt; null: a token explicitly set to none.
std::optional<std::optional<AddedToken>> special_token_in(const nlohmann::json& settings,
                                                          const std::filesystem::path& file, const std::string& key) {
  const auto found = settings.find(key);
  if (found == settings.end()) return std::nullopt;
  if (found->is_null()) return std::optional<AddedToken>();
  AddedToken token = found->is_string() ? AddedToken{found->get<std::string>()}
                                        : added_token_from_json(*found, file.string() + ": " + key);
  token.special = true;
  return token;
}

nlohmann::json read_object_if_present(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) return nlohmann::json::object();
  nlohmann::json json = read_json_file(file);
  if (!json.is_object()) throw std::runtime_error(file.string() + ": expected a JSON object");
  return json;
}

std::int64_t id_from_key(const std::string& key, const std::string& where) {
  try {
    std::size_t used = 0;
    const long long id = std::stoll(key, &used);
    if (used == key.size() && id >= 0 && id <= INT32_MAX) return id;
  } catch (const std::exception&) {
  }
  throw std::runtime_error(where + ": '" + key + "' is not a token id");
}

}  // namespace

nlohmann::json read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& error) {
    throw std::runtime_error(file.string() + ": malformed JSON: " + error.what());
  }
}

HfTokenizerSettings HfTokenizerSettings::read(const std::filesystem::path& folder) {
  HfTokenizerSettings settings;
  settings.config_file_ = folder / "tokenizer_config.json";
  settings.config_ = read_object_if_present(settings.config_file_);
  settings.map_file_ = folder / "special_tokens_map.json";
  settings.map_ = read_object_if_present(settings.map_file_);
  return settings;
}

bool HfTokenizerSettings::flag(const std::string& key, bool fallback) const {
  const auto found = config_.find(key);
  if (found == config_.end() || found->is_null()) return fallback;
  if (!found->is_boolean()) throw std::runtime_error(config_file_.string() + ": " + key + " must be true or false");
  return found->get<bool>();
}

const nlohmann::json& HfTokenizerSettings::added_tokens_decoder() const {
  static const nlohmann::json kNone = nlohmann::json::object();
  const auto found = config_.find("added_tokens_decoder");
  if (found == config_.end()) return kNone;
  if (!found->is_object()) throw std::runtime_error(config_file_.string() + ": added_tokens_decoder must be an object");
  return *found;
}

std::optional<AddedToken> HfTokenizerSettings::special_token(const std::string& key, const char* fallback) const {
  if (auto token = special_token_in(map_, map_file_, key)) return *token;
  if (auto token = special_token_in(config_, config_file_, key)) return *token;
  if (fallback == nullptr) return std::nullopt;
  return AddedToken{fallback, 0, true};
}

std::int64_t token_id_from_json(const nlohmann::json& value, const std::string& where) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > INT32_MAX) {
    throw std::runtime_error(where + ": expected a non-negative integer id");
  }
  return value.get<std::int64_t>();
}

AddedToken added_token_from_json(const nlohmann::json& value, const std::string& where) {
  if (!value.is_object() || !value.contains("content") || !value["content"].is_string()) {
    throw std::runtime_error(where + ": expected an AddedToken object with a \"content\" string");
  }
  const auto flag = [&](const char* key) {
    const auto found = value.find(key);
    if (found == value.end() || found->is_null()) return false;
    if (!found->is_boolean()) throw std::runtime_error(where + ": " + key + " must be true or false");
    return found->get<bool>();
  };
  AddedToken token;
  token.content = value["content"].get<std::string>();
  token.special = flag("special");
  token.lstrip = flag("lstrip");
  token.rstrip = flag("rstrip");
  return token;
}

void read_added_tokens(const std::filesystem::path& folder, const HfTokenizerSettings& settings, AddedTokens& added) {
  if (const auto file = folder / "tokenizer.json"; std::filesystem::exists(file)) {
    const nlohmann::json tokenizer = read_json_file(file);
    if (const auto list = tokenizer.find("added_tokens"); list != tokenizer.end() && !list->is_null()) {
      if (!list->is_array()) throw std::runtime_error(file.string() + ": added_tokens must be an array");
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string where = file.string() + ": added_tokens[" + std::to_string(i) + "]";
        AddedToken token = added_token_from_json((*list)[i], where);
        token.id = token_id_from_json((*list)[i].value("id", nlohmann::json()), where + ".id");
        added.add(std::move(token));
      }
    }
  }
  if (const auto file = folder / "added_tokens.json"; std::filesystem::exists(file)) {
    const nlohmann::json tokens = read_json_file(file);
    if (!tokens.is_object()) throw std::runtime_error(file.string() + ": expected an object mapping each token to its id");
    for (const auto& [content, id] : tokens.items()) {
      added.add(AddedToken{content, token_id_from_json(id, file.string() + ": \"" + content + "\"")});
    }
  }
  for (const auto& [key, value] : settings.added_tokens_decoder().items()) {
    const std::string where = settings.config_file().string() + ": added_tokens_decoder." + key;
    AddedToken token = added_token_from_json(value, where);
    token.id = id_from_key(key, where);
    added.add(std::move(token));
  }
}


}  // namespace vdep
