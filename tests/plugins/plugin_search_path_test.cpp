#include <gtest/gtest.h>

#include <cstdlib>

#include "plugins/plugin_search_path.h"
#include "usage_error.h"

namespace vdep {
namespace {

const std::filesystem::path kPlugins = VDEP_TEST_PLUGIN_DIR;

class PluginSearchPathTest : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("VDEP_PLUGIN_PATH"); }
};

TEST_F(PluginSearchPathTest, OrdersCommandLineEnvironmentExperimentThenBundled) {
  const std::string env = (kPlugins / "throwing").string() + "::" + (kPlugins / "no_entry").string();
  ::setenv("VDEP_PLUGIN_PATH", env.c_str(), 1);
  const auto folders = plugin_search_path({kPlugins / "good"}, {kPlugins / "duplicate"});
  ASSERT_EQ(folders.size(), 5u);
  EXPECT_EQ(folders[0].path, kPlugins / "good");
  EXPECT_EQ(folders[0].origin, "--plugin-path");
  EXPECT_EQ(folders[1].path, kPlugins / "throwing");
  EXPECT_EQ(folders[1].origin, "VDEP_PLUGIN_PATH");
  EXPECT_EQ(folders[2].path, kPlugins / "no_entry");
  EXPECT_EQ(folders[3].path, kPlugins / "duplicate");
  EXPECT_EQ(folders[3].origin, "[plugins] paths");
  EXPECT_EQ(folders[4].path, bundled_plugin_folder());
  EXPECT_EQ(folders[4].origin, "bundled");
}

TEST_F(PluginSearchPathTest, MissingFolderSaysWhereItCameFrom) {
  ::setenv("VDEP_PLUGIN_PATH", "/nonexistent/vdep-plugins", 1);
  try {
    plugin_search_path({}, {});
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(), "plugin folder not found: /nonexistent/vdep-plugins (from VDEP_PLUGIN_PATH)");
  }
}

}  // namespace
}  // namespace vdep
