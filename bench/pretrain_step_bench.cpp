// pretrain_step_bench: one LLaVA pre-training step (forward, lm loss, backward, AdamW) of a
// ~100M-parameter LLaMA with 576 image tokens per sample, in fp32 and under bf16 autocast, with and
// without gradient checkpointing, on CPU.
//
//   build/bin/pretrain_step_bench [--preset llama-100m] [--batch 2] [--text 64] [--iterations 2]
//                                 [--warmup 1] [--precision fp32|bf16|both] [--threads N]
//
// The CLIP ViT-L/14-336 encoder does not run: random features [batch, 576, 1024], what its
// penultimate layer hands the projector without CLS, go straight into an mlp2x_gelu projector. Each
// sequence is BOS, the 576 image embeddings, then `text` caption tokens, all supervised as in the
// plain template (the loss is the lm objective's: cross-entropy summed over the targets, divided by
// their count, in fp32).
//
// Two setups:
// - train=projector: LLaVA pre-training, the LLM frozen (gradients still flow through it to the
//   image embeddings). Gradient checkpointing is measured too: the frozen layers still hold their
//   activations for the input gradient.
// - train=llm: the projector and the whole LLM, with and without gradient checkpointing.
// For each: seconds per step after `warmup` untimed steps (allocator, kernel selection, AdamW's
// moments), samples/s, tokens/s (positions through the LLM) and the peak resident memory of those
// steps (VmHWM, reset before each setup).
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <vdep/autocast.h>
#include <vdep/llm.h>
#include <vdep/objective.h>

#include "bundled_plugin.h"
#include "flag_values.h"
#include "measurement.h"
#include "model/projector.h"
#include "train/adamw_optimizer.h"

namespace {

using vdep::bench::Clock;
using vdep::bench::seconds_since;

constexpr std::int64_t kImageTokens = 576;    // CLIP ViT-L/14-336: (336 / 14)^2 patches
constexpr std::int64_t kEncoderHidden = 1024;

struct Setup {
  bool train_llm = false;
  bool bf16 = false;
  bool gradient_checkpointing = false;
};

struct Batch {
  at::Tensor features;  // [batch, 576, 1024]
  at::Tensor text_ids;  // [batch, text]
  at::Tensor labels;    // [batch, 1 + 576 + text]
};

Batch random_batch(const vdep::Llm& llm, std::int64_t batch, std::int64_t text) {
  Batch b;
  b.features = torch::randn({batch, kImageTokens, kEncoderHidden});
  b.text_ids = torch::randint(3, llm.vocab_size(), {batch, text}, torch::kLong);
  b.labels = torch::cat({torch::full({batch, 1 + kImageTokens}, vdep::kIgnoreIndex, torch::kLong), b.text_ids}, 1);
  return b;
}

class PretrainStep {
 public:
  PretrainStep(vdep::Llm& llm, vdep::Projector& projector, const Setup& setup)
      : llm_(llm), projector_(projector), setup_(setup) {
    std::vector<vdep::TrainableParameter> trained;
    for (const auto& item : projector_->named_parameters()) {
      trained.push_back({"projector." + item.key(), item.value(), item.value().dim() > 1});
    }
    for (const auto& item : llm_.module().named_parameters()) {
      item.value().set_requires_grad(setup.train_llm);
      if (setup.train_llm) trained.push_back({item.key(), item.value(), item.value().dim() > 1});
    }
    optimizer_ = std::make_unique<vdep::AdamWOptimizer>(std::move(trained), vdep::AdamWOptions{});
  }

