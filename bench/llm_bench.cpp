// llm_bench: training-step and generation throughput of an LLM plugin with random weights, in fp32
// and bf16, on CPU.
//
//   build/bin/llm_bench [--plugin llama|phi] [--preset llama-100m] [--batch 4] [--seq 256]
//                       [--iterations 3] [--precision fp32|bf16|both] [--threads N] [--new-tokens 32]
//
// Prints, for each precision:
// - training tokens/s: forward with logits, next-token cross-entropy, backward (no optimizer step),
//   over `batch` sequences of `seq` tokens;
// - generation tokens/s: vdep::generate, greedy, batch 1, a `seq`-token prompt in one forward
//   (timed on its own), then `new-tokens` steps of one position each from the KV cache;
// and the process's peak resident memory (VmHWM). bf16 means parameters and activations in
// bfloat16; on CPUs without AVX512-BF16 or AMX, LibTorch 1.13's bf16 GEMM is a scalar loop far
// slower than fp32: measure bf16 there with few iterations.
#include <chrono>
#include <cstdio>
#include <string>

#include <torch/torch.h>

#include <vdep/generation.h>
#include <vdep/llm.h>

#include "bundled_plugin.h"
#include "flag_values.h"
#include "measurement.h"

namespace {

using vdep::bench::Clock;
using vdep::bench::seconds_since;

void training_step(vdep::Llm& llm, const torch::Tensor& ids) {
  llm.module().zero_grad();
  vdep::LlmInputs inputs;
  inputs.inputs_embeds = llm.embed(ids);
  const auto logits = llm.forward(inputs, {}).logits;
  const auto length = ids.size(1);
  const auto loss = torch::cross_entropy_loss(logits.narrow(1, 0, length - 1).reshape({-1, logits.size(2)}).to(torch::kFloat),
                                              ids.narrow(1, 1, length - 1).reshape({-1}));
  loss.backward();
}

double training_tokens_per_second(vdep::Llm& llm, int batch, int seq, int iterations) {
  const auto ids = torch::randint(0, llm.vocab_size(), {batch, seq}, torch::kLong);
  training_step(llm, ids);  // warm-up: allocator and kernel selection
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) training_step(llm, ids);
  return static_cast<double>(batch) * seq * iterations / seconds_since(start);
}

struct GenerationFigures {
  double prompt_seconds;
  double tokens_per_second;
};

// vdep::generate, greedy, as probe and evaluation run it. The prompt pass is timed as a one-token
// generation and subtracted from a (1 + new_tokens)-token one.
GenerationFigures greedy_generation(vdep::Llm& llm, int prompt_length, int new_tokens) {
  torch::NoGradGuard no_grad;
  const auto prompt = llm.embed(torch::randint(0, llm.vocab_size(), {1, prompt_length}, torch::kLong));
  vdep::GenerationOptions options;
  options.eos_token_ids = {-1};  // an id never produced: every run generates all its tokens
  auto timed = [&](int tokens) {
    options.max_new_tokens = tokens;
    const auto start = Clock::now();
    vdep::generate(llm, prompt, options);
    return seconds_since(start);
  };
  timed(1);  // warm-up: allocator and kernel selection
  const double prompt_seconds = timed(1);
  const double total_seconds = timed(1 + new_tokens);
  return {prompt_seconds, new_tokens / (total_seconds - prompt_seconds)};
}

void measure(vdep::Llm& llm, torch::ScalarType dtype, const char* name, int batch, int seq, int iterations,
             int new_tokens) {
  llm.module().to(dtype);
  std::printf("%s training (forward + backward, no optimizer): %.1f tokens/s\n", name,
              training_tokens_per_second(llm, batch, seq, iterations));
  llm.module().zero_grad();
  const GenerationFigures generation = greedy_generation(llm, seq, new_tokens);
  std::printf("%s generation (greedy, batch 1, KV cache): %.1f tokens/s after a %d-token prompt in %.2f s\n", name,
              generation.tokens_per_second, seq, generation.prompt_seconds);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string plugin = "llama";
  std::string preset = "llama-100m";
  int batch = 4;
  int seq = 256;
  int iterations = 3;
  std::string precision = "both";
  int threads = 0;
  int new_tokens = 32;
  vdep::bench::FlagValues flags;
  flags.text("--plugin", plugin)
      .text("--preset", preset)
      .number("--batch", batch)
      .number("--seq", seq)
      .number("--iterations", iterations)
      .text("--precision", precision)
      .number("--threads", threads)
      .number("--new-tokens", new_tokens);
  if (!flags.parse(argc, argv)) return 2;

  // As in encoder_bench: OpenBLAS runs the matrix products on its own threads, so LibTorch's
  // default is kept unless asked.
  if (threads > 0) torch::set_num_threads(threads);
  auto llm = vdep::bench::create_bundled<vdep::Llm>(vdep::PluginKind::Llm, "llm", plugin, preset);
  const std::int64_t parameters = vdep::bench::parameter_count(llm->module());
  std::printf("%s %s: %.1fM parameters, batch %d x %d tokens, %d iterations, %d new tokens, %d threads\n",
              plugin.c_str(), preset.c_str(), parameters / 1e6, batch, seq, iterations, new_tokens,
              torch::get_num_threads());
  if (precision != "bf16") measure(*llm, torch::kFloat, "fp32", batch, seq, iterations, new_tokens);
  if (precision != "fp32") measure(*llm, torch::kBFloat16, "bf16", batch, seq, iterations, new_tokens);
  std::printf("peak resident memory: %.0f MiB\n", vdep::bench::peak_resident_kib() / 1024.0);
  return 0;
}
