// ZeRO-2 (ShardedGradientReducer + ShardedAdamW) against one process running clip_grad_norm +
// AdamWOptimizer on the gradients summed over ranks and micro-steps: real backward passes whose
// gradients the reducer sends to their owners in buckets and frees, parameters of odd sizes, so
// that shards and buckets cut them unevenly (and pad the last shard with 3 ranks), decayed and not,
// gradients present everywhere, nowhere, on one rank or in some micro-steps only, the update
// gathered in one chunk or many, and the per-rank state saved to safetensors and resumed.
#include "dist/sharded_adamw.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <vdep/safetensors.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "dist/sharded_gradient_reducer.h"
#include "thread_ranks.h"
#include "train/adamw_optimizer.h"
#include "train/gradient_clipping.h"

namespace vdep {
namespace {

using State = std::vector<std::pair<std::string, at::Tensor>>;

struct Spec {
  std::string name;
  std::vector<std::int64_t> shape;
  bool decay;
};

// 35 + 13 + 27 + 1 + 22 = 98 elements: shards of 49 (2 ranks) or 33, 33, 32 + 1 padding (3 ranks).
const std::vector<Spec> kSpecs = {{"proj.weight", {7, 5}, true},
                                  {"proj.bias", {13}, false},
                                  {"conv.weight", {3, 3, 3}, true},
                                  {"norm.weight", {1}, false},
                                  {"head.weight", {2, 11}, true}};

const AdamWOptions kOptions{0.9, 0.999, 1e-8, 0.1};

// fp32 parameters of 140, 52, 108, 4 and 88 bytes: four buckets ([head, norm], conv, bias, proj),
// more than the reducer's pool of two buffers.
constexpr std::size_t kBucketBytes = 128;

struct Scenario {
  int world = 2;
  double max_grad_norm = 0.0;  // 0: no clipping
  std::vector<double> lrs{1e-2, 5e-3, 2e-2, 1e-3, 7e-3};
  at::ScalarType dtype = at::kFloat;
  // Backwards per optimizer step; with more than one, each parameter misses one of them (the last
  // one for some parameters and steps), as a micro-batch may not reach it.
  int micro_steps = 2;
  std::int64_t gather_chunk_numel = ShardedAdamW::kDefaultGatherChunkNumel;
  // Whether `rank` has a gradient for parameter `index` at `step`.
  std::function<bool(int rank, int step, std::size_t index)> has_gradient = [](int, int, std::size_t) { return true; };
  bool has_gradient_in(int rank, int step, int micro, std::size_t index) const {
    if (!has_gradient(rank, step, index)) return false;
    return micro_steps == 1 || (static_cast<int>(index) + step + micro) % micro_steps != micro_steps - 1;
  }
  bool present_anywhere(int step, std::size_t index) const {
    for (int rank = 0; rank < world; ++rank) {
      if (has_gradient(rank, step, index)) return true;
    }
    return false;
  }
};

std::vector<TrainableParameter> make_parameters(at::ScalarType dtype) {
  at::Generator generator = at::detail::createCPUGenerator(7);
  std::vector<TrainableParameter> parameters;
  for (const Spec& spec : kSpecs) {
    at::Tensor values = at::randn(spec.shape, generator, at::kFloat).to(dtype);
    parameters.push_back({spec.name, values.requires_grad_(), spec.decay});
  }
  return parameters;
}

// The same on every call: a generator seeded by (rank, step, micro-step, parameter).
at::Tensor gradient(int rank, int step, int micro, std::size_t index, at::ScalarType dtype) {
  at::Generator generator = at::detail::createCPUGenerator(1000 + 1000 * micro + 100 * step + 10 * rank + index);
  return (at::randn(kSpecs[index].shape, generator, at::kFloat) * (rank + 1)).to(dtype);
}

std::vector<at::Tensor> tensors_of(const std::vector<TrainableParameter>& parameters) {
  std::vector<at::Tensor> tensors;
  for (const auto& parameter : parameters) tensors.push_back(parameter.tensor);
  return tensors;
}

// One backward whose gradient for parameter i is gradient(rank, step, micro, i) where the scenario
// has one: the loss sum_i <parameter_i, gradient_i>.
void backward(const Scenario& scenario, std::vector<TrainableParameter>& parameters, int rank, int step, int micro) {
  at::Tensor loss;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (!scenario.has_gradient_in(rank, step, micro, i)) continue;
    const at::Tensor term = (parameters[i].tensor * gradient(rank, step, micro, i, scenario.dtype)).sum();
    loss = loss.defined() ? loss + term : term;
  }
  if (loss.defined()) loss.backward();
}

struct Trajectory {
  std::vector<std::vector<at::Tensor>> parameters;  // after each step
  std::vector<double> norms;
};

// One process: the gradients summed over ranks, clip_grad_norm as the trainer calls it, AdamW. In
// fp32 whatever the scenario's dtype (half-precision runs are compared with their fp32 masters).
Trajectory reference(const Scenario& scenario) {
  std::vector<TrainableParameter> parameters = make_parameters(scenario.dtype);
  for (auto& parameter : parameters) parameter.tensor = parameter.tensor.detach().to(at::kFloat).requires_grad_();
  AdamWOptimizer optimizer(parameters, kOptions);
  Trajectory trajectory;
  for (std::size_t step = 0; step < scenario.lrs.size(); ++step) {
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      at::Tensor sum;
      for (int rank = 0; rank < scenario.world; ++rank) {
        for (int micro = 0; micro < scenario.micro_steps; ++micro) {
          if (!scenario.has_gradient_in(rank, static_cast<int>(step), micro, i)) continue;
          const at::Tensor local = gradient(rank, static_cast<int>(step), micro, i, scenario.dtype).to(at::kFloat);
          sum = sum.defined() ? sum + local : local;
        }
      }
      parameters[i].tensor.mutable_grad() = sum;
    }
    const double limit = scenario.max_grad_norm > 0 ? scenario.max_grad_norm : std::numeric_limits<double>::infinity();
    trajectory.norms.push_back(clip_grad_norm(parameters, limit));
    optimizer.step(scenario.lrs[step]);
    std::vector<at::Tensor> values;
    for (const auto& parameter : parameters) values.push_back(parameter.tensor.detach().clone());
    trajectory.parameters.push_back(std::move(values));
  }
  return trajectory;
}

