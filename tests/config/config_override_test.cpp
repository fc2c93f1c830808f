#include <gtest/gtest.h>

#include "config/value_origin.h"
#include "config_test_support.h"
#include "usage_error.h"

namespace vdep::test {
namespace {

constexpr std::string_view kTwoStages = R"(
[[stage]]
name = "pretrain"
[[stage.objectives]]
plugin = "lm"
[[stage.objectives]]
plugin = "vdep"

[[stage]]
name = "finetune"
[[stage.objectives]]
plugin = "vdep"
[[stage.objectives]]
plugin = "vdep"
)";

std::string usage_error_text(const fs::path& file, const std::vector<ConfigOverride>& overrides) {
  try {
    load_experiment(file, overrides);
  } catch (const UsageError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected UsageError";
  return {};
}

TEST(ParseOverride, SplitsAtTheFirstEqualsSign) {
  const ConfigOverride parsed = parse_override("stage.0.name=a=b");
  EXPECT_EQ(parsed.key, "stage.0.name");
  EXPECT_EQ(parsed.value, "a=b");
  EXPECT_EQ(parse_override("seed=").value, "");
}

TEST(ParseOverride, RejectsMissingEqualsAndBadKeys) {
  EXPECT_THROW(parse_override("seed"), UsageError);
  EXPECT_THROW(parse_override("=3"), UsageError);
  EXPECT_THROW(parse_override("stage..name=3"), UsageError);
  EXPECT_THROW(parse_override("seed.=3"), UsageError);
  try {
    parse_override("seed");
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()), "--set 'seed': expected KEY=VALUE");
  }
}

TEST(ApplyOverride, InsertsTheRawTextAsAStringFromSet) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", "seed = 1\n");
  const toml::table table = load_experiment(file, {{"seed", "7"}});
  const toml::node* seed = table.get("seed");
  ASSERT_NE(seed, nullptr);
  EXPECT_EQ(seed->value<std::string>(), "7");
  EXPECT_EQ(origin_of(seed->source()), ValueOrigin::Override);
  EXPECT_EQ(*seed->source().path, "--set");
}

TEST(ApplyOverride, CreatesMissingTables) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", "seed = 1\n");
  const toml::table table = load_experiment(file, {{"trainer.optimizer.lr", "0.1"}});
  EXPECT_EQ(table["trainer"]["optimizer"]["lr"].value<std::string>(), "0.1");
  EXPECT_TRUE(table["trainer"].is_table());
}

TEST(ApplyOverride, AddressesArrayElementsByIndex) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", kTwoStages);
  const toml::table table = load_experiment(file, {{"stage.1.objectives.0.alpha", "0.5"}});
  EXPECT_EQ(table["stage"][1]["objectives"][0]["alpha"].value<std::string>(), "0.5");
  EXPECT_FALSE(table["stage"][1]["objectives"][1].as_table()->contains("alpha"));
  EXPECT_FALSE(table["stage"][0]["objectives"][0].as_table()->contains("alpha"));
}

TEST(ApplyOverride, AddressesArrayElementsByNameOrPlugin) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", kTwoStages);
  const toml::table table = load_experiment(file, {{"stage.pretrain.objectives.vdep.alpha", "0.5"}});
  EXPECT_EQ(table["stage"][0]["objectives"][1]["alpha"].value<std::string>(), "0.5");
  EXPECT_FALSE(table["stage"][0]["objectives"][0].as_table()->contains("alpha"));
  EXPECT_FALSE(table["stage"][1]["objectives"][0].as_table()->contains("alpha"));
}

TEST(ApplyOverride, UnknownNameListsTheAvailableOnes) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", kTwoStages);
  EXPECT_EQ(usage_error_text(file, {{"stage.pretrian.seed", "1"}}),
            "--set 'stage.pretrian.seed=1': 'stage' has no element named 'pretrian'; available: "
            "pretrain, finetune; did you mean 'pretrain'?");
}

