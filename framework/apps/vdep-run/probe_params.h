// Plugin parameters for `vdep-run probe`, from --weights and --param.
#pragma once

#include <string>

#include <vdep/params.h>
#include <vdep/plugin.h>

#include "command_line.h"
#include "plugins/plugin_registry.h"

namespace vdep {

// The plugin's parameters as an experiment's block named `block` would give them, so that
// --weights and --param are typed, range-checked and resolved exactly like an experiment's keys.
Params probe_plugin_params(const CommandLine& line, const PluginRegistry& plugins, const std::string& block,
                           PluginKind kind);

}  // namespace vdep
