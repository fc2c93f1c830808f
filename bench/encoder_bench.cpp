// encoder_bench: forward throughput of a vision encoder plugin with random weights, in fp32 and
// bf16, on CPU.
//
//   build/bin/encoder_bench [--plugin clip_vit] [--preset vit-l-14-336] [--batch 4] [--iterations 3]
//                           [--precision fp32|bf16|both] [--threads N]
//
// Prints images/s for each precision and the process's peak resident memory (VmHWM). bf16 means
// weights and activations in bfloat16 (how LLaVA runs its frozen vision tower); softmax stays fp32.
// On CPUs without AVX512-BF16 or AMX, LibTorch 1.13's bf16 GEMM falls back to a scalar loop that
// is far slower than fp32: measure bf16 there with a small preset.
#include <chrono>
#include <cstdio>
#include <string>

#include <torch/torch.h>

#include <vdep/encoder.h>

#include "bundled_plugin.h"
#include "flag_values.h"
#include "measurement.h"

namespace {

double images_per_second(vdep::Encoder& encoder, torch::ScalarType dtype, int batch, int iterations) {
  const auto processor = encoder.image_processor();
  const int side = processor.do_center_crop ? processor.crop_size : processor.size;
  encoder.module().to(dtype);
  const auto pixels = torch::randn({batch, 3, side, side}).to(dtype);
  torch::NoGradGuard no_grad;
  encoder.encode(pixels, {});  // warm-up: allocator and kernel selection
  const auto start = vdep::bench::Clock::now();
  for (int i = 0; i < iterations; ++i) encoder.encode(pixels, {});
  return batch * iterations / vdep::bench::seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  std::string plugin = "clip_vit";
  std::string preset = "vit-l-14-336";
  int batch = 4;
  int iterations = 3;
  std::string precision = "both";
  int threads = 0;
  vdep::bench::FlagValues flags;
  flags.text("--plugin", plugin)
      .text("--preset", preset)
      .number("--batch", batch)
      .number("--iterations", iterations)
      .text("--precision", precision)
      .number("--threads", threads);
  if (!flags.parse(argc, argv)) return 2;

  // LibTorch's own pool (elementwise ops, convolutions). OpenBLAS runs the matrix products on its
  // own threads either way, and on the 2-core machine a second LibTorch thread competes with them
  // (ViT-B/16: 2.5 images/s with one, 1.3 with two), so LibTorch's default is kept unless asked.
  if (threads > 0) torch::set_num_threads(threads);
  auto encoder = vdep::bench::create_bundled<vdep::Encoder>(vdep::PluginKind::Encoder, "encoder", plugin, preset);
  const std::int64_t parameters = vdep::bench::parameter_count(encoder->module());
  std::printf("%s %s: %.1fM parameters, %ld tokens/image, batch %d, %d iterations, %d threads\n", plugin.c_str(),
              preset.c_str(), parameters / 1e6, static_cast<long>(encoder->num_tokens()), batch, iterations,
              torch::get_num_threads());
  if (precision != "bf16") {
    std::printf("fp32: %.3f images/s\n", images_per_second(*encoder, torch::kFloat, batch, iterations));
  }
  if (precision != "fp32") {
    std::printf("bf16: %.3f images/s\n", images_per_second(*encoder, torch::kBFloat16, batch, iterations));
  }
  std::printf("peak resident memory: %.0f MiB\n", vdep::bench::peak_resident_kib() / 1024.0);
  return 0;
}
