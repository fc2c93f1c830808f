#include <gtest/gtest.h>

#include "config/config_error.h"

namespace vdep {
namespace {

TEST(ConfigDiagnostic, FormatsLikeACompiler) {
  EXPECT_EQ(to_string(ConfigDiagnostic{"/x/exp.toml", 7, 1, "stage[0].objectives[0].alpah",
                                       "unknown key; did you mean 'alpha'?"}),
            "/x/exp.toml:7:1: error: stage[0].objectives[0].alpah: unknown key; did you mean "
            "'alpha'?");
}

TEST(ConfigDiagnostic, LeavesOutAnUnknownPositionAndAnEmptyKey) {
  EXPECT_EQ(to_string(ConfigDiagnostic{"--set", 0, 0, "seed", "expected int, got 'abc'"}),
            "--set: error: seed: expected int, got 'abc'");
  EXPECT_EQ(to_string(ConfigDiagnostic{"/x/exp.toml", 2, 8, "", "unexpected character"}),
            "/x/exp.toml:2:8: error: unexpected character");
}

TEST(ConfigError, IsAUsageErrorListingEveryDiagnosticInFileOrder) {
  const ConfigError error({{"/x/b.toml", 1, 1, "k", "third"},
                           {"/x/a.toml", 9, 2, "k", "second"},
                           {"/x/a.toml", 3, 4, "k", "first"}});
  const UsageError& usage_error = error;
  EXPECT_EQ(std::string(usage_error.what()),
            "/x/a.toml:3:4: error: k: first\n"
            "/x/a.toml:9:2: error: k: second\n"
            "/x/b.toml:1:1: error: k: third");
  ASSERT_EQ(error.diagnostics().size(), 3u);
  EXPECT_EQ(error.diagnostics()[0].message, "first");
}

}  // namespace
}  // namespace vdep
