// pretrain_step_bench: one LLaVA pre-training step (forward, lm loss, backward, AdamW) of a
// LLaMA (~100M parameters by default, tinyllama-1.1b for the ~1B GPU figure) with 576 image tokens
// per sample, in fp32 and under bf16 autocast, with and without gradient checkpointing.
//
//   build/bin/pretrain_step_bench [--preset llama-100m] [--batch 2] [--text 64] [--iterations 2]
//                                 [--warmup 1] [--precision fp32|bf16|both] [--threads N]
//                                 [--device cpu|cuda] [--peak-tflops F]
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
// steps (VmHWM, reset before each setup; on CUDA also the caching allocator's peak on the GPU).
//
// Model FLOPs per step, as PaLM's MFU counts them (what the model needs, not what the hardware runs:
// checkpointing's recomputation is not counted): each matmul weight of w values costs 2w FLOPs per
// token forward (the decoder layers, the LM head and the projector; the embedding lookup none), and
// attention 4 x layers x length x hidden per token (QK^T and AV over the whole causal square, as the
// implementation computes it). Backward costs twice forward where the weights train (input and
// weight gradients) and once where they are frozen but gradients pass through (input gradients
// only): the frozen LLM of train=projector. With --peak-tflops (the device's dense peak in the
// precision measured, e.g. 989 for an H100 SXM in bf16) the line ends with the model FLOPs
// utilisation: achieved FLOP/s over that peak.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/cuda.h>
#include <torch/torch.h>

#include <vdep/autocast.h>
#include <vdep/llm.h>
#include <vdep/objective.h>

#include "bundled_plugin.h"
#include "flag_values.h"
#include "measurement.h"
#include "model/projector.h"
#include "run/cuda_device.h"
#include "train/adamw_optimizer.h"

