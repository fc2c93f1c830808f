#include <gtest/gtest.h>

#include <stdexcept>

#include "config_test_support.h"

namespace vdep::test {
namespace {

TEST(PluginParams, HoldsEveryValidatedParameterWithItsType) {
  TempFolder folder;
  const fs::path file = folder.write("exp.toml", R"([[stage]]
name = "s"
[[stage.objectives]]
plugin = "vdep"
variant = "inv_l2"
shift = 0
[[stage.datasets]]
plugin = "image_text"
root = "images"
)");
  const toml::table table = load_and_validate(file, {{"stage.s.objectives.vdep.alpha", "0.25"}});
  FakePluginCatalog catalog;

  const Params objective = plugin_params(*table["stage"][0]["objectives"][0].as_table(),
                                         *catalog.find(PluginKind::Objective, "vdep"));
  EXPECT_EQ(objective.plugin_name(), "vdep");
  EXPECT_EQ(objective.values().size(), 4u);
  EXPECT_EQ(objective.get_float("alpha"), 0.25);
  EXPECT_EQ(objective.get_string("variant"), "inv_l2");
  EXPECT_EQ(objective.get_int("shift"), 0);
  EXPECT_EQ(objective.get_bool("detach_target"), false);

  const Params dataset = plugin_params(*table["stage"][0]["datasets"][0].as_table(),
                                       *catalog.find(PluginKind::Dataset, "image_text"));
  EXPECT_EQ(dataset.get_path("root"), folder.path() / "images");
  EXPECT_EQ(dataset.get_string("captions"), "");
  EXPECT_EQ(dataset.get_int("max_samples"), -1);
}

TEST(PluginParams, PluginWithoutParametersGetsNone) {
  toml::table block{{"plugin", "lm"}};
  FakePluginCatalog catalog;
  const Params params = plugin_params(block, *catalog.find(PluginKind::Objective, "lm"));
  EXPECT_EQ(params.plugin_name(), "lm");
  EXPECT_TRUE(params.values().empty());
}

TEST(PluginParams, UnvalidatedBlockIsAProgrammingError) {
  FakePluginCatalog catalog;
  const PluginInfo& vdep = *catalog.find(PluginKind::Objective, "vdep");
  EXPECT_THROW(plugin_params(toml::table{{"plugin", "vdep"}}, vdep), std::logic_error);
  toml::table wrong_type{{"plugin", "vdep"}, {"alpha", "high"}, {"variant", "l2"},
                         {"shift", 1}, {"detach_target", false}};
  EXPECT_THROW(plugin_params(wrong_type, vdep), std::logic_error);
}

}  // namespace
}  // namespace vdep::test
