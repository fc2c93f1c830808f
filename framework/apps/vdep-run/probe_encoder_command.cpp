// `vdep-run probe encoder`: one image through an encoder plugin, as a training run would prepare
// it, with the features' statistics and, on request, every tensor written out for comparison with
// another implementation (HF transformers, LLaVA).
#include <chrono>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <vdep/encoder.h>
#include <vdep/safetensors.h>

#include "commands.h"
#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"
#include "probe_params.h"
#include "usage_error.h"

#if VDEP_WITH_IMAGE_CODECS
#include "image/image_decoder.h"
#include "image/image_preprocessor.h"
#endif

namespace vdep {

int run_probe_encoder_command(const CommandLine& line) {
#if VDEP_WITH_IMAGE_CODECS
  if (!std::filesystem::is_regular_file(line.image)) throw UsageError("image not found: " + line.image.string());
  PluginRegistry plugins;
  plugins.load_folders(folder_paths(plugin_search_path(line.plugin_paths, {})));
  auto encoder = plugins.create_as<Encoder>(PluginKind::Encoder, line.plugin, probe_plugin_params(line, plugins, "encoder", PluginKind::Encoder));

  const cv::Mat image = decode_image_rgb(line.image);
  const at::Tensor pixel_values =
      preprocess_image(image, encoder->image_processor(), line.aspect == "pad").unsqueeze(0);

  torch::NoGradGuard no_grad;
  EncodeOptions options;
  options.return_hidden_states = true;
  const auto start = std::chrono::steady_clock::now();
  const EncoderOutput output = encoder->encode(pixel_values, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const at::Tensor features = output.features.to(torch::kFloat);
  std::printf("encoder %s, image %s (%dx%d, %s)\n", line.plugin.c_str(), line.image.c_str(), image.cols, image.rows,
              line.aspect.c_str());
  std::printf("pixel_values   [%ld, %ld, %ld, %ld]\n", pixel_values.size(0), pixel_values.size(1),
              pixel_values.size(2), pixel_values.size(3));
  std::printf("hidden_states  %zu computed (0 = embeddings)\n", output.hidden_states.size());
  std::printf("image_features [%ld, %ld, %ld]  mean %.6g  std %.6g  min %.6g  max %.6g\n", features.size(0),
              features.size(1), features.size(2), features.mean().item<double>(), features.std().item<double>(),
              features.min().item<double>(), features.max().item<double>());
  std::printf("forward        %.3f s\n", seconds);

  if (!line.dump.empty()) {
    std::vector<std::pair<std::string, at::Tensor>> tensors = {{"pixel_values", pixel_values},
                                                               {"image_features", output.features}};
    for (std::size_t i = 0; i < output.hidden_states.size(); ++i) {
      tensors.emplace_back("hidden_states." + std::to_string(i), output.hidden_states[i]);
    }
    write_safetensors(line.dump, tensors, {{"plugin", line.plugin}, {"image", line.image.string()}, {"aspect", line.aspect}});
    std::printf("wrote %zu tensors to %s\n", tensors.size(), line.dump.c_str());
  }
  return 0;
#else
  throw UsageError("this vdep was built without image decoding (VDEP_WITH_IMAGE_CODECS=OFF): probe needs it");
#endif
}

}  // namespace vdep