std::string max_difference(const at::Tensor& a, const at::Tensor& b) {
  return std::to_string((a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>());
}

at::Tensor state_of(const State& state, const std::string& key) {
  for (const auto& [name, tensor] : state) {
    if (name == key) return tensor;
  }
  return {};
}

// Steps [begin, end) of the scenario on this rank, each checked against the reference. For
// half-precision parameters, the fp32 masters of this rank's shard are what must match. After every
// backward the reducer has freed every gradient and holds at most its two buffers.
void run_steps(ProcessGroup& group, const Scenario& scenario, ShardedGradientReducer& reducer,
               ShardedAdamW& optimizer, std::vector<TrainableParameter>& parameters, int begin, int end,
               const Trajectory& expected) {
  const int rank = group.rank();
  for (int step = begin; step < end; ++step) {
    std::vector<at::Tensor> before;
    for (std::size_t i = 0; i < parameters.size(); ++i) before.push_back(parameters[i].tensor.detach().clone());
    for (int micro = 0; micro < scenario.micro_steps; ++micro) {
      reducer.prepare_backward();
      backward(scenario, parameters, rank, step, micro);
      reducer.finish();
      for (const auto& parameter : parameters) {
        EXPECT_FALSE(parameter.tensor.grad().defined())
            << parameter.name << ", rank " << rank << ", step " << step << ", micro-step " << micro
            << ": gradient not freed";
      }
      EXPECT_LE(reducer.peak_buffers(), ShardedGradientReducer::kPoolBuffers);
    }
    const double norm =
        optimizer.step(reducer, scenario.lrs[static_cast<std::size_t>(step)], scenario.max_grad_norm);
    EXPECT_NEAR(norm, expected.norms[static_cast<std::size_t>(step)],
                1e-5 * expected.norms[static_cast<std::size_t>(step)])
        << "rank " << rank << " step " << step;

    const State state = optimizer.state_tensors();
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const at::Tensor& reference = expected.parameters[static_cast<std::size_t>(step)][i];
      const at::Tensor actual = parameters[i].tensor.detach();
      const std::string where =
          parameters[i].name + ", rank " + std::to_string(rank) + ", step " + std::to_string(step);
      if (!scenario.present_anywhere(step, i)) {
        EXPECT_TRUE(at::equal(actual, before[i])) << where << ": changed without a gradient on any rank";
      }
      if (scenario.dtype == at::kFloat) {
        EXPECT_TRUE(at::allclose(actual, reference, 1e-5, 1e-6))
            << where << ": off by " << max_difference(actual, reference);
        continue;
      }
      // The parameter is its master rounded; the master follows the fp32 trajectory.
      EXPECT_TRUE(at::allclose(actual.to(at::kFloat), reference, 1e-2, 1e-2)) << where;
      const at::Tensor master = state_of(state, parameters[i].name + ".master");
      if (!master.defined()) continue;  // not in this rank's shard
      const std::int64_t offset = state_of(state, parameters[i].name + ".offset").item<std::int64_t>();
      const at::Tensor slice = reference.reshape(-1).narrow(0, offset, master.numel());
      EXPECT_TRUE(at::allclose(master, slice, 1e-5, 1e-6))
          << where << ": master off by " << max_difference(master, slice);
      EXPECT_TRUE(at::equal(actual.reshape(-1).narrow(0, offset, master.numel()), master.to(scenario.dtype))) << where;
    }
  }
}