  double run(const Batch& batch) {
    at::Tensor loss;
    {
      std::optional<vdep::AutocastGuard> autocast;
      if (setup_.bf16) {
        autocast.emplace(vdep::AutocastState::current().enabled_on(c10::DeviceType::CPU, at::kBFloat16));
      }
      const auto size = batch.text_ids.size(0);
      const auto bos = torch::full({size, 1}, llm_.special_tokens().bos, torch::kLong);
      vdep::LlmInputs inputs;
      inputs.inputs_embeds = torch::cat({llm_.embed(bos), projector_->forward(batch.features).to(torch::kFloat),
                                         llm_.embed(batch.text_ids)}, 1);
      vdep::LlmForwardOptions options;
      options.recompute_layers_in_backward = setup_.gradient_checkpointing;
      const at::Tensor logits = llm_.forward(inputs, options).logits;
      const auto length = logits.size(1);
      const auto targets = batch.labels.narrow(1, 1, length - 1).reshape({-1});
      const auto summed = torch::nn::functional::cross_entropy(
          logits.narrow(1, 0, length - 1).to(torch::kFloat).reshape({-1, logits.size(2)}), targets,
          torch::nn::functional::CrossEntropyFuncOptions().ignore_index(vdep::kIgnoreIndex).reduction(torch::kSum));
      loss = summed / (targets != vdep::kIgnoreIndex).sum().to(torch::kFloat);
    }
    loss.backward();
    optimizer_->step(1e-3);
    optimizer_->zero_grad();
    return loss.item<double>();
  }

 private:
  vdep::Llm& llm_;
  vdep::Projector& projector_;
  Setup setup_;
  std::unique_ptr<vdep::AdamWOptimizer> optimizer_;
};

void measure(vdep::Llm& llm, vdep::Projector& projector, const Setup& setup, const Batch& batch, int warmup,
             int iterations) {
  PretrainStep step(llm, projector, setup);
  vdep::bench::reset_peak_resident();
  for (int i = 0; i < warmup; ++i) step.run(batch);
  const auto start = Clock::now();
  double loss = 0;
  for (int i = 0; i < iterations; ++i) loss = step.run(batch);
  const double seconds = seconds_since(start) / iterations;
  const auto samples = static_cast<double>(batch.labels.size(0));
  std::printf("train=%-9s %-4s checkpointing %-3s %7.2f s/step %6.3f samples/s %7.1f tokens/s peak RSS %6.0f MiB"
              " (loss %.3f)\n",
              setup.train_llm ? "llm" : "projector", setup.bf16 ? "bf16" : "fp32",
              setup.gradient_checkpointing ? "on" : "off", seconds, samples / seconds,
              samples * static_cast<double>(batch.labels.size(1)) / seconds,
              vdep::bench::peak_resident_kib() / 1024.0, loss);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string preset = "llama-100m";
  std::int64_t batch = 2;
  std::int64_t text = 64;
  int iterations = 2;
  int warmup = 1;
  std::string precision = "both";
  int threads = 0;
  vdep::bench::FlagValues flags;
  flags.text("--preset", preset)
      .number("--batch", batch)
      .number("--text", text)
      .number("--iterations", iterations)
      .number("--warmup", warmup)
      .text("--precision", precision)
      .number("--threads", threads);
  if (!flags.parse(argc, argv)) return 2;

  if (threads > 0) torch::set_num_threads(threads);
  auto llm = vdep::bench::create_bundled<vdep::Llm>(vdep::PluginKind::Llm, "llm", "llama", preset);
  llm->module().train();
  torch::manual_seed(0);
  vdep::Projector projector(vdep::ProjectorSpec::parse("mlp2x_gelu"), kEncoderHidden, llm->hidden_size());
  const Batch data = random_batch(*llm, batch, text);
  std::printf("llama %s: %.1fM parameters; projector mlp2x_gelu %.1fM; batch %lld x (1 BOS + %lld image + %lld text) "
              "positions; random CLIP-L/336 features [%lld, %lld, %lld] into the projector (the ViT does not run); "
              "%d timed steps after %d warm-up; %d threads\n",
              preset.c_str(), vdep::bench::parameter_count(llm->module()) / 1e6,
              vdep::bench::parameter_count(*projector) / 1e6, static_cast<long long>(batch),
              static_cast<long long>(kImageTokens), static_cast<long long>(text), static_cast<long long>(batch),
              static_cast<long long>(kImageTokens), static_cast<long long>(kEncoderHidden), iterations, warmup,
              torch::get_num_threads());
  std::vector<bool> bf16s;
  if (precision != "bf16") bf16s.push_back(false);
  if (precision != "fp32") bf16s.push_back(true);
  for (const bool train_llm : {false, true}) {
    for (const bool bf16 : bf16s) {
      for (const bool checkpointing : {false, true}) {
        measure(*llm, projector, {train_llm, bf16, checkpointing}, data, warmup, iterations);
      }
    }
  }
  return 0;
}
