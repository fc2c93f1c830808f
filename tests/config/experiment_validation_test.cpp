#include <gtest/gtest.h>

#include "config_test_support.h"

namespace vdep::test {
namespace {

class ValidationTest : public ::testing::Test {
 protected:
  fs::path write(std::string_view text) { return file_ = folder_.write("exp.toml", text); }
  std::string at(int line, int column) const {
    return file_.string() + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: ";
  }

  TempFolder folder_;
  fs::path file_;
};

TEST(Validation, MisspeltKeyNamesTheKeyAndTheNearestValidOne) {
  const auto errors = validation_errors(fixture("misspelt.toml"));
  EXPECT_EQ(errors, (std::vector<std::string>{
                        fixture("misspelt.toml").string() +
                        ":7:1: error: stage[0].objectives[0].alpah: unknown key; did you mean "
                        "'alpha'?"}));
}

TEST(Validation, CollectsEveryProblemInFileOrder) {
  const std::string file = fixture("many_errors.toml").string();
  const auto errors = validation_errors(fixture("many_errors.toml"));
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                file + ":1:8: error: name: must be a folder name made of letters, digits, '.', "
                       "'_' and '-' (got 'many errors')",
                file + ":2:8: error: seed: must be >= 0 (got -1)",
                file + ":3:1: error: outptu_dir: unknown key; did you mean 'output_dir'?",
                file + ":10:9: error: stage[0].objectives[0].alpha: must be in [0, 1] (got 1.5)",
                file + ":11:11: error: stage[0].objectives[0].variant: must be one of l2, "
                       "sigmoid_l2, inv_l2 (got 'l3'); did you mean 'l2'?",
                file + ":12:9: error: stage[0].objectives[0].shift: expected int, got string",
                file + ":15:10: error: stage[0].objectives[1].plugin: unknown objective plugin "
                       "'lmm'; available: lm, vdep; did you mean 'lm'?",
                file + ":18:8: error: stage[1].name: duplicate name 'pretrain' (stage[0] has it "
                       "too)",
                file + ":20:1: error: stage[2]: missing required key 'name'",
                file + ":21:1: error: stage[2].datasets[0]: missing required key 'root'",
            }));
}

TEST_F(ValidationTest, IntegersBeyondDoublePrecisionAreStillRangeChecked) {
  write("seed = -9223372036854775807\n");
  EXPECT_EQ(validation_errors(file_),
            (std::vector<std::string>{at(1, 8) + "seed: must be >= 0 (got -9223372036854775807)"}));
}

TEST_F(ValidationTest, PluginFoldersAreValidatedFirstAndResolvedAgainstTheirFile) {
  fs::create_directories(folder_.path() / "my-plugins");
  write("[plugins]\npaths = [\"my-plugins\", \"absent\"]\n");
  toml::table table = load_experiment(file_, {});
  const auto errors = config_errors([&] { validate_plugin_folders(table, file_); });
  EXPECT_EQ(errors, (std::vector<std::string>{at(2, 24) + "plugins.paths[1]: file not found: " +
                                              (folder_.path() / "absent").string()}));

  write("[plugins]\npaths = [\"my-plugins\"]\n");
  table = load_experiment(file_, {});
  EXPECT_EQ(validate_plugin_folders(table, file_),
            std::vector<fs::path>{folder_.path() / "my-plugins"});
  FakePluginCatalog catalog;
  validate_experiment(table, file_, catalog, {});  // accepts what the first pass left
  EXPECT_EQ(table["plugins"]["paths"][0].value<std::string>(), (folder_.path() / "my-plugins").string());
}

TEST_F(ValidationTest, PluginFoldersFromSetAreParsedAndRelativeToTheCurrentDirectory) {
  write("seed = 1\n");
  toml::table table = load_experiment(file_, {{"plugins.paths", "[\"" + folder_.path().string() + "\"]"}});
  EXPECT_EQ(validate_plugin_folders(table, file_), std::vector<fs::path>{folder_.path()});
}

