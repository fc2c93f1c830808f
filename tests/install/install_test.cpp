// The SDK as a third party uses it: install vdep to a prefix, build examples/z_loss_objective
// against it as a separate CMake project, and load the result through VDEP_PLUGIN_PATH.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "support/process.h"

namespace vdep::test {
namespace {

const std::string kCmake = VDEP_CMAKE_COMMAND;

TEST(InstalledSdk, BuildsAndLoadsAnOutOfTreePlugin) {
  const auto scratch = std::filesystem::temp_directory_path() / ("vdep-install-" + std::to_string(::getpid()));
  std::filesystem::remove_all(scratch);
  const auto prefix = scratch / "prefix";
  const auto build = scratch / "build";

  const auto install = run_process(shell_quote(kCmake) + " --install " + shell_quote(VDEP_BINARY_DIR) +
                                   " --prefix " + shell_quote(prefix.string()));
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  for (const char* file : {"include/vdep/plugin.h", "include/vdep/version.h", "include/vdep/objective.h",
                           "lib/cmake/vdep/vdepConfig.cmake", "lib/cmake/vdep/VdepPlugin.cmake", "bin/vdep-run",
                           "lib/vdep/plugins/vdep_objective_lm.so"}) {
    EXPECT_TRUE(std::filesystem::exists(prefix / file)) << file;
  }

  std::string launcher;
  if (std::system("command -v ccache >/dev/null 2>&1") == 0) launcher = " -DCMAKE_CXX_COMPILER_LAUNCHER=ccache";
  const auto configure = run_process(shell_quote(kCmake) + " -S " +
                                     shell_quote(std::string(VDEP_SOURCE_DIR) + "/examples/z_loss_objective") +
                                     " -B " + shell_quote(build.string()) + " -DCMAKE_BUILD_TYPE=Release" +
                                     " -DCMAKE_PREFIX_PATH=" + shell_quote(prefix.string()) + launcher);
  ASSERT_EQ(configure.exit_code, 0) << configure.out << configure.err;
  const auto compile = run_process(shell_quote(kCmake) + " --build " + shell_quote(build.string()));
  ASSERT_EQ(compile.exit_code, 0) << compile.out << compile.err;

  // vdep_add_plugin exports the entry point alone, also out of tree.
  const auto symbols = run_process("nm -D --defined-only " + shell_quote((build / "vdep_objective_z_loss.so").string()) +
                                   " | awk '{print $3}' | grep -v -e '^_edata$' -e '^_end$' -e '^__bss_start$'");
  EXPECT_EQ(symbols.out, "vdep_plugin_entry\n") << symbols.err;

  // The installed vdep-run finds its own bundled plugins and the new one through the environment.
  const auto listed = run_process("VDEP_PLUGIN_PATH=" + shell_quote(build.string()) + " " +
                                  shell_quote((prefix / "bin" / "vdep-run").string()) + " plugins --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto plugins = nlohmann::json::parse(listed.out);
  bool found_example = false;
  bool found_bundled = false;
  for (const auto& plugin : plugins) {
    if (plugin["name"] == "z_loss") {
      found_example = true;
      EXPECT_EQ(plugin["kind"], "objective");
      EXPECT_EQ(plugin["file"], (std::filesystem::canonical(build) / "vdep_objective_z_loss.so").string());
      EXPECT_EQ(plugin["params"][0]["default"], "1e-4");
    }
    if (plugin["name"] == "lm") {
      found_bundled = true;
      EXPECT_EQ(plugin["file"], (std::filesystem::canonical(prefix) / "lib/vdep/plugins/vdep_objective_lm.so").string());
    }
  }
  EXPECT_TRUE(found_example) << listed.out;
  EXPECT_TRUE(found_bundled) << listed.out;
  std::filesystem::remove_all(scratch);
}

}  // namespace
}  // namespace vdep::test
