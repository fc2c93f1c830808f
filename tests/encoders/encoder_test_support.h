// Creating encoder plugins in tests the way vdep-run does: an [encoder] block validated against
// the plugin's schema (so unset parameters take their declared defaults), then the factory.
#pragma once

#include <memory>
#include <string>

#include <toml++/toml.h>

#include <vdep/encoder.h>

#include "config/experiment_schema.h"
#include "support/bundled_plugins.h"

namespace vdep::test {

// `settings` holds the block's keys besides `plugin`, e.g. {{"weights", "/tmp/x"}, {"select_layer", -1}}.
inline std::unique_ptr<Encoder> make_encoder(const std::string& plugin, toml::table settings) {
  settings.insert_or_assign("plugin", plugin);
  const Params params = validated_plugin_params(std::move(settings), "encoder", PluginKind::Encoder, bundled_plugins(), {});
  return bundled_plugins().create_as<Encoder>(PluginKind::Encoder, plugin, params);
}

}  // namespace vdep::test
