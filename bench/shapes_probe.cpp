// shapes_probe: how much of a shapes scene each layer of a vision encoder keeps in its image tokens.
//
//   build/bin/shapes_probe [--checkpoint runs/toy_shapes/checkpoints/encoder-step-256]
//                          [--plugin clip_vit] [--preset toy] [--scenes 2000] [--max-shapes 4]
//
// Renders generated shapes scenes at the encoder's resolution and labels each patch token with the
// kind (circle, square, triangle) and the colour of the shape covering the patch's centre. For every
// hidden state (0 = embeddings, i = layer i) it fits a small MLP probe per label on the tokens that a
// shape covers in 80% of the scenes and prints its accuracy on the other 20%, for the encoder with
// random weights and, given a checkpoint of a run (encoder weights under LLaVA's names), trained.
// A projector reads what a probe can read; a label the probe cannot read from the layer the
// experiment feeds the projector (select_layer) is one the LLM cannot answer questions about.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <vdep/encoder.h>
#include <vdep/safetensors.h>

#include "bundled_plugin.h"
#include "data/shapes_renderer.h"
#include "data/shapes_scene.h"
#include "flag_values.h"
#include "image/image_preprocessor.h"
#include "train/trainable_parameters.h"

namespace {

constexpr int kProbeSteps = 600;

bool covers(const vdep::Shape& shape, int x, int y) {
  if (x < shape.left() || x > shape.right() || y < shape.top() || y > shape.bottom()) return false;
  const double half = shape.size / 2.0;
  const double dx = x - shape.centre_x;
  const double dy = y - shape.centre_y;
  switch (shape.kind) {
    case vdep::ShapeKind::Circle: return dx * dx + dy * dy <= half * half;
    case vdep::ShapeKind::Square: return true;
    case vdep::ShapeKind::Triangle: return std::abs(dx) <= (y - shape.top()) / 2.0;  // apex at the top
  }
  return false;
}

struct Probed {
  double accuracy = 0;
  double majority = 0;  // the share of the most frequent label among the test tokens
};

// Fits on the standardised training tokens, full batch, and scores the test tokens.
Probed probe_accuracy(const at::Tensor& train_x, const at::Tensor& train_y, const at::Tensor& test_x,
                      const at::Tensor& test_y, std::int64_t classes) {
  const torch::AutoGradMode enable_grad(true);
  torch::manual_seed(0);
  torch::nn::Sequential probe(torch::nn::Linear(train_x.size(1), 128), torch::nn::GELU(),
                              torch::nn::Linear(128, classes));
  torch::optim::Adam optimizer(probe->parameters(), torch::optim::AdamOptions(1e-2));
  const auto mean = train_x.mean(0, true);
  const auto std = train_x.std(0, true, true) + 1e-5;
  const auto x = (train_x - mean) / std;
  for (int step = 0; step < kProbeSteps; ++step) {
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(probe->forward<at::Tensor>(x), train_y).backward();
    optimizer.step();
  }
  const torch::NoGradGuard no_grad;
  Probed result;
  result.accuracy =
      probe->forward<at::Tensor>((test_x - mean) / std).argmax(1).eq(test_y).to(torch::kFloat).mean().item<double>();
  result.majority = test_y.eq(std::get<0>(at::mode(test_y))).to(torch::kFloat).mean().item<double>();
  return result;
}

// The patch tokens of every hidden state: [layers + 1] x [scenes, tokens, width].
std::vector<at::Tensor> token_states(vdep::Encoder& encoder, const at::Tensor& images, std::int64_t tokens) {
  torch::NoGradGuard no_grad;
  vdep::EncodeOptions options;
  options.return_hidden_states = true;
  std::vector<std::vector<at::Tensor>> chunks;
  constexpr std::int64_t kChunk = 250;
  for (std::int64_t begin = 0; begin < images.size(0); begin += kChunk) {
    const auto out = encoder.encode(images.narrow(0, begin, std::min(kChunk, images.size(0) - begin)), options);
    chunks.resize(out.hidden_states.size());
    // The patch tokens are the last ones, after a CLS token where the encoder has one.
    for (std::size_t l = 0; l < out.hidden_states.size(); ++l) {
      const auto& hidden = out.hidden_states[l];
      chunks[l].push_back(hidden.narrow(1, hidden.size(1) - tokens, tokens));
    }
  }
  std::vector<at::Tensor> states;
  for (const auto& chunk : chunks) states.push_back(torch::cat(chunk));
  return states;
}

}  // namespace

