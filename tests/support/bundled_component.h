// A component of a bundled plugin, created from an experiment-file block as vdep-run creates it:
// the settings are validated against the plugin's schema and the defaults filled in.
#pragma once

#include <memory>
#include <string>

#include <toml++/toml.h>

#include "config/experiment_schema.h"
#include "support/bundled_plugins.h"

namespace vdep::test {

// `settings` holds the block's keys besides `plugin`, e.g. {{"preset", "tiny"}}; `key` is the
// block's name in an experiment file ("llm", "encoder", "objectives", ...), for error messages.
template <class T>
std::unique_ptr<T> make_bundled(PluginKind kind, const std::string& key, const std::string& plugin,
                                toml::table settings) {
  settings.insert_or_assign("plugin", plugin);
  const Params params = validated_plugin_params(std::move(settings), key, kind, bundled_plugins(), {});
  return bundled_plugins().create_as<T>(kind, plugin, params);
}

}  // namespace vdep::test