namespace {

using vdep::bench::Clock;
using vdep::bench::seconds_since;

constexpr std::int64_t kImageTokens = 576;    // CLIP ViT-L/14-336: (336 / 14)^2 patches
constexpr std::int64_t kEncoderHidden = 1024;

struct Setup {
  c10::Device device = c10::kCPU;
  bool train_llm = false;
  bool bf16 = false;
  bool gradient_checkpointing = false;
};

struct Batch {
  at::Tensor features;  // [batch, 576, 1024]
  at::Tensor text_ids;  // [batch, text]
  at::Tensor labels;    // [batch, 1 + 576 + text]
};

Batch random_batch(const vdep::Llm& llm, std::int64_t batch, std::int64_t text, const c10::Device& device) {
  Batch b;
  b.features = torch::randn({batch, kImageTokens, kEncoderHidden}).to(device);
  b.text_ids = torch::randint(3, llm.vocab_size(), {batch, text}, torch::kLong).to(device);
  b.labels = torch::cat({torch::full({batch, 1 + kImageTokens}, vdep::kIgnoreIndex, torch::kLong).to(device), b.text_ids}, 1);
  return b;
}

struct MatmulWeights {
  double decoder = 0;    // the decoder layers' weight matrices
  double lm_head = 0;
  double projector = 0;
  std::int64_t layers = 0;
};

MatmulWeights matmul_weights(vdep::Llm& llm, vdep::Projector& projector) {
  MatmulWeights weights;
  for (const auto& item : llm.module().named_parameters()) {
    const std::string& name = item.key();
    if (item.value().dim() < 2 || name.find("embed_tokens") != std::string::npos) continue;
    if (name.find("lm_head") != std::string::npos) {
      weights.lm_head += static_cast<double>(item.value().numel());
      continue;
    }
    weights.decoder += static_cast<double>(item.value().numel());
    const auto at = name.find("layers.");
    if (at != std::string::npos) {
      weights.layers = std::max<std::int64_t>(weights.layers, std::stoll(name.substr(at + 7)) + 1);
    }
  }
  for (const auto& parameter : projector->parameters()) {
    if (parameter.dim() >= 2) weights.projector += static_cast<double>(parameter.numel());
  }
  return weights;
}

// See the file's header for what is counted.
double model_flops_per_step(const MatmulWeights& weights, std::int64_t hidden, std::int64_t batch,
                            std::int64_t length, bool train_llm) {
  const double positions = static_cast<double>(batch * length);
  const double llm_forward = positions * (2.0 * (weights.decoder + weights.lm_head) +
                                          4.0 * static_cast<double>(weights.layers * length * hidden));
  const double projector_forward = static_cast<double>(batch * kImageTokens) * 2.0 * weights.projector;
  return llm_forward * (train_llm ? 3.0 : 2.0) + projector_forward * 3.0;
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
        autocast.emplace(vdep::AutocastState::current().enabled_on(setup_.device.type(), at::kBFloat16));
      }
      const auto size = batch.text_ids.size(0);
      const auto bos = torch::full({size, 1}, llm_.special_tokens().bos, torch::TensorOptions(torch::kLong).device(setup_.device));
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
             int iterations, double peak_tflops) {
  PretrainStep step(llm, projector, setup);
  vdep::bench::reset_peak_resident();
  const bool cuda = setup.device.is_cuda();
  if (cuda) vdep::reset_peak_cuda_allocated(setup.device.index());
  for (int i = 0; i < warmup; ++i) step.run(batch);
  // loss.item() in each step already waits for the GPU; this also covers a step without one.
  if (cuda) torch::cuda::synchronize(setup.device.index());
  const auto start = Clock::now();
  double loss = 0;
  for (int i = 0; i < iterations; ++i) loss = step.run(batch);
  if (cuda) torch::cuda::synchronize(setup.device.index());
  const double seconds = seconds_since(start) / iterations;
  const auto samples = static_cast<double>(batch.labels.size(0));
  const double flops = model_flops_per_step(matmul_weights(llm, projector), llm.hidden_size(), batch.labels.size(0),
                                            batch.labels.size(1), setup.train_llm);
  char device_memory[48] = "";
  if (cuda) {
    std::snprintf(device_memory, sizeof device_memory, " peak GPU %.0f MiB",
                  vdep::peak_cuda_allocated_mib(setup.device.index()));
  }
  char utilisation[32] = "";
  if (peak_tflops > 0) {
    std::snprintf(utilisation, sizeof utilisation, " MFU %.1f%%", 100.0 * flops / seconds / (peak_tflops * 1e12));
  }
  std::printf("train=%-9s %-4s checkpointing %-3s %7.3f s/step %7.3f samples/s %8.1f tokens/s %8.2f TFLOP/s"
              " peak RSS %6.0f MiB%s%s (loss %.3f)\n",
              setup.train_llm ? "llm" : "projector", setup.bf16 ? "bf16" : "fp32",
              setup.gradient_checkpointing ? "on" : "off", seconds, samples / seconds,
              samples * static_cast<double>(batch.labels.size(1)) / seconds, flops / seconds / 1e12,
              vdep::bench::peak_resident_kib() / 1024.0, device_memory, utilisation, loss);
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
  std::string device_name = "cpu";
  double peak_tflops = 0;
  vdep::bench::FlagValues flags;
  flags.text("--preset", preset)
      .number("--batch", batch)
      .number("--text", text)
      .number("--iterations", iterations)
      .number("--warmup", warmup)
      .text("--precision", precision)
      .number("--threads", threads)
      .text("--device", device_name)
      .number("--peak-tflops", peak_tflops);
  if (!flags.parse(argc, argv)) return 2;
  if (device_name != "cpu" && device_name != "cuda") {
    std::fprintf(stderr, "pretrain_step_bench: --device is cpu or cuda\n");
    return 2;
  }
  if (device_name == "cuda" && !torch::cuda::is_available()) {
    std::fprintf(stderr, "pretrain_step_bench: --device cuda, but this LibTorch sees no CUDA device\n");
    return 2;
  }
  const c10::Device device = device_name == "cuda" ? c10::Device(c10::DeviceType::CUDA, 0) : c10::Device(c10::kCPU);

  if (threads > 0) torch::set_num_threads(threads);
  auto llm = vdep::bench::create_bundled<vdep::Llm>(vdep::PluginKind::Llm, "llm", "llama", preset);
  llm->module().train();
  torch::manual_seed(0);
  vdep::Projector projector(vdep::ProjectorSpec::parse("mlp2x_gelu"), kEncoderHidden, llm->hidden_size());
  llm->module().to(device);
  projector->to(device);
  const Batch data = random_batch(*llm, batch, text, device);
  std::printf("llama %s: %.1fM parameters; projector mlp2x_gelu %.1fM; batch %lld x (1 BOS + %lld image + %lld text) "
              "positions; random CLIP-L/336 features [%lld, %lld, %lld] into the projector (the ViT does not run); "
              "%d timed steps after %d warm-up; %s, %d threads\n",
              preset.c_str(), vdep::bench::parameter_count(llm->module()) / 1e6,
              vdep::bench::parameter_count(*projector) / 1e6, static_cast<long long>(batch),
              static_cast<long long>(kImageTokens), static_cast<long long>(text), static_cast<long long>(batch),
              static_cast<long long>(kImageTokens), static_cast<long long>(kEncoderHidden), iterations, warmup,
              device.str().c_str(), torch::get_num_threads());
  std::vector<bool> bf16s;
  if (precision != "bf16") bf16s.push_back(false);
  if (precision != "fp32") bf16s.push_back(true);
  for (const bool train_llm : {false, true}) {
    for (const bool bf16 : bf16s) {
      for (const bool checkpointing : {false, true}) {
        measure(*llm, projector, {device, train_llm, bf16, checkpointing}, data, warmup, iterations, peak_tflops);
      }
    }
  }
  return 0;
}