TEST_F(ValidationTest, FillsEveryDefault) {
  write(R"(
[[stage]]
name = "pretrain"
[[stage.objectives]]
plugin = "vdep"
[[stage.objectives]]
plugin = "lm"
)");
  const toml::table table = load_and_validate(file_);
  EXPECT_EQ(table["name"].value_exact<std::string>(), "exp");
  EXPECT_EQ(table["seed"].value_exact<std::int64_t>(), 0);
  EXPECT_EQ(table["output_dir"].value_exact<std::string>(), "runs");
  ASSERT_TRUE(table["plugins"]["paths"].is_array());
  EXPECT_TRUE(table["plugins"]["paths"].as_array()->empty());
  EXPECT_FALSE(table.contains("encoder"));
  EXPECT_FALSE(table.contains("llm"));

  const toml::node_view<const toml::node> vdep = table["stage"][0]["objectives"][0];
  EXPECT_EQ(vdep["alpha"].value_exact<double>(), 1e-3);
  EXPECT_EQ(vdep["variant"].value_exact<std::string>(), "l2");
  EXPECT_EQ(vdep["shift"].value_exact<std::int64_t>(), 1);
  EXPECT_EQ(vdep["detach_target"].value_exact<bool>(), false);
  EXPECT_EQ(table["stage"][0]["objectives"][1].as_table()->size(), 1u);  // just `plugin`
  ASSERT_TRUE(table["stage"][0]["datasets"].is_array());
  EXPECT_TRUE(table["stage"][0]["datasets"].as_array()->empty());
}

TEST_F(ValidationTest, NoStagesMeansAnEmptyList) {
  write("seed = 3\n");
  const toml::table table = load_and_validate(file_);
  ASSERT_TRUE(table["stage"].is_array());
  EXPECT_TRUE(table["stage"].as_array()->empty());
  EXPECT_EQ(table["seed"].value_exact<std::int64_t>(), 3);
}

TEST_F(ValidationTest, ResolvedTablePrintsAsCompleteToml) {
  write("[[stage]]\nname = \"s\"\n[[stage.objectives]]\nplugin = \"vdep\"\nalpha = 0\n");
  const toml::table printed = toml::parse(to_toml_string(load_and_validate(file_)));
  EXPECT_EQ(printed["stage"][0]["objectives"][0]["alpha"].value_exact<double>(), 0.0);
  EXPECT_EQ(printed["stage"][0]["objectives"][0]["variant"].value_exact<std::string>(), "l2");
  EXPECT_EQ(printed["output_dir"].value_exact<std::string>(), "runs");
}

TEST_F(ValidationTest, IntsBecomeFloatsWhereFloatsAreExpected) {
  write("[[stage]]\nname = \"s\"\n[[stage.objectives]]\nplugin = \"vdep\"\nalpha = 1\n");
  const toml::table table = load_and_validate(file_);
  const toml::node* alpha = table["stage"][0]["objectives"][0]["alpha"].node();
  EXPECT_EQ(alpha->value_exact<double>(), 1.0);
  EXPECT_EQ(alpha->source().begin.line, 5u);
  EXPECT_EQ(alpha->source().begin.column, 9u);
}

TEST_F(ValidationTest, WrongTypesSayWhatWasExpected) {
  write(R"(seed = "zero"
output_dir = 3
stage = {}
[plugins]
paths = ["a", 2]
[encoder]
plugin = 7
)");
  EXPECT_EQ(validation_errors(file_),
            (std::vector<std::string>{
                at(1, 8) + "seed: expected int, got string",
                at(2, 14) + "output_dir: expected string, got int",
                at(3, 9) + "stage: expected array of tables, got table",
                at(5, 15) + "plugins.paths[1]: expected string, got int",
                at(7, 10) + "encoder.plugin: expected a plugin name (encoder plugins: clip), got "
                            "int",
            }));
}