int main(int argc, char** argv) {
  std::string checkpoint;
  std::string plugin = "clip_vit";
  std::string preset = "toy";
  int scenes = 2000;
  int max_shapes = vdep::kMaxShapesPerScene;
  vdep::bench::FlagValues flags;
  flags.text("--checkpoint", checkpoint)
      .text("--plugin", plugin)
      .text("--preset", preset)
      .number("--scenes", scenes)
      .number("--max-shapes", max_shapes);
  if (!flags.parse(argc, argv)) return 2;
  if (scenes < 10) {
    std::fprintf(stderr, "shapes_probe: --scenes must be at least 10\n");
    return 2;
  }

  auto encoder = vdep::bench::create_bundled<vdep::Encoder>(vdep::PluginKind::Encoder, "encoder", plugin, preset);
  const auto processor = encoder->image_processor();
  const int side = processor.do_center_crop ? processor.crop_size : processor.size;
  const auto grid = static_cast<int>(std::lround(std::sqrt(static_cast<double>(encoder->num_tokens()))));
  if (grid * grid != encoder->num_tokens() || side % grid != 0) {
    std::fprintf(stderr, "shapes_probe: %d tokens do not tile a %d-pixel image (keep select_feature = patch)\n",
                 static_cast<int>(encoder->num_tokens()), side);
    return 2;
  }
  const int patch = side / grid;
  const int tokens = grid * grid;

  vdep::ShapesOptions options;
  options.image_size = side;
  options.max_shapes = max_shapes;
  std::vector<at::Tensor> pixels;
  auto kinds = torch::empty({scenes, tokens}, torch::kLong).fill_(-1);  // -1: background
  auto colours = torch::empty({scenes, tokens}, torch::kLong).fill_(-1);
  for (int i = 0; i < scenes; ++i) {
    const auto scene = vdep::generate_scene(0, static_cast<std::uint64_t>(i), options, vdep::ShapesSplit::Eval);
    pixels.push_back(vdep::preprocess_image(vdep::render_scene(scene), processor, false));
    for (int t = 0; t < tokens; ++t) {
      const int x = (t % grid) * patch + patch / 2;
      const int y = (t / grid) * patch + patch / 2;
      for (const auto& shape : scene.shapes) {
        if (!covers(shape, x, y)) continue;
        kinds[i][t] = static_cast<int>(shape.kind);
        colours[i][t] = static_cast<int>(shape.colour);
      }
    }
  }
  const auto images = torch::stack(pixels);
  const auto in_training = torch::arange(scenes).lt(scenes * 4 / 5).unsqueeze(1).expand({scenes, tokens}).reshape({-1});
  const auto covered = kinds.reshape({-1}).ge(0);
  const auto train_rows = covered & in_training;
  const auto test_rows = covered & ~in_training;

  // [hidden state][label] accuracies of one encoder.
  auto probe_all = [&](vdep::Encoder& probed) {
    std::vector<std::vector<Probed>> table;
    for (const auto& state : token_states(probed, images, tokens)) {
      const auto x = state.reshape({-1, state.size(2)});
      std::vector<Probed> row;
      for (const auto* labels : {&kinds, &colours}) {
        const auto y = labels->reshape({-1});
        const std::int64_t classes = labels == &kinds ? static_cast<std::int64_t>(vdep::kShapeKinds.size())
                                                      : static_cast<std::int64_t>(vdep::kShapeColours.size());
        row.push_back(probe_accuracy(x.index({train_rows}), y.index({train_rows}), x.index({test_rows}),
                                     y.index({test_rows}), classes));
      }
      table.push_back(row);
    }
    return table;
  };

  const auto random_table = probe_all(*encoder);
  std::vector<std::vector<Probed>> trained_table;
  if (!checkpoint.empty()) {
    // A checkpoint folder opens as its model.safetensors.
    const auto reader = vdep::SafetensorsReader::open(checkpoint);
    for (auto& item : encoder->module().named_parameters()) {
      const std::string name = vdep::kEncoderPrefix + item.key();
      if (!reader.contains(name)) {
        std::fprintf(stderr, "shapes_probe: %s holds no %s\n", checkpoint.c_str(), name.c_str());
        return 1;
      }
      const torch::NoGradGuard no_grad;
      item.value().copy_(reader.get(name));
    }
    trained_table = probe_all(*encoder);
  }

  std::printf("%d scenes of 1 to %d shapes at %d px, %d x %d tokens; %lld shape-covered test tokens\n", scenes,
              max_shapes, side, grid, grid, static_cast<long long>(test_rows.sum().item<std::int64_t>()));
  std::printf("majority class: kind %.3f, colour %.3f\n", random_table[0][0].majority, random_table[0][1].majority);
  std::printf("%-6s %13s %13s %15s %15s\n", "state", "kind random", "kind trained", "colour random", "colour trained");
  for (std::size_t l = 0; l < random_table.size(); ++l) {
    // Without a checkpoint there is nothing trained to probe: those columns print "nan".
    const double kind = trained_table.empty() ? std::nan("") : trained_table[l][0].accuracy;
    const double colour = trained_table.empty() ? std::nan("") : trained_table[l][1].accuracy;
    std::printf("%-6zu %13.3f %13.3f %15.3f %15.3f\n", l, random_table[l][0].accuracy, kind,
                random_table[l][1].accuracy, colour);
  }
  return 0;
}
