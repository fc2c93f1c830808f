// encoder_bench: forward throughput of a vision encoder plugin with random weights, in fp32 and
// bf16, on CPU.
//
//   build/bin/encoder_bench [--plugin clip_vit] [--preset vit-l-14-336] [--batch 4] [--iterations 3]
//
// Prints images/s for each precision and the process's peak resident memory (VmHWM). bf16 means
// weights and activations in bfloat16 (how LLaVA runs its frozen vision tower); softmax stays fp32.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <torch/torch.h>

#include <vdep/encoder.h>

#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"

namespace {

long peak_resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double images_per_second(vdep::Encoder& encoder, torch::ScalarType dtype, int batch, int iterations) {
  const auto processor = encoder.image_processor();
  const int side = processor.do_center_crop ? processor.crop_size : processor.size;
  encoder.module().to(dtype);
  const auto pixels = torch::randn({batch, 3, side, side}).to(dtype);
  torch::NoGradGuard no_grad;
  encoder.encode(pixels, {});  // warm-up: allocator and kernel selection
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) encoder.encode(pixels, {});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return batch * iterations / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::string plugin = "clip_vit";
  std::string preset = "vit-l-14-336";
  int batch = 4;
  int iterations = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--plugin") plugin = argv[i + 1];
    else if (flag == "--preset") preset = argv[i + 1];
    else if (flag == "--batch") batch = std::stoi(argv[i + 1]);
    else if (flag == "--iterations") iterations = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }

  vdep::PluginRegistry registry;
  registry.load_folders({vdep::bundled_plugin_folder()});
  vdep::Params params(plugin);
  params.set("weights", std::string());
  params.set("preset", preset);
  params.set("select_layer", std::int64_t{-2});
  params.set("select_feature", std::string("patch"));
  params.set("seed", std::int64_t{0});
  auto encoder = registry.create_as<vdep::Encoder>(vdep::PluginKind::Encoder, plugin, params);

  std::int64_t parameters = 0;
  for (const auto& p : encoder->module().parameters()) parameters += p.numel();
  std::printf("%s %s: %.1fM parameters, %ld tokens/image, batch %d, %d iterations, %d threads\n", plugin.c_str(),
              preset.c_str(), parameters / 1e6, static_cast<long>(encoder->num_tokens()), batch, iterations,
              torch::get_num_threads());
  const double fp32 = images_per_second(*encoder, torch::kFloat, batch, iterations);
  std::printf("fp32: %.2f images/s\n", fp32);
  const double bf16 = images_per_second(*encoder, torch::kBFloat16, batch, iterations);
  std::printf("bf16: %.2f images/s\n", bf16);
  std::printf("peak resident memory: %.0f MiB\n", peak_resident_kib() / 1024.0);
  return 0;
}