TEST_F(ValidationTest, ChoicesAreListedForAWrongType) {
  write("[[stage]]\nname = \"s\"\n[[stage.objectives]]\nplugin = \"vdep\"\nvariant = 2\n");
  EXPECT_EQ(validation_errors(file_),
            (std::vector<std::string>{at(5, 11) + "stage[0].objectives[0].variant: expected one "
                                                  "of l2, sigmoid_l2, inv_l2, got int"}));
}

TEST_F(ValidationTest, UnknownKeyWithoutANearMatchListsTheValidKeys) {
  write("[[stage]]\nname = \"s\"\nlearning_rate = 1\n");
  EXPECT_EQ(validation_errors(file_),
            (std::vector<std::string>{at(3, 1) + "stage[0].learning_rate: unknown key; valid keys here: "
                                                 "adam_beta1, adam_beta2, adam_epsilon, data_ratio, datasets, epochs, eval_every, "
                                                 "global_batch_size, gradient_accumulation, gradient_checkpointing, "
                                                 "group_by_modality_length, image_aspect_ratio, init_from, keep_last, "
                                                 "log_every, lr, lr_schedule, max_grad_norm, max_length, max_steps, "
                                                 "micro_batch_size, name, objectives, precision, save_every, "
                                                 "template, train, warmup_ratio, warmup_steps, weight_decay, workers"}));
}

TEST_F(ValidationTest, UnknownKeysInsideUnknownTablesAreNotRepeated) {
  write("[trainer]\nlr = 1\n[encoder]\nplugin = \"clip\"\nimage_sise = 3\n");
  EXPECT_EQ(validation_errors(file_),
            (std::vector<std::string>{
                at(1, 2) + "trainer: unknown key; valid keys here: device, distributed, encoder, evaluation, llm, "
                           "name, output_dir, plugins, projector, seed, stage, tokenizer, tokenizer_training",
                at(5, 1) + "encoder.image_sise: unknown key; did you mean 'image_size'?"}));
}

TEST_F(ValidationTest, MissingPluginKeyListsThePlugins) {
  write("[[stage]]\nname = \"s\"\n[[stage.objectives]]\nalpha = 0.5\n");
  EXPECT_EQ(validation_errors(file_),
            (std::vector<std::string>{at(3, 1) + "stage[0].objectives[0]: missing required key "
                                                 "'plugin' (objective plugins: lm, vdep)"}));
}

TEST_F(ValidationTest, PluginDefaultThatDoesNotParseIsReportedAsAPluginBug) {
  write("[[stage]]\nname = \"s\"\n[[stage.objectives]]\nplugin = \"broken\"\n");
  toml::table table = load_experiment(file_, {});
  FakePluginCatalog catalog;
  catalog.add_broken_objective();
  const auto errors = config_errors([&] { validate_experiment(table, file_, catalog, {}); });
  EXPECT_EQ(errors, (std::vector<std::string>{
                        at(4, 10) + "stage[0].objectives[0].plugin: objective plugin 'broken' "
                                    "declares default 'fast' for 'scale', which is not a float (a "
                                    "bug in the plugin)"}));
}

TEST_F(ValidationTest, NameMustBeAFolderName) {
  for (const std::string bad : {"a/b", "..", "", "a b"}) {
    write("name = \"" + bad + "\"\n");
    EXPECT_EQ(validation_errors(file_),
              (std::vector<std::string>{at(1, 8) + "name: must be a folder name made of letters, "
                                                   "digits, '.', '_' and '-' (got '" +
                                        bad + "')"}));
  }
  write("name = \"run-1.v2_b\"\n");
  EXPECT_EQ(load_and_validate(file_)["name"].value_exact<std::string>(), "run-1.v2_b");
}

