// Where plugins are looked for, in priority order.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vdep {

struct PluginFolder {
  std::filesystem::path path;
  std::string origin;  // "--plugin-path", "VDEP_PLUGIN_PATH", "[plugins] paths", "bundled"
};

// The folders to search: `--plugin-path` values, then VDEP_PLUGIN_PATH (colon-separated), then the
// experiment's `[plugins] paths`, then the plugins that ship with this libvdep. A folder that the
// user named but that does not exist is an error saying where it came from; a missing bundled
// folder is skipped.
std::vector<PluginFolder> plugin_search_path(const std::vector<std::filesystem::path>& from_command_line,
                                             const std::vector<std::filesystem::path>& from_experiment);

std::vector<std::filesystem::path> folder_paths(const std::vector<PluginFolder>& folders);

// <folder of libvdep>/vdep/plugins: the same relative place in the build tree and in an install.
std::filesystem::path bundled_plugin_folder();

}  // namespace vdep
