#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <vdep/objective.h>
#include <vdep/version.h>

#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"

namespace vdep {
namespace {

const std::filesystem::path kPlugins = VDEP_TEST_PLUGIN_DIR;

std::string load_error(const std::vector<std::filesystem::path>& folders) {
  PluginRegistry registry;
  try {
    registry.load_folders(folders);
  } catch (const UsageError& error) {
    return error.what();
  }
  ADD_FAILURE() << "loading succeeded but should have failed";
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

TEST(PluginRegistry, LoadsAPluginAndDescribesIt) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "good"});
  const LoadedPlugin& plugin = registry.get(PluginKind::Objective, "test_scale");
  EXPECT_EQ(plugin.file, std::filesystem::canonical(kPlugins / "good" / "vdep_test_good.so"));
  EXPECT_STREQ(plugin.info->version, "0.1.0");
  EXPECT_EQ(plugin.info->abi_version, kSdkAbiVersion);
  ASSERT_EQ(plugin.info->num_params, 5u);
  EXPECT_STREQ(plugin.info->params[0].name, "scale");
  EXPECT_STREQ(plugin.info->params[3].choices, "sum|mean");
  EXPECT_EQ(registry.names(PluginKind::Objective), std::vector<std::string>{"test_scale"});
  EXPECT_TRUE(registry.names(PluginKind::Encoder).empty());
}

TEST(PluginRegistry, CreatesAWorkingComponentFromParams) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "good"});
  Params params("test_scale");
  params.set("scale", 0.5);
  params.set("repeats", std::int64_t{3});
  params.set("negate", true);
  params.set("mode", std::string("sum"));
  params.set("table", std::string());
  auto objective = registry.create_as<Objective>(PluginKind::Objective, "test_scale", params);
  ObjectiveBatch batch;
  batch.logits = at::arange(4, at::kFloat);  // sum = 6
  const ObjectiveTerms terms = objective->compute(batch);
  EXPECT_FLOAT_EQ(terms.total.item<float>(), -9.0f);  // -(0.5 * 3 * 6)
  ASSERT_EQ(terms.terms.size(), 1u);
  EXPECT_EQ(terms.terms[0].first, "scaled");
}

TEST(PluginRegistry, SameFolderTwiceIsReadOnce) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "good", kPlugins / "good" / ".." / "good"});
  EXPECT_EQ(registry.all().size(), 1u);
}

TEST(PluginRegistry, RejectsAnAbiMismatchSayingWhatDiffersAndHowToRebuild) {
  const std::string message = load_error({kPlugins / "abi_mismatch"});
  expect_contains(message, "vdep_test_abi_mismatch.so");
  expect_contains(message, "SDK ABI " + std::to_string(kSdkAbiVersion + 41) + " (vdep 9.9.9)");
  expect_contains(message, "this vdep has SDK ABI " + std::to_string(kSdkAbiVersion));
  expect_contains(message, "rebuild the plugin");
}

TEST(PluginRegistry, RejectsALibTorchMismatch) {
  const std::string message = load_error({kPlugins / "torch_mismatch"});
  expect_contains(message, "vdep_test_torch_mismatch.so");
  expect_contains(message, "LibTorch 0.4.1, this vdep uses LibTorch " + std::string(kTorchVersion));
  expect_contains(message, "rebuild the plugin");
}

TEST(PluginRegistry, RejectsACompilerMismatch) {
  const std::string message = load_error({kPlugins / "compiler_mismatch"});
  expect_contains(message, "built with clang-99 libc++, this vdep with " + std::string(kCompilerId));
}

TEST(PluginRegistry, RejectsALibraryWithoutEntryPoint) {
  const std::string message = load_error({kPlugins / "no_entry"});
  expect_contains(message, "vdep_test_no_entry.so is not a vdep plugin");
  expect_contains(message, "vdep_plugin_entry");
}

TEST(PluginRegistry, RejectsTwoPluginsOfTheSameKindAndNameNamingBothFiles) {
  const std::string message = load_error({kPlugins / "good", kPlugins / "duplicate"});
  expect_contains(message, "two objective plugins are named 'test_scale'");
  expect_contains(message, (std::filesystem::canonical(kPlugins / "good") / "vdep_test_good.so").string());
  expect_contains(message, (std::filesystem::canonical(kPlugins / "duplicate") / "vdep_test_duplicate.so").string());
}

TEST(PluginRegistry, UnknownPluginListsTheKindAndSuggestsTheNearest) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "good", kPlugins / "throwing"});
  try {
    registry.get(PluginKind::Objective, "test_scael");
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(),
                 "unknown objective plugin 'test_scael'; available: test_scale, test_throwing; "
                 "did you mean 'test_scale'?");
  }
}

TEST(PluginRegistry, UnknownPluginOfAnEmptyKindSaysWhereItLooked) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "good"});
  try {
    registry.get(PluginKind::Encoder, "clip_vit");
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    expect_contains(error.what(), "unknown encoder plugin 'clip_vit'; available: none (searched: ");
    expect_contains(error.what(), std::filesystem::canonical(kPlugins / "good").string());
  }
}

TEST(PluginRegistry, FactoryExceptionNamesThePluginAndCarriesItsMessage) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "throwing"});
  try {
    registry.create(PluginKind::Objective, "test_throwing", Params("test_throwing"));
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    expect_contains(error.what(), "objective plugin 'test_throwing'");
    expect_contains(error.what(), "vdep_test_throwing.so");
    expect_contains(error.what(), "weights file /nonexistent/model.safetensors is truncated");
  }
}

TEST(PluginRegistry, RefusesAnObjectThatDoesNotImplementTheKind) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "wrong_interface"});
  try {
    registry.create(PluginKind::Objective, "test_wrong_interface", Params("test_wrong_interface"));
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    expect_contains(error.what(), "does not implement vdep::Objective");
  }
}

TEST(PluginRegistry, BundledFolderHoldsTheInTreePlugins) {
  PluginRegistry registry;
  registry.load_folders({bundled_plugin_folder()});
  EXPECT_NE(registry.find(PluginKind::Objective, "lm"), nullptr);
}

}  // namespace
}  // namespace vdep
