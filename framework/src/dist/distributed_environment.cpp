#include "dist/distributed_environment.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace vdep {

namespace {

int integer_variable(const EnvironmentLookup& lookup, const std::string& name, int minimum) {
  const std::optional<std::string> text = lookup(name);
  if (!text) throw std::invalid_argument(name + " is not set");
  std::size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text->size() || value < minimum) {
    throw std::invalid_argument(name + "='" + *text + "' is not an integer >= " + std::to_string(minimum));
  }
  return value;
}

// Slurm writes per-node task counts as "4", "4(x2)" or "4(x2),3": the first node's count serves,
// since it only says how many workers share this node's devices.
int leading_count(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  return digits == 0 ? 1 : std::max(1, std::stoi(text.substr(0, digits)));
}

std::uint16_t port_variable(const EnvironmentLookup& lookup) {
  if (!lookup("MASTER_PORT")) return 29500;
  const int port = integer_variable(lookup, "MASTER_PORT", 1);
  if (port > 65535) throw std::invalid_argument("MASTER_PORT=" + std::to_string(port) + " is not a TCP port");
  return static_cast<std::uint16_t>(port);
}

void check_rank(const DistributedEnvironment& environment, const std::string& rank_name,
                const std::string& size_name) {
  if (environment.rank >= environment.world_size) {
    throw std::invalid_argument(rank_name + "=" + std::to_string(environment.rank) + " is not below " + size_name +
                                "=" + std::to_string(environment.world_size));
  }
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

std::string first_slurm_host(const std::string& node_list) {
  // The first entry ends at the first comma outside brackets.
  std::size_t end = 0;
  int depth = 0;
  for (; end < node_list.size(); ++end) {
    if (node_list[end] == '[') ++depth;
    if (node_list[end] == ']') --depth;
    if (node_list[end] == ',' && depth == 0) break;
  }
  const std::string first = node_list.substr(0, end);
  const std::size_t open = first.find('[');
  if (open == std::string::npos) return first;
  // "gpu[03-05,09]": the prefix and the first number of the range, zero padding kept.
  std::size_t stop = open + 1;
  while (stop < first.size() && std::isdigit(static_cast<unsigned char>(first[stop]))) ++stop;
  if (stop == open + 1) throw std::invalid_argument("cannot read the Slurm node list '" + node_list + "'");
  return first.substr(0, open) + first.substr(open + 1, stop - open - 1);
}

std::optional<DistributedEnvironment> read_distributed_environment(const EnvironmentLookup& lookup) {
  DistributedEnvironment environment;
  if (lookup("RANK") || lookup("WORLD_SIZE")) {
    environment.launcher = "torchrun";
    environment.world_size = integer_variable(lookup, "WORLD_SIZE", 1);
    environment.rank = integer_variable(lookup, "RANK", 0);
    check_rank(environment, "RANK", "WORLD_SIZE");
    environment.local_rank = lookup("LOCAL_RANK") ? integer_variable(lookup, "LOCAL_RANK", 0) : environment.rank;
    environment.local_world_size =
        lookup("LOCAL_WORLD_SIZE") ? integer_variable(lookup, "LOCAL_WORLD_SIZE", 1) : environment.world_size;
    if (environment.world_size > 1 && !lookup("MASTER_ADDR")) {
      throw std::invalid_argument("MASTER_ADDR is not set (WORLD_SIZE=" + std::to_string(environment.world_size) +
                                  " needs the address of rank 0's host)");
    }
    if (const auto address = lookup("MASTER_ADDR")) environment.master_addr = *address;
    environment.master_port = port_variable(lookup);
    return environment;
  }
  if (!lookup("SLURM_PROCID") || !lookup("SLURM_NTASKS")) return std::nullopt;
  environment.launcher = "slurm";
  environment.world_size = integer_variable(lookup, "SLURM_NTASKS", 1);
  if (environment.world_size == 1) return std::nullopt;
  environment.rank = integer_variable(lookup, "SLURM_PROCID", 0);
  check_rank(environment, "SLURM_PROCID", "SLURM_NTASKS");
  environment.local_rank = lookup("SLURM_LOCALID") ? integer_variable(lookup, "SLURM_LOCALID", 0) : 0;
  if (const auto per_node = lookup("SLURM_NTASKS_PER_NODE")) {
    environment.local_world_size = leading_count(*per_node);
  } else if (const auto per_node_list = lookup("SLURM_TASKS_PER_NODE")) {
    environment.local_world_size = leading_count(*per_node_list);
  }
  if (const auto address = lookup("MASTER_ADDR")) {
    environment.master_addr = *address;
  } else {
    const std::optional<std::string> nodes = lookup("SLURM_JOB_NODELIST") ? lookup("SLURM_JOB_NODELIST")
                                                                          : lookup("SLURM_NODELIST");
    if (!nodes) throw std::invalid_argument("neither MASTER_ADDR nor SLURM_JOB_NODELIST is set");
    environment.master_addr = first_slurm_host(*nodes);
  }
  environment.master_port = port_variable(lookup);
  return environment;
}

}  // namespace vdep