TEST_F(ValidationTest, RelativePathsResolveAgainstTheFileThatWroteThem) {
  // The base, in another folder, names the dataset root; the experiment names the captions.
  folder_.write("shared/base.toml", R"(
[[stage]]
name = "s"
[[stage.datasets]]
plugin = "image_text"
root = "images"
)");
  write(R"(
base = "shared/base.toml"
[plugins]
paths = ["my_plugins", "/abs/plugins"]
)");
  toml::table table = load_experiment(file_, {{"stage.s.datasets.image_text.captions", "caps.json"}});
  FakePluginCatalog catalog;
  validate_experiment(table, file_, catalog, {});
  const toml::node_view<toml::node> dataset = table["stage"][0]["datasets"][0];
  EXPECT_EQ(dataset["root"].value_exact<std::string>(), (folder_.path() / "shared/images").string());
  EXPECT_EQ(dataset["captions"].value_exact<std::string>(),
            (fs::current_path() / "caps.json").string());
  EXPECT_EQ(table["plugins"]["paths"][0].value_exact<std::string>(),
            (folder_.path() / "my_plugins").string());
  EXPECT_EQ(table["plugins"]["paths"][1].value_exact<std::string>(), "/abs/plugins");
  EXPECT_EQ(dataset["max_samples"].value_exact<std::int64_t>(), -1);
}

TEST_F(ValidationTest, RelativePathDefaultsResolveAgainstTheExperimentFolder) {
  write("[llm]\nplugin = \"tiny_llm\"\n");
  const toml::table table = load_and_validate(file_);
  EXPECT_EQ(table["llm"]["tokenizer"].value_exact<std::string>(),
            (folder_.path() / "tokenizer.json").string());
}

TEST_F(ValidationTest, PathsFromTheEnvironmentResolveAgainstTheCurrentDirectory) {
  const ScopedEnvironment data("VDEP_TEST_RELATIVE_DATA", "relative/data");
  write(R"([[stage]]
name = "s"
[[stage.datasets]]
plugin = "image_text"
root = "${env.VDEP_TEST_RELATIVE_DATA}/images"
captions = "captions/${env.VDEP_TEST_RELATIVE_DATA}"
max_samples = "${env.VDEP_TEST_MAX_SAMPLES:-100}"
)");
  const toml::table table = load_and_validate(file_);
  const toml::node_view<const toml::node> dataset = table["stage"][0]["datasets"][0];
  EXPECT_EQ(dataset["root"].value_exact<std::string>(),
            (fs::current_path() / "relative/data/images").string());
  EXPECT_EQ(dataset["captions"].value_exact<std::string>(),
            (folder_.path() / "captions/relative/data").string());
  // Text from the environment (or its fallback) is parsed into the parameter's type, like --set
  // text.
  EXPECT_EQ(dataset["max_samples"].value_exact<std::int64_t>(), 100);
  const ScopedEnvironment samples("VDEP_TEST_MAX_SAMPLES", "250");
  EXPECT_EQ(load_and_validate(file_)["stage"][0]["datasets"][0]["max_samples"]
                .value_exact<std::int64_t>(),
            250);
  const ScopedEnvironment bad_samples("VDEP_TEST_MAX_SAMPLES", "many");
  EXPECT_EQ(validation_errors(file_),
            (std::vector<std::string>{at(7, 15) + "stage[0].datasets[0].max_samples: expected int, "
                                                  "got 'many'"}));
}

TEST_F(ValidationTest, PathsAreCheckedOnlyWhenAsked) {
  fs::create_directories(folder_.path() / "images");
  write(R"([[stage]]
name = "s"
[[stage.datasets]]
plugin = "image_text"
root = "images"
captions = "missing.json"
[encoder]
plugin = "clip"
)");
  ValidationOptions check;
  check.check_paths_exist = true;
  // encoder.weights defaults to "": unset, so not checked.
  EXPECT_EQ(validation_errors(file_, {}, check),
            (std::vector<std::string>{at(6, 12) + "stage[0].datasets[0].captions: file not found: " +
                                      (folder_.path() / "missing.json").string()}));
  EXPECT_NO_THROW(load_and_validate(file_));
}

}  // namespace
}  // namespace vdep::test
