#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <vdep/objective.h>
#include <vdep/version.h>

#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"
#include "support/process.h"
#include "support/text_file.h"

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
  EXPECT_EQ(registry.folders(), std::vector<std::filesystem::path>{std::filesystem::canonical(kPlugins / "good")});
}

TEST(PluginRegistry, RejectsAMalformedParameterTable) {
  const std::string message = load_error({kPlugins / "malformed"});
  EXPECT_CONTAINS(message, "vdep_test_malformed.so: malformed plugin description: parameter 1 'alpha' is declared twice");
}

TEST(PluginRegistry, LibTorchErrorsFromAFactoryAreOneLineWithoutBacktrace) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "torch_error"});
  try {
    registry.create(PluginKind::Objective, "test_torch_error", Params("test_torch_error"));
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    const std::string message = error.what();
    EXPECT_CONTAINS(message, "failed to create its component: shape mismatch for "
                             "vision_model.embeddings.patch_embedding.weight: expected [1024, 3, 14, 14]");
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.find("Exception raised from"), std::string::npos) << message;
  }
}

TEST(PluginRegistry, RejectsAnAbiMismatchSayingWhatDiffersAndHowToRebuild) {
  const std::string message = load_error({kPlugins / "abi_mismatch"});
  EXPECT_CONTAINS(message, "vdep_test_abi_mismatch.so");
  EXPECT_CONTAINS(message, "SDK ABI " + std::to_string(kSdkAbiVersion + 41) + " (vdep 9.9.9)");
  EXPECT_CONTAINS(message, "this vdep has SDK ABI " + std::to_string(kSdkAbiVersion));
  EXPECT_CONTAINS(message, "rebuild the plugin");
}

TEST(PluginRegistry, RejectsALibTorchMismatch) {
  const std::string message = load_error({kPlugins / "torch_mismatch"});
  EXPECT_CONTAINS(message, "vdep_test_torch_mismatch.so");
  EXPECT_CONTAINS(message, "LibTorch 0.4.1, this vdep uses LibTorch " + std::string(kTorchVersion));
  EXPECT_CONTAINS(message, "rebuild the plugin");
}

TEST(PluginRegistry, RejectsACompilerMismatch) {
  const std::string message = load_error({kPlugins / "compiler_mismatch"});
  EXPECT_CONTAINS(message, "built with clang-99 libc++, this vdep with " + std::string(kCompilerId));
}

TEST(PluginRegistry, RejectsALibraryWithoutEntryPoint) {
  const std::string message = load_error({kPlugins / "no_entry"});
  EXPECT_CONTAINS(message, "vdep_test_no_entry.so is not a vdep plugin");
  EXPECT_CONTAINS(message, "vdep_plugin_entry");
}

TEST(PluginRegistry, RejectsTwoPluginsOfTheSameKindAndNameNamingBothFiles) {
  const std::string message = load_error({kPlugins / "good", kPlugins / "duplicate"});
  EXPECT_CONTAINS(message, "two objective plugins are named 'test_scale'");
  EXPECT_CONTAINS(message, (std::filesystem::canonical(kPlugins / "good") / "vdep_test_good.so").string());
  EXPECT_CONTAINS(message, (std::filesystem::canonical(kPlugins / "duplicate") / "vdep_test_duplicate.so").string());
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
    EXPECT_CONTAINS(error.what(), "unknown encoder plugin 'clip_vit'; available: none (searched: ");
    EXPECT_CONTAINS(error.what(), std::filesystem::canonical(kPlugins / "good").string());
  }
}

TEST(PluginRegistry, FactoryExceptionNamesThePluginAndCarriesItsMessage) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "throwing"});
  try {
    registry.create(PluginKind::Objective, "test_throwing", Params("test_throwing"));
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    EXPECT_CONTAINS(error.what(), "objective plugin 'test_throwing'");
    EXPECT_CONTAINS(error.what(), "vdep_test_throwing.so");
    EXPECT_CONTAINS(error.what(), "weights file /nonexistent/model.safetensors is truncated");
  }
}

TEST(PluginRegistry, RefusesAnObjectThatDoesNotImplementTheKind) {
  PluginRegistry registry;
  registry.load_folders({kPlugins / "wrong_interface"});
  try {
    registry.create(PluginKind::Objective, "test_wrong_interface", Params("test_wrong_interface"));
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    EXPECT_CONTAINS(error.what(), "does not implement the objective interface");
  }
}

TEST(PluginLibrary, ExportsOnlyTheEntryPoint) {
  const auto lm = bundled_plugin_folder() / "vdep_objective_lm.so";
  const auto symbols = test::run_process("nm -D --defined-only " + test::shell_quote(lm.string()) +
                                         " | awk '{print $3}' | grep -v -e '^_edata$' -e '^_end$' -e '^__bss_start$'");
  EXPECT_EQ(symbols.out, "vdep_plugin_entry\n") << symbols.err;
}

TEST(PluginRegistry, BundledFolderHoldsTheInTreePlugins) {
  PluginRegistry registry;
  registry.load_folders({bundled_plugin_folder()});
  EXPECT_NE(registry.find(PluginKind::Objective, "lm"), nullptr);
}

}  // namespace
}  // namespace vdep
