// `vdep-run probe data`: a dataset plugin through the data loader as a training stage would run it
// (chat template, tokenizer, image preprocessing, hybrid LLaVA/VDEP modes, worker threads), printing
// what the micro-batches hold, what was skipped and how long the loader kept its caller waiting.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include <vdep/chat_template.h>
#include <vdep/dataset.h>
#include <vdep/tokenizer.h>

#include "commands.h"
#include "data/data_loader.h"
#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"
#include "probe_params.h"
#include "usage_error.h"

namespace vdep {

namespace {

const char* mode_name(SampleMode mode) { return mode == SampleMode::Vdep ? "VDEP" : "LLaVA"; }

std::int64_t count_markers(const std::vector<std::int64_t>& ids) {
  return std::count_if(ids.begin(), ids.end(),
                       [](std::int64_t id) { return id == kImageTokenIndex || id == kAutoImageTokenIndex; });
}

std::int64_t count_supervised(const std::vector<std::int64_t>& labels) {
  return std::count_if(labels.begin(), labels.end(), [](std::int64_t label) { return label != kIgnoreIndex; });
}

std::string shape_text(const at::Tensor& tensor) {
  if (!tensor.defined()) return "none";
  std::string text = "[";
  for (std::int64_t d = 0; d < tensor.dim(); ++d) text += (d ? ", " : "") + std::to_string(tensor.size(d));
  return text + "]";
}

}  // namespace

int run_probe_data_command(const CommandLine& line) {
  PluginRegistry plugins;
  plugins.load_folders(folder_paths(plugin_search_path(line.plugin_paths, {})));
  const Params params = probe_plugin_params(line, plugins, "datasets", PluginKind::Dataset);
  const std::unique_ptr<Dataset> dataset = plugins.create_as<Dataset>(PluginKind::Dataset, line.plugin, params);
  if (!std::filesystem::exists(line.tokenizer)) throw UsageError("tokenizer not found: " + line.tokenizer.string());
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(line.tokenizer);
  const std::unique_ptr<ChatTemplate> chat_template =
      ChatTemplate::create(line.chat_template.empty() ? "plain" : line.chat_template);

  ImageProcessorConfig image_config;
  image_config.size = static_cast<int>(line.image_size);
  image_config.crop_size = static_cast<int>(line.image_size);
  DataLoaderOptions options;
  options.micro_batch_size = static_cast<std::size_t>(line.micro_batch_size);
  options.seed = line.seed;
  options.data_ratio = line.data_ratio;
  options.workers = static_cast<std::size_t>(line.workers);
  DataLoader loader({dataset.get()}, *chat_template, *tokenizer, image_config, options);
  loader.start_epoch(0);

  EpochOrderSettings order;
  order.micro_batch_size = options.micro_batch_size;
  order.data_ratio = options.data_ratio;
  std::printf("%s\nepoch 0: %s\n%s template; images %lldx%lld; micro-batch %zu, %zu worker(s)\n",
              dataset->describe().c_str(), loader.composition().describe(order).c_str(), chat_template->name().c_str(),
              static_cast<long long>(line.image_size), static_cast<long long>(line.image_size),
              options.micro_batch_size, options.workers);

  const auto start = std::chrono::steady_clock::now();
  std::size_t batches = 0, samples = 0;
  const auto wanted = static_cast<std::size_t>(line.batches);
  while (wanted == 0 || batches < wanted) {
    const std::optional<CollatedBatch> batch = loader.next();
    if (!batch) break;
    ++batches;
    samples += batch->size();
    if (batches > 2) continue;
    std::printf("\nbatch %zu: %zu samples, pixel_values %s\n", batches, batch->size(),
                shape_text(batch->pixel_values).c_str());
    std::printf("  %-28s %-6s %7s %7s %11s\n", "ID", "MODE", "TOKENS", "IMAGES", "SUPERVISED");
    for (std::size_t i = 0; i < batch->size(); ++i) {
      std::printf("  %-28s %-6s %7zu %7lld %11lld\n", batch->ids[i].c_str(), mode_name(batch->modes[i]),
                  batch->input_ids[i].size(), static_cast<long long>(count_markers(batch->input_ids[i])),
                  static_cast<long long>(count_supervised(batch->labels[i])));
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\n%zu micro-batches (%zu samples) of %zu in the epoch in %.2f s: %.1f samples/s; data wait %.1f ms per "
              "batch on average, %.1f ms the last\n",
              batches, samples, loader.batches_per_epoch(), seconds, samples / std::max(seconds, 1e-9),
              1e3 * loader.total_wait_seconds() / std::max<std::size_t>(1, loader.next_calls()),
              1e3 * loader.last_wait_seconds());
  std::printf("%s\n", loader.report().format().c_str());
  return 0;
}

}  // namespace vdep
