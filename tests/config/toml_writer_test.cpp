#include <gtest/gtest.h>

#include "config_test_support.h"

namespace vdep::test {
namespace {

TEST(TomlWriter, PrintsADocumentThatReadsBackTheSame) {
  const toml::table table = load_experiment(fixture("inherit/experiments/exp.toml"), {});
  const std::string text = to_toml_string(table);
  EXPECT_NE(text.find("image_size = 448"), std::string::npos) << text;
  EXPECT_EQ(toml::parse(text), table);
}

TEST(TomlWriter, WritesFloatsInTheirShortestExactForm) {
  toml::table table;
  table.insert("alpha", 1e-3);
  table.insert("tenth", 0.1);
  table.insert("one", 1.0);
  table.insert("big", 1e20);
  table.insert("tiny", 2.5e-8);
  table.insert("count", 3);
  EXPECT_EQ(to_toml_string(table),
            "alpha = 0.001\nbig = 1e+20\ncount = 3\none = 1.0\ntenth = 0.1\ntiny = 2.5e-08\n");
  EXPECT_EQ(toml::parse(to_toml_string(table)), table);
}

TEST(TomlWriter, EscapesStringsAndQuotesKeysThatAreNotBare) {
  toml::table table;
  table.insert("text", "say \"hi\"\\\n\tend");
  table.insert("odd key", true);
  EXPECT_EQ(to_toml_string(table), "\"odd key\" = true\ntext = \"say \\\"hi\\\"\\\\\\n\\tend\"\n");
  EXPECT_EQ(toml::parse(to_toml_string(table)), table);
}

TEST(TomlWriter, PutsValuesBeforeTablesAndNestsArraysOfTablesUnderTheirElement) {
  const toml::table table = toml::parse(R"(
name = "x"
[[stage]]
name = "pretrain"
[[stage.objectives]]
plugin = "lm"
[[stage.objectives]]
plugin = "vdep"
alpha = 0.01
[[stage]]
name = "sft"
objectives = []
[plugins]
paths = ["a", "b"]
[empty]
)");
  const std::string expected =
      "name = \"x\"\n"
      "\n[empty]\n"
      "\n[plugins]\npaths = [\"a\", \"b\"]\n"
      "\n[[stage]]\nname = \"pretrain\"\n"
      "\n[[stage.objectives]]\nplugin = \"lm\"\n"
      "\n[[stage.objectives]]\nalpha = 0.01\nplugin = \"vdep\"\n"
      "\n[[stage]]\nname = \"sft\"\nobjectives = []\n";
  EXPECT_EQ(to_toml_string(table), expected);
  EXPECT_EQ(toml::parse(expected), table);
}

}  // namespace
}  // namespace vdep::test
