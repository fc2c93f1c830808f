// A plugin's part of the experiment schema: the keys of a plugin block (`plugin = "NAME"` and the
// plugin's parameters), and the Params its factory receives from a validated block.
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>
#include <vdep/params.h>
#include <vdep/plugin.h>

#include "config/config_schema.h"

namespace vdep {

// `plugin` followed by one field per ParamSpec. A declared default that does not parse as its
// type is a bug in the plugin: it is described in `problems` and the field becomes optional.
std::vector<FieldSchema> plugin_block_fields(const PluginInfo& info,
                                             std::vector<std::string>& problems);

// The Params for one validated plugin block. Throws std::logic_error if the block was not
// validated against `info` (a parameter missing or of the wrong type).
Params plugin_params(const toml::table& block, const PluginInfo& info);

}  // namespace vdep
