// data_loader_bench: whether the data loader keeps up with the trainer. For each number of worker
// threads, runs the loader over LLaVA pre-training records (the `plain` template, a real
// tokenizer, CLIP-336-like image preparation: LLaVA's pad to square, PIL bicubic resize, centre
// crop, normalisation) while a simulated training step sleeps after every micro-batch.
//
//   build/bin/data_loader_bench [--data DIR] [--images 64] [--size 512] [--crop 336] [--batch 8]
//                               [--steps 8] [--step-ms 0] [--workers 0,1,2] [--prefetch 4]
//                               [--data-ratio 0] [--tokenizer PATH]
//
// --data reads DIR/pretrain.json and DIR/images/ as `vdep-run data shapes --out DIR` writes them;
// without it, --images shapes scenes of --size pixels are written into the temporary folder first.
// --crop is the encoder's side (336 for CLIP ViT-L/14-336, 64 for a toy encoder). Prints, per
// worker count, samples/s over the whole loop (step time included) and the mean time next() waited
// for data, also without the first call, which waits for the pipeline to fill. The loader is not
// the bottleneck when that mean is close to 0 with the step time of the real trainer.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <vdep/chat_template.h>
#include <vdep/dataset.h>
#include <vdep/llava_json_dataset.h>
#include <vdep/tokenizer.h>

#include "data/data_loader.h"
#include "data/shapes_caption.h"
#include "data/shapes_renderer.h"
#include "data/shapes_scene.h"
#include "image/png_encoder.h"
#include "flag_values.h"
#include "measurement.h"

namespace {

using vdep::bench::Clock;
using vdep::bench::seconds_since;

std::string json_text(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c == '\n') quoted += "\\n";
    else quoted += c;
  }
  return quoted + "\"";
}

// `count` shapes scenes as images/N.png and a pretrain.json captioning them.
void write_shapes(const std::filesystem::path& folder, int count, int size) {
  std::filesystem::create_directories(folder / "images");
  std::ostringstream json;
  json << "[\n";
  for (int i = 0; i < count; ++i) {
    const vdep::ShapesScene scene = vdep::generate_scene(0, static_cast<std::uint64_t>(i), {size});
    const std::string image = "images/" + std::to_string(i) + ".png";
    vdep::write_png_rgb(folder / image, vdep::render_scene(scene));
    json << (i == 0 ? "" : ",\n") << "{\"id\": \"" << i << "\", \"image\": \"" << image
         << "\", \"conversations\": [{\"from\": \"human\", \"value\": "
         << json_text("<image>\nGive a brief description of the image.") << "}, {\"from\": \"gpt\", \"value\": "
         << json_text(vdep::caption(scene)) << "}]}";
  }
  json << "\n]\n";
  std::ofstream(folder / "pretrain.json") << json.str();
}

std::vector<std::size_t> numbers(const std::string& list) {
  std::vector<std::size_t> values;
  std::stringstream stream(list);
  std::string item;
  while (std::getline(stream, item, ',')) values.push_back(std::stoul(item));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path data;
  int images = 64;
  int size = 512;
  int crop = 336;
  std::size_t batch = 8;
  std::size_t steps = 8;
  int step_ms = 0;
  std::string workers_list = "0,1,2";
  std::size_t prefetch = 4;
  double data_ratio = 0.0;
  std::filesystem::path tokenizer_path = VDEP_SOURCE_DIR "/tests/fixtures/chat/llama_sp/tokenizer.model";
  vdep::bench::FlagValues flags;
  flags.text("--data", data)
      .number("--images", images)
      .number("--size", size)
      .number("--crop", crop)
      .number("--batch", batch)
      .number("--steps", steps)
      .number("--step-ms", step_ms)
      .text("--workers", workers_list)
      .number("--prefetch", prefetch)
      .number("--data-ratio", data_ratio)
      .text("--tokenizer", tokenizer_path);
  if (!flags.parse(argc, argv)) return 2;

  std::filesystem::path generated;
  if (data.empty()) {
    generated = std::filesystem::temp_directory_path() / ("vdep-data-loader-bench-" + std::to_string(::getpid()));
    const auto start = Clock::now();
    write_shapes(generated, images, size);
    std::printf("wrote %d shapes scenes of %dx%d to %s in %.1f s\n", images, size, size, generated.c_str(),
                seconds_since(start));
    data = generated;
  }
  const vdep::LlavaJsonDataset dataset("bench", vdep::LlavaAnnotations::open(data / "pretrain.json"), data);
  const auto tokenizer = vdep::load_tokenizer(tokenizer_path);
  const auto plain = vdep::ChatTemplate::create("plain");
  vdep::ImageProcessorConfig image_config;  // CLIP's mean and std, shortest edge then centre crop
  image_config.size = crop;
  image_config.crop_size = crop;
  std::printf("%s; crop %d, micro-batch %zu, %zu steps of %d ms, prefetch %zu, data_ratio %g, %u hardware threads\n",
              dataset.describe().c_str(), crop, batch, steps, step_ms, prefetch, data_ratio,
              std::thread::hardware_concurrency());
  std::printf("%-8s %10s %14s %14s %18s\n", "workers", "samples/s", "first wait ms", "mean wait ms", "mean wait ms (2+)");

  for (const std::size_t workers : numbers(workers_list)) {
    vdep::DataLoaderOptions options;
    options.micro_batch_size = batch;
    options.workers = workers;
    options.prefetch_batches = prefetch;
    options.data_ratio = data_ratio;
    vdep::DataLoader loader({&dataset}, *plain, *tokenizer, image_config, options);
    loader.start_epoch(0);
    std::size_t samples = 0;
    double first_wait = 0.0;
    const auto start = Clock::now();
    for (std::size_t step = 0; step < steps; ++step) {
      const std::optional<vdep::CollatedBatch> micro_batch = loader.next();
      if (!micro_batch) break;
      if (step == 0) first_wait = loader.last_wait_seconds();
      samples += micro_batch->size();
      std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
    }
    const double elapsed = seconds_since(start);
    const std::size_t calls = loader.next_calls();
    const double later = calls > 1 ? (loader.total_wait_seconds() - first_wait) / static_cast<double>(calls - 1) : 0.0;
    std::printf("%-8zu %10.1f %14.1f %14.1f %18.1f\n", workers, static_cast<double>(samples) / elapsed,
                first_wait * 1e3, loader.total_wait_seconds() * 1e3 / static_cast<double>(calls), later * 1e3);
    if (loader.report().skipped_total() > 0) std::printf("%s\n", loader.report().format().c_str());
  }
  if (!generated.empty()) std::filesystem::remove_all(generated);
  return 0;
}