void expect_matches_reference(const Scenario& scenario) {
  const Trajectory expected = reference(scenario);
  test::run_thread_ranks(scenario.world, [&](ProcessGroup& group) {
    std::vector<TrainableParameter> parameters = make_parameters(scenario.dtype);
    ShardedGradientReducer reducer(group, tensors_of(parameters), kBucketBytes);
    ShardedAdamW optimizer(group, parameters, kOptions, scenario.gather_chunk_numel);
    run_steps(group, scenario, reducer, optimizer, parameters, 0, static_cast<int>(scenario.lrs.size()), expected);
    // Four buckets through a pool of two.
    if (scenario.dtype == at::kFloat) {
      EXPECT_EQ(reducer.bucket_count(), 4u);
    }
    EXPECT_EQ(reducer.peak_buffers(), 2u);
  });
}

State clone(const State& state) {
  State copy;
  for (const auto& [name, tensor] : state) copy.emplace_back(name, tensor.clone());
  return copy;
}

std::string load_error(ShardedAdamW& optimizer, const State& state) {
  try {
    optimizer.load_state(state);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

TEST(ShardedAdamWTest, MatchesOneProcessWithClippingActive) {
  for (int world : {2, 3}) {
    Scenario scenario;
    scenario.world = world;
    scenario.max_grad_norm = 0.5;
    const Trajectory expected = reference(scenario);
    for (double norm : expected.norms) ASSERT_GT(norm, 2 * scenario.max_grad_norm) << "clipping must be active";
    expect_matches_reference(scenario);
  }
}

TEST(ShardedAdamWTest, MatchesOneProcessWithoutClipping) {
  for (int world : {2, 3}) {
    for (double max_grad_norm : {0.0, 1e4}) {
      for (int micro_steps : {1, 3}) {
        Scenario scenario;
        scenario.world = world;
        scenario.max_grad_norm = max_grad_norm;
        scenario.micro_steps = micro_steps;
        expect_matches_reference(scenario);
      }
    }
  }
}

TEST(ShardedAdamWTest, SkipsAParameterWithoutGradientAnywhereAndCountsOneWithAGradientOnOneRank) {
  for (int world : {2, 3}) {
    Scenario scenario;
    scenario.world = world;
    scenario.max_grad_norm = 1.0;
    scenario.has_gradient = [](int rank, int step, std::size_t index) {
      if (index == 1 && step == 1) return false;                 // proj.bias: none anywhere at step 1
      if (index == 2 && step == 2) return rank == 1;             // conv.weight: on rank 1 only at step 2
      if (index == 3 && (step == 0 || step == 3)) return false;  // norm.weight: none at steps 0 and 3
      return true;
    };
    const Trajectory expected = reference(scenario);
    // The scenario means something: the reference skipped the first and moved the second.
    ASSERT_TRUE(at::equal(expected.parameters[1][1], expected.parameters[0][1]));
    ASSERT_FALSE(at::equal(expected.parameters[2][2], expected.parameters[1][2]));
    ASSERT_TRUE(at::equal(expected.parameters[0][3], make_parameters(at::kFloat)[3].tensor.detach()));
    expect_matches_reference(scenario);
  }
}

TEST(ShardedAdamWTest, KeepsFp32MastersOfBf16Parameters) {
  Scenario scenario;
  scenario.world = 3;
  scenario.max_grad_norm = 1.0;
  scenario.dtype = at::kBFloat16;
  expect_matches_reference(scenario);
}

TEST(ShardedAdamWTest, TakesWeightsLoadedAfterConstruction) {
  for (at::ScalarType dtype : {at::kFloat, at::kBFloat16}) {
    Scenario scenario;
    scenario.world = 3;
    scenario.dtype = dtype;
    scenario.max_grad_norm = 1.0;
    const Trajectory expected = reference(scenario);
    test::run_thread_ranks(scenario.world, [&](ProcessGroup& group) {
      // Built on other values, then the weights arrive (init_from, a resume's model.safetensors).
      std::vector<TrainableParameter> parameters = make_parameters(dtype);
      const std::vector<TrainableParameter> loaded = make_parameters(dtype);
      ShardedGradientReducer reducer(group, tensors_of(parameters), kBucketBytes);
      {
        at::NoGradGuard no_grad;
        for (auto& parameter : parameters) parameter.tensor.fill_(0.25);
      }
      ShardedAdamW optimizer(group, parameters, kOptions);
      {
        at::NoGradGuard no_grad;
        for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i].tensor.copy_(loaded[i].tensor);
      }
      run_steps(group, scenario, reducer, optimizer, parameters, 0, static_cast<int>(scenario.lrs.size()), expected);
    });
  }
}

TEST(ShardedAdamWTest, ResumesFromEachRanksSavedShard) {
  const std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("vdep-zero2-test-" + std::to_string(::getpid()));
  for (const auto& [world, dtype] : {std::pair{2, at::kFloat}, std::pair{3, at::kFloat}, std::pair{3, at::kBFloat16}}) {
    Scenario scenario;
    scenario.world = world;
    scenario.dtype = dtype;
    scenario.max_grad_norm = 1.0;
    scenario.lrs = {1e-2, 5e-3, 2e-2, 1e-3};
    scenario.has_gradient = [](int rank, int step, std::size_t index) {
      return !(index == 3 && step == 1 && rank == 0);
    };
    const Trajectory expected = reference(scenario);
    std::filesystem::remove_all(folder);
    std::filesystem::create_directories(folder);
    test::run_thread_ranks(world, [&](ProcessGroup& group) {
      const std::filesystem::path file = folder / ("rank" + std::to_string(group.rank()) + ".safetensors");
      std::vector<TrainableParameter> parameters = make_parameters(scenario.dtype);
      {
        ShardedGradientReducer reducer(group, tensors_of(parameters), kBucketBytes);
        ShardedAdamW optimizer(group, parameters, kOptions);
        run_steps(group, scenario, reducer, optimizer, parameters, 0, 2, expected);
        write_safetensors(file, optimizer.state_tensors());  // the keys must be valid safetensors names
      }
      // A new process: fresh parameters holding the weights after step 2, a fresh optimizer. (bf16
      // weights are their masters rounded: only the saved masters carry on the fp32 trajectory.)
      std::vector<TrainableParameter> resumed = make_parameters(scenario.dtype);
      for (std::size_t i = 0; i < resumed.size(); ++i) {
        at::NoGradGuard no_grad;
        resumed[i].tensor.copy_(parameters[i].tensor);
      }
      ShardedGradientReducer reducer(group, tensors_of(resumed), kBucketBytes);
      ShardedAdamW optimizer(group, resumed, kOptions);
      const SafetensorsReader reader = SafetensorsReader::open(file);
      State saved;
      for (const std::string& name : reader.names()) saved.emplace_back(name, reader.get(name));
      optimizer.load_state(saved);
      run_steps(group, scenario, reducer, optimizer, resumed, 2, 4, expected);
    });
  }
  std::filesystem::remove_all(folder);
}

TEST(ShardedAdamWTest, RefusesTheStateOfAnotherRankOrWorldSize) {
  std::vector<State> saved(2);
  test::run_thread_ranks(2, [&](ProcessGroup& group) {
    std::vector<TrainableParameter> parameters = make_parameters(at::kFloat);
    ShardedGradientReducer reducer(group, tensors_of(parameters), kBucketBytes);
    ShardedAdamW optimizer(group, parameters, kOptions);
    reducer.prepare_backward();
    backward(Scenario{}, parameters, group.rank(), 0, 0);
    reducer.finish();
    optimizer.step(reducer, 1e-2, 1.0);
    saved[static_cast<std::size_t>(group.rank())] = clone(optimizer.state_tensors());
  });

  test::run_thread_ranks(2, [&](ProcessGroup& group) {
    ShardedAdamW optimizer(group, make_parameters(at::kFloat), kOptions);
    const std::string own = load_error(optimizer, saved[static_cast<std::size_t>(group.rank())]);
    EXPECT_EQ(own, "") << "rank " << group.rank();
    const std::string other = load_error(optimizer, saved[static_cast<std::size_t>(1 - group.rank())]);
    const std::string saved_by = "saved by rank " + std::to_string(1 - group.rank()) + " of 2";
    const std::string this_run = "this run is rank " + std::to_string(group.rank()) + " of 2";
    EXPECT_NE(other.find(saved_by), std::string::npos) << other;
    EXPECT_NE(other.find(this_run), std::string::npos) << other;
    EXPECT_NE(other.find("init_from"), std::string::npos) << other;
    // No collective above: without one, a rank that finishes first closes its connections while
    // the other may still be reading from them ("Connection closed by peer").
    group.barrier();
  });

  test::run_thread_ranks(3, [&](ProcessGroup& group) {
    ShardedAdamW optimizer(group, make_parameters(at::kFloat), kOptions);
    const std::size_t saver = static_cast<std::size_t>(std::min(group.rank(), 1));
    const std::string error = load_error(optimizer, saved[saver]);
    EXPECT_NE(error.find("saved by rank " + std::to_string(saver) + " of 2"), std::string::npos) << error;
    EXPECT_NE(error.find("this run is rank " + std::to_string(group.rank()) + " of 3"), std::string::npos) << error;
    group.barrier();
  });
}

TEST(ShardedAdamWTest, LoadingAWrongStateChangesNothing) {
  test::run_thread_ranks(2, [&](ProcessGroup& group) {
    std::vector<TrainableParameter> parameters = make_parameters(at::kFloat);
    ShardedAdamW optimizer(group, parameters, kOptions);
    State state = clone(optimizer.state_tensors());
    State changed;
    for (auto& [name, tensor] : state) {
      changed.emplace_back(name, name.size() > 8 && name.substr(name.size() - 8) == ".exp_avg" ? tensor + 1 : tensor);
    }
    changed.emplace_back("stray.exp_avg", at::zeros({3}));
    EXPECT_NE(load_error(optimizer, changed).find("unknown key 'stray.exp_avg'"), std::string::npos);
    for (const auto& [name, tensor] : optimizer.state_tensors()) {
      EXPECT_TRUE(at::equal(tensor, state_of(state, name))) << name;
    }
    group.barrier();
  });
}

TEST(ShardedAdamWTest, GathersTheUpdateInChunks) {
  // Shards of 49 (2 ranks) or 33 (3 ranks): chunks of 4 and 5 values per rank, the last one short,
  // and a chunk larger than a shard.
  for (int world : {2, 3}) {
    for (std::int64_t chunk : {4, 5, 1000}) {
      Scenario scenario;
      scenario.world = world;
      scenario.max_grad_norm = 1.0;
      scenario.gather_chunk_numel = chunk;
      scenario.has_gradient = [](int rank, int step, std::size_t index) {
        return !(index == 1 && step == 2) && !(index == 4 && step == 1 && rank == 0);
      };
      expect_matches_reference(scenario);
    }
  }
}

TEST(ShardedGradientReducerTest, SendsEachBucketFromBackwardAndFreesItsGradients) {
  Scenario scenario;
  scenario.world = 3;
  scenario.micro_steps = 1;
  test::run_thread_ranks(scenario.world, [&](ProcessGroup& group) {
    std::vector<TrainableParameter> parameters = make_parameters(at::kFloat);
    ShardedGradientReducer reducer(group, tensors_of(parameters), kBucketBytes);
    ASSERT_EQ(reducer.bucket_count(), 4u);
    for (int step = 0; step < 2; ++step) {
      reducer.prepare_backward();
      backward(scenario, parameters, group.rank(), step, 0);
      // Every parameter was reached: every bucket went out from a hook and its gradients were
      // freed before backward returned.
      EXPECT_EQ(reducer.buckets_started_in_backward(), reducer.bucket_count());
      for (const auto& parameter : parameters) EXPECT_FALSE(parameter.tensor.grad().defined()) << parameter.name;
      reducer.finish();
      EXPECT_EQ(reducer.peak_buffers(), 2u);
    }
    // The shard holds both steps' gradients summed over ranks; the flags say which it saw.
    const FlatShards& layout = reducer.layout();
    at::Tensor expected = at::zeros({layout.shard_numel * scenario.world});
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      for (int step = 0; step < 2; ++step) {
        for (int rank = 0; rank < scenario.world; ++rank) {
          expected.narrow(0, layout.offsets[i], parameters[i].tensor.numel()).add_(gradient(rank, step, 0, i, at::kFloat).reshape(-1));
        }
      }
    }
    const at::Tensor own = expected.narrow(0, layout.shard_begin(group.rank()), layout.shard_numel);
    EXPECT_TRUE(at::allclose(reducer.gradient_shard(), own, 1e-5, 1e-6))
        << "rank " << group.rank() << ": off by " << max_difference(reducer.gradient_shard(), own);
    for (std::size_t i = 0; i < parameters.size(); ++i) EXPECT_TRUE(reducer.had_gradient()[i]) << i;
    reducer.clear();
    EXPECT_EQ(reducer.gradient_shard().abs().sum().item<double>(), 0.0);
  });
}

}  // namespace
}  // namespace vdep
