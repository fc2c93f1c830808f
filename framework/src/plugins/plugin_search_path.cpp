#include "plugins/plugin_search_path.h"

#include <cstdlib>
#include <sstream>

#include <boost/dll/runtime_symbol_info.hpp>

#include "usage_error.h"

namespace vdep {

namespace {

void add_existing(std::vector<PluginFolder>& folders, const std::filesystem::path& path,
                  const std::string& origin) {
  if (!std::filesystem::is_directory(path)) {
    throw UsageError("plugin folder not found: " + path.string() + " (from " + origin + ")");
  }
  folders.push_back({path, origin});
}

}  // namespace

std::vector<PluginFolder> plugin_search_path(
    const std::vector<std::filesystem::path>& from_command_line,
    const std::vector<std::filesystem::path>& from_experiment) {
  std::vector<PluginFolder> folders;
  for (const auto& path : from_command_line) add_existing(folders, path, "--plugin-path");

  if (const char* env = std::getenv("VDEP_PLUGIN_PATH")) {
    std::stringstream entries(env);
    std::string entry;
    while (std::getline(entries, entry, ':')) {
      if (!entry.empty()) add_existing(folders, entry, "VDEP_PLUGIN_PATH");
    }
  }

  for (const auto& path : from_experiment) add_existing(folders, path, "[plugins] paths");

  const auto bundled = bundled_plugin_folder();
  if (std::filesystem::is_directory(bundled)) folders.push_back({bundled, "bundled"});
  return folders;
}

std::vector<std::filesystem::path> folder_paths(const std::vector<PluginFolder>& folders) {
  std::vector<std::filesystem::path> paths;
  for (const auto& folder : folders) paths.push_back(folder.path);
  return paths;
}

std::filesystem::path bundled_plugin_folder() {
  return boost::dll::this_line_location().parent_path() / "vdep" / "plugins";
}

}  // namespace vdep