TEST(ApplyOverride, AmbiguousNameAsksForAnIndex) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", kTwoStages);
  EXPECT_EQ(usage_error_text(file, {{"stage.finetune.objectives.vdep.alpha", "1"}}),
            "--set 'stage.finetune.objectives.vdep.alpha=1': 'stage[1].objectives' has 2 "
            "elements named 'vdep'; address one by its index");
}

TEST(ApplyOverride, IndexOutOfRange) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", kTwoStages);
  EXPECT_EQ(usage_error_text(file, {{"stage.2.name", "x"}}),
            "--set 'stage.2.name=x': 'stage' has 2 element(s); index 2 is out of range");
}

TEST(ApplyOverride, IndexTooLargeForAnyArrayIsAUsageError) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", kTwoStages);
  EXPECT_EQ(usage_error_text(file, {{"stage.99999999999999999999.name", "x"}}),
            "--set 'stage.99999999999999999999.name=x': 'stage' has 2 element(s); index "
            "99999999999999999999 is out of range");
}

TEST(ApplyOverride, CannotDescendIntoAValue) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", "seed = 1\n");
  EXPECT_EQ(usage_error_text(file, {{"seed.value", "1"}}),
            "--set 'seed.value=1': 'seed' is of type int, not a table");
}

// Validation parses --set text into the type the schema gives the key.
TEST(TypedOverride, IntFloatBoolStringAndPath) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", std::string(kTwoStages) + R"(
[[stage.datasets]]
plugin = "image_text"
root = "images"
)");
  const toml::table table = load_and_validate(
      file, {{"seed", "7"},
             {"stage.finetune.objectives.0.alpha", "0.25"},
             {"stage.finetune.objectives.1.alpha", "1"},
             {"stage.pretrain.objectives.vdep.detach_target", "true"},
             {"stage.pretrain.objectives.vdep.variant", "inv_l2"},
             {"stage.finetune.datasets.image_text.root", "data/coco"}});
  EXPECT_EQ(table["seed"].value_exact<std::int64_t>(), 7);
  EXPECT_EQ(table["stage"][1]["objectives"][0]["alpha"].value_exact<double>(), 0.25);
  EXPECT_EQ(table["stage"][1]["objectives"][1]["alpha"].value_exact<double>(), 1.0);
  EXPECT_EQ(table["stage"][0]["objectives"][1]["detach_target"].value_exact<bool>(), true);
  EXPECT_EQ(table["stage"][0]["objectives"][1]["variant"].value_exact<std::string>(), "inv_l2");
  // Relative to the current directory, not to the experiment file.
  EXPECT_EQ(table["stage"][1]["datasets"][0]["root"].value_exact<std::string>(),
            (fs::current_path() / "data/coco").lexically_normal().string());
}

TEST(TypedOverride, TextThatIsNotOfTheKeysTypeIsReportedAtSet) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", kTwoStages);
  const auto errors = validation_errors(
      file, {{"seed", "abc"}, {"stage.finetune.objectives.0.shift", "1.5"},
             {"stage.finetune.objectives.0.detach_target", "yes"},
             {"stage.finetune.objectives.0.alpha", "2"}});
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "--set: error: seed: expected int, got 'abc'",
                        "--set: error: stage[1].objectives[0].alpha: must be in [0, 1] (got 2)",
                        "--set: error: stage[1].objectives[0].shift: expected int, got '1.5'",
                        "--set: error: stage[1].objectives[0].detach_target: expected bool, got 'yes'",
                    }));
}

TEST(TypedOverride, UnknownKeyFromSetIsReportedAtSet) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", kTwoStages);
  const auto errors = validation_errors(file, {{"stage.pretrain.objectives.vdep.alpah", "0.1"}});
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "--set: error: stage[0].objectives[1].alpah: unknown key; did you mean "
                        "'alpha'?"}));
}

}  // namespace
}  // namespace vdep::test
