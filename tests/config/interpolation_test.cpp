#include <gtest/gtest.h>

#include "config/value_origin.h"
#include "config_test_support.h"

namespace vdep::test {
namespace {

class InterpolationTest : public ::testing::Test {
 protected:
  toml::table load(std::string_view text) { return load_experiment(write(text), {}); }
  fs::path write(std::string_view text) { return file_ = folder_.write("exp.toml", text); }
  std::string at(int line, int column) const {
    return file_.string() + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: ";
  }

  TempFolder folder_;
  fs::path file_;
};

TEST_F(InterpolationTest, EnvironmentVariable) {
  const ScopedEnvironment data("VDEP_TEST_DATA", "/datasets");
  const toml::table table = load("root = \"${env.VDEP_TEST_DATA}/coco\"\n");
  EXPECT_EQ(table["root"].value<std::string>(), "/datasets/coco");
  // Diagnostics still point into the file; relative paths in it resolve against the current
  // directory.
  const toml::node* root = table.get("root");
  EXPECT_EQ(origin_of(root->source()), ValueOrigin::Environment);
  EXPECT_EQ(to_string(diagnostic_at(root->source(), "root", "m")), at(1, 8) + "root: m");
}

TEST_F(InterpolationTest, EnvironmentFallbackWhenUnsetOrEmpty) {
  const ScopedEnvironment empty("VDEP_TEST_EMPTY", "");
  const ScopedEnvironment set("VDEP_TEST_SET", "given");
  const toml::table table = load(
      "a = \"${env.VDEP_TEST_UNSET:-fallback}\"\n"
      "b = \"${env.VDEP_TEST_EMPTY:-fallback}\"\n"
      "c = \"${env.VDEP_TEST_SET:-fallback}\"\n"
      "d = \"x${env.VDEP_TEST_UNSET:-}y\"\n");
  EXPECT_EQ(table["a"].value<std::string>(), "fallback");
  EXPECT_EQ(table["b"].value<std::string>(), "fallback");
  EXPECT_EQ(table["c"].value<std::string>(), "given");
  EXPECT_EQ(table["d"].value<std::string>(), "xy");
  // A fallback stands in for its variable.
  EXPECT_EQ(origin_of(table["a"].node()->source()), ValueOrigin::Environment);
  EXPECT_EQ(origin_of(table["d"].node()->source()), ValueOrigin::File);
}

TEST_F(InterpolationTest, UnsetVariableIsReportedAtItsString) {
  const auto errors = config_errors([&] { load("seed = 1\n  path = \"${env.VDEP_TEST_UNSET}\"\n"); });
  EXPECT_EQ(errors, (std::vector<std::string>{
                        at(2, 10) + "path: environment variable 'VDEP_TEST_UNSET' is not set "
                                    "(write '${env.VDEP_TEST_UNSET:-DEFAULT}' to give it a default)"}));
}

TEST_F(InterpolationTest, ReferenceToAnotherValue) {
  const toml::table table = load(R"(
[paths]
root = "/data"
coco = "${paths.root}/coco"
[[stage]]
name = "pretrain"
[[stage]]
name = "finetune"
label = "${stage.0.name}-then-${stage.finetune.name}"
)");
  EXPECT_EQ(table["paths"]["coco"].value<std::string>(), "/data/coco");
  EXPECT_EQ(table["stage"][1]["label"].value<std::string>(), "pretrain-then-finetune");
}

TEST_F(InterpolationTest, ReferencedStringsAreExpandedFirst) {
  const ScopedEnvironment home("VDEP_TEST_HOME", "/home/me");
  const toml::table table = load(R"(
c = "${b}/c"
b = "${a}/b"
a = "${env.VDEP_TEST_HOME}"
)");
  EXPECT_EQ(table["c"].value<std::string>(), "/home/me/b/c");
  // c starts with a value that started with an environment variable.
  EXPECT_EQ(origin_of(table["c"].node()->source()), ValueOrigin::Environment);
}

TEST_F(InterpolationTest, WholeStringReferenceTakesTheValueAndItsType) {
  const toml::table table = load(R"(
[defaults]
batch = 32
lr = 1e-3
fast = true
[trainer]
batch = "${defaults.batch}"
lr = "${defaults.lr}"
fast = "${defaults.fast}"
again = "${trainer.batch}"
label = "lr=${defaults.lr} batch=${defaults.batch} fast=${defaults.fast}"
)");
  EXPECT_EQ(table["trainer"]["batch"].value_exact<std::int64_t>(), 32);
  EXPECT_EQ(table["trainer"]["lr"].value_exact<double>(), 1e-3);
  EXPECT_EQ(table["trainer"]["fast"].value_exact<bool>(), true);
  EXPECT_EQ(table["trainer"]["again"].value_exact<std::int64_t>(), 32);
  EXPECT_EQ(table["trainer"]["label"].value_exact<std::string>(), "lr=0.001 batch=32 fast=true");
  // The typed value sits where the string was written.
  const toml::source_region& batch = table["trainer"]["batch"].node()->source();
  EXPECT_EQ(*batch.path, file_.string());
  EXPECT_EQ(batch.begin.line, 7u);
  EXPECT_EQ(batch.begin.column, 9u);
}

TEST_F(InterpolationTest, ReferenceToASetValueIsTypedByTheSchemaWhereItLands) {
  const fs::path file = write(R"(
[[stage]]
name = "pretrain"
[[stage.objectives]]
plugin = "vdep"
alpha = 0.5
[[stage.objectives]]
plugin = "vdep"
alpha = "${stage.0.objectives.0.alpha}"
)");
  const toml::table table = load_and_validate(file, {{"stage.0.objectives.0.alpha", "0.25"}});
  EXPECT_EQ(table["stage"][0]["objectives"][0]["alpha"].value_exact<double>(), 0.25);
  EXPECT_EQ(table["stage"][0]["objectives"][1]["alpha"].value_exact<double>(), 0.25);
}

TEST_F(InterpolationTest, CycleIsReportedWithItsChain) {
  const auto errors = config_errors([&] {
    load(R"(
[paths]
a = "${paths.b}/x"
b = "${paths.a}/y"
ok = "fine"
)");
  });
  EXPECT_EQ(errors, (std::vector<std::string>{at(4, 5) + "paths.b: interpolation cycle: paths.a -> "
                                                          "paths.b -> paths.a"}));
}

TEST_F(InterpolationTest, UnknownReferenceSuggestsTheNearestKey) {
  const auto errors = config_errors([&] {
    load(R"(
[trainer]
batch = 32
[model]
size = "${trainer.batc}"
other = "${trainr.batch}"
)");
  });
  EXPECT_EQ(errors, (std::vector<std::string>{
                        at(5, 8) + "model.size: unknown reference '${trainer.batc}': 'trainer' "
                                   "has no key 'batc'; did you mean 'trainer.batch'?",
                        at(6, 9) + "model.other: unknown reference '${trainr.batch}': there is no "
                                   "key 'trainr'; did you mean 'trainer'?"}));
}

TEST_F(InterpolationTest, TablesCannotBeInterpolated) {
  const auto errors = config_errors([&] { load("x = \"${t}\"\n[t]\na = 1\n"); });
  EXPECT_EQ(errors, (std::vector<std::string>{
                        at(1, 5) + "x: '${t}' is a table; only strings, numbers, booleans and "
                                   "dates can be interpolated"}));
}

TEST_F(InterpolationTest, DoubleDollarEscapesALiteral) {
  const toml::table table = load("cmd = \"echo $${HOME} ${x} $$ $x\"\nx = 1\n");
  EXPECT_EQ(table["cmd"].value<std::string>(), "echo ${HOME} 1 $$ $x");
}

TEST_F(InterpolationTest, UnterminatedReference) {
  const auto errors = config_errors([&] { load("a = \"${b\"\n"); });
  EXPECT_EQ(errors, (std::vector<std::string>{
                        at(1, 5) + "a: unterminated '${' (write '$${' for a literal '${')"}));
}

TEST_F(InterpolationTest, StringsInArraysAndOverridesAreExpanded) {
  const ScopedEnvironment plugins("VDEP_TEST_PLUGINS", "/opt/plugins");
  const toml::table table = load_experiment(
      write("[plugins]\npaths = [\"${env.VDEP_TEST_PLUGINS}/a\", \"b\"]\nname = \"x\"\n"),
      {{"output_dir", "${plugins.name}/runs"}});
  EXPECT_EQ(table["plugins"]["paths"][0].value<std::string>(), "/opt/plugins/a");
  EXPECT_EQ(table["output_dir"].value<std::string>(), "x/runs");
  EXPECT_EQ(origin_of(table["output_dir"].node()->source()), ValueOrigin::Override);
}

}  // namespace
}  // namespace vdep::test
