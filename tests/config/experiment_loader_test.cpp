#include <gtest/gtest.h>

#include "config_test_support.h"
#include "usage_error.h"

namespace vdep::test {
namespace {

std::string source_file(const toml::node* node) {
  return node != nullptr && node->source().path ? *node->source().path : std::string("<none>");
}

TEST(LoadExperiment, MissingFileIsAUsageErrorNamingThePath) {
  const fs::path missing = fixture("no_such_experiment.toml");
  try {
    load_experiment(missing, {});
    FAIL() << "expected UsageError";
  } catch (const ConfigError&) {
    FAIL() << "a missing file is not a problem inside a file";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()), "experiment file not found: " + missing.string());
  }
}

TEST(LoadExperiment, SyntaxErrorPointsAtTheParserPosition) {
  const auto errors = config_errors([] { load_experiment(fixture("syntax_error.toml"), {}); });
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], fixture("syntax_error.toml").string() +
                           ":2:8: error: Error while parsing value: could not determine value "
                           "type");
}

TEST(LoadExperiment, EveryNodeCarriesTheAbsolutePathOfItsFile) {
  const toml::table table = load_experiment(fixture("misspelt.toml"), {});
  EXPECT_EQ(source_file(table.get("name")), fixture("misspelt.toml").string());
  EXPECT_EQ(table["name"].node()->source().begin.line, 2u);
  EXPECT_EQ(table["name"].node()->source().begin.column, 8u);
}

TEST(BaseInheritance, MergesBasesInOrderWithTheIncludingFileLast) {
  const toml::table table = load_experiment(fixture("inherit/experiments/exp.toml"), {});
  // model.toml (second base) wins over defaults.toml (first base).
  EXPECT_EQ(table["seed"].value<std::int64_t>(), 2);
  // defaults.toml wins over its own base, root.toml.
  EXPECT_EQ(table["output_dir"].value<std::string>(), "runs/shared");
  // Only root.toml says it, through two levels of bases.
  EXPECT_EQ(table["plugins"]["paths"][0].value<std::string>(), "plugins");
  EXPECT_FALSE(table.contains("base"));
}

TEST(BaseInheritance, TablesMergeKeyByKey) {
  const toml::table table = load_experiment(fixture("inherit/experiments/exp.toml"), {});
  EXPECT_EQ(table["encoder"]["plugin"].value<std::string>(), "clip");
  EXPECT_EQ(table["encoder"]["weights"].value<std::string>(), "models/clip-vit");
  EXPECT_EQ(table["encoder"]["image_size"].value<std::int64_t>(), 448);
}

TEST(BaseInheritance, APluginBlockNamingAnotherPluginReplacesTheBaseBlock) {
  TempFolder folder;
  folder.write("base.toml", "[encoder]\nplugin = \"clip\"\nimage_size = 448\n[llm]\nplugin = \"tiny_llm\"\nlayers = 2\n");
  const fs::path file = folder.write(
      "exp.toml", "base = \"base.toml\"\n[encoder]\nplugin = \"siglip\"\n[llm]\nplugin = \"tiny_llm\"\nwidth = 8\n");
  const toml::table table = load_experiment(file, {});
  EXPECT_EQ(table["encoder"]["plugin"].value<std::string>(), "siglip");
  EXPECT_FALSE(table["encoder"].as_table()->contains("image_size"));
  // The same plugin: parameters merge key by key as in any table.
  EXPECT_EQ(table["llm"]["layers"].value<std::int64_t>(), 2);
  EXPECT_EQ(table["llm"]["width"].value<std::int64_t>(), 8);
}

TEST(BaseInheritance, ArraysOfTablesAreReplacedWhole) {
  const toml::table table = load_experiment(fixture("inherit/experiments/exp.toml"), {});
  const toml::array* stages = table["stage"].as_array();
  ASSERT_NE(stages, nullptr);
  ASSERT_EQ(stages->size(), 1u);
  EXPECT_EQ(table["stage"][0]["name"].value<std::string>(), "only");
}

TEST(BaseInheritance, MergedNodesKeepTheFileThatWroteThem) {
  const toml::table table = load_experiment(fixture("inherit/experiments/exp.toml"), {});
  EXPECT_EQ(source_file(table["encoder"]["weights"].node()),
            fixture("inherit/common/model.toml").string());
  EXPECT_EQ(table["encoder"]["weights"].node()->source().begin.line, 6u);
  EXPECT_EQ(source_file(table["encoder"]["image_size"].node()),
            fixture("inherit/experiments/exp.toml").string());
  EXPECT_EQ(source_file(table["plugins"]["paths"][0].node()),
            fixture("inherit/common/root.toml").string());
}

TEST(BaseInheritance, CycleIsReportedWhereItClosesWithTheWholeChain) {
  const auto errors = config_errors([] { load_experiment(fixture("cycle/a.toml"), {}); });
  ASSERT_EQ(errors.size(), 1u);
  const std::string a = fixture("cycle/a.toml").string();
  const std::string b = fixture("cycle/b.toml").string();
  EXPECT_EQ(errors[0], b + ":1:8: error: base: inheritance cycle: " + a + " -> " + b + " -> " + a);
}

TEST(BaseInheritance, MissingBaseFileIsReportedAtItsName) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", "seed = 1\nbase = [\"a.toml\", \"sub/gone.toml\"]\n");
  folder.write("a.toml", "seed = 2\n");
  const auto errors = config_errors([&] { load_experiment(file, {}); });
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], file.string() + ":2:19: error: base: file not found: " +
                           (folder.path() / "sub/gone.toml").string());
}

TEST(BaseInheritance, BaseMustNameFiles) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", "base = 3\n");
  const auto errors = config_errors([&] { load_experiment(file, {}); });
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            file.string() + ":1:8: error: base: expected a file name or an array of them, got int");
}

}  // namespace
}  // namespace vdep::test
