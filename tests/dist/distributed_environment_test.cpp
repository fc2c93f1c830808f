#include "dist/distributed_environment.h"

#include <map>
#include <stdexcept>

#include <gtest/gtest.h>

namespace vdep {
namespace {

EnvironmentLookup variables(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

std::string error_of(const std::map<std::string, std::string>& values) {
  try {
    read_distributed_environment(variables(values));
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "no error";
}

TEST(DistributedEnvironmentTest, NoLauncherVariablesMeanASingleProcess) {
  EXPECT_FALSE(read_distributed_environment(variables({})).has_value());
  EXPECT_FALSE(read_distributed_environment(variables({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}})).has_value());
}

TEST(DistributedEnvironmentTest, ReadsTorchrunVariables) {
  const auto environment = read_distributed_environment(variables({{"RANK", "5"},
                                                                   {"WORLD_SIZE", "8"},
                                                                   {"LOCAL_RANK", "1"},
                                                                   {"LOCAL_WORLD_SIZE", "4"},
                                                                   {"MASTER_ADDR", "node7"},
                                                                   {"MASTER_PORT", "29600"}}));
  ASSERT_TRUE(environment.has_value());
  EXPECT_EQ(environment->rank, 5);
  EXPECT_EQ(environment->world_size, 8);
  EXPECT_EQ(environment->local_rank, 1);
  EXPECT_EQ(environment->local_world_size, 4);
  EXPECT_EQ(environment->master_addr, "node7");
  EXPECT_EQ(environment->master_port, 29600);
  EXPECT_EQ(environment->launcher, "torchrun");
}

TEST(DistributedEnvironmentTest, TorchrunVariablesWinOverSlurms) {
  const auto environment = read_distributed_environment(variables({{"RANK", "1"},
                                                                   {"WORLD_SIZE", "2"},
                                                                   {"MASTER_ADDR", "127.0.0.1"},
                                                                   {"SLURM_PROCID", "0"},
                                                                   {"SLURM_NTASKS", "4"}}));
  ASSERT_TRUE(environment.has_value());
  EXPECT_EQ(environment->rank, 1);
  EXPECT_EQ(environment->world_size, 2);
  EXPECT_EQ(environment->master_port, 29500);  // torchrun's default
}

TEST(DistributedEnvironmentTest, ReadsSlurmVariablesAndTheFirstHost) {
  const auto environment = read_distributed_environment(variables({{"SLURM_PROCID", "6"},
                                                                   {"SLURM_NTASKS", "16"},
                                                                   {"SLURM_LOCALID", "2"},
                                                                   {"SLURM_NTASKS_PER_NODE", "8"},
                                                                   {"SLURM_JOB_NODELIST", "gpu[03-04],gpu09"}}));
  ASSERT_TRUE(environment.has_value());
  EXPECT_EQ(environment->rank, 6);
  EXPECT_EQ(environment->world_size, 16);
  EXPECT_EQ(environment->local_rank, 2);
  EXPECT_EQ(environment->local_world_size, 8);
  EXPECT_EQ(environment->master_addr, "gpu03");
  EXPECT_EQ(environment->launcher, "slurm");
}

TEST(DistributedEnvironmentTest, FirstSlurmHostOfEveryNodeListForm) {
  EXPECT_EQ(first_slurm_host("node1"), "node1");
  EXPECT_EQ(first_slurm_host("node1,node2"), "node1");
  EXPECT_EQ(first_slurm_host("gpu[007-012,020]"), "gpu007");
  EXPECT_EQ(first_slurm_host("a[1,3],b[2-3]"), "a1");
  EXPECT_THROW(first_slurm_host("gpu[-3]"), std::invalid_argument);
}

TEST(DistributedEnvironmentTest, NamesTheBadVariable) {
  EXPECT_NE(error_of({{"RANK", "0"}}).find("WORLD_SIZE is not set"), std::string::npos);
  EXPECT_NE(error_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}).find("RANK=2 is not below WORLD_SIZE=2"),
            std::string::npos);
  EXPECT_NE(error_of({{"RANK", "x"}, {"WORLD_SIZE", "2"}}).find("RANK='x'"), std::string::npos);
  EXPECT_NE(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}}).find("MASTER_ADDR"), std::string::npos);
  EXPECT_NE(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}})
                .find("MASTER_PORT"),
            std::string::npos);
  EXPECT_NE(error_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}).find("SLURM_JOB_NODELIST"), std::string::npos);
}

}  // namespace
}  // namespace vdep
