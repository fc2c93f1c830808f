#include "config/config_override.h"

#include <memory>
#include <string>

#include "config/key_path.h"
#include "config/node_replacement.h"
#include "config/value_origin.h"
#include "usage_error.h"

namespace vdep {

namespace {

constexpr const char* kKeyShape = "the key must be names separated by single dots, like stage.0.lr";

}  // namespace

ConfigOverride parse_override(std::string_view text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    throw UsageError("--set '" + std::string(text) + "': expected KEY=VALUE");
  }
  ConfigOverride config_override{std::string(text.substr(0, equals)),
                                 std::string(text.substr(equals + 1))};
  if (!split_address(config_override.key)) {
    throw UsageError("--set '" + std::string(text) + "': " + kKeyShape);
  }
  return config_override;
}

void apply_override(toml::table& table, const ConfigOverride& config_override) {
  const std::string shown = "--set '" + config_override.key + "=" + config_override.value + "'";
  const auto segments = split_address(config_override.key);
  if (!segments) throw UsageError(shown + ": " + kKeyShape);

  const toml::source_region region = override_region();
  const AddressedSlot target = locate_address(table, *segments, &region);
  if (!target.slot) throw UsageError(shown + ": " + target.problem);

  const std::unique_ptr<toml::node> value =
      copy_with_region(toml::value<std::string>(config_override.value), region);
  target.slot->assign(std::move(*value));
}

}  // namespace vdep
