// `contrastive`: CLIP's image-text objective (InfoNCE in both directions, learnable temperature),
// for pre-training a vision encoder from scratch on captioned images before the LLaVA stages.
//
// Each image's pair is the supervised text of its sample (with the `plain` template: the caption),
// encoded by a CLIP text tower the objective holds itself; the image side is the encoder's pooled
// output through a linear projection. The negatives are the other pairs of the micro-batch, as in
// CLIP, so the micro-batch size is the number of negatives + 1. The loss is weighted by the
// micro-batch's share of the global batch's samples.
#include <cmath>
#include <optional>

#include <torch/torch.h>

#include <vdep/objective.h>
#include <vdep/plugin.h>

#include "clip_text_tower.h"

namespace {

const vdep::ParamSpec kParams[] = {
    {"weight", vdep::ParamType::Float, "1.0", "Factor on this loss in the total that is minimised.", 0.0,
     vdep::kUnbounded, nullptr},
    {"width", vdep::ParamType::Int, "64", "Hidden size of the text tower.", 8, vdep::kUnbounded, nullptr},
    {"layers", vdep::ParamType::Int, "2", "Transformer layers of the text tower.", 1, vdep::kUnbounded, nullptr},
    {"heads", vdep::ParamType::Int, "4", "Attention heads of the text tower (must divide width).", 1,
     vdep::kUnbounded, nullptr},
    {"max_text_length", vdep::ParamType::Int, "64",
     "Position embeddings of the text tower: longer texts are cut to their first tokens.", 2, vdep::kUnbounded,
     nullptr},
    {"projection_dim", vdep::ParamType::Int, "64", "Size of the shared image-text embedding space.", 1,
     vdep::kUnbounded, nullptr},
    {"temperature", vdep::ParamType::Float, "0.07",
     "Initial softmax temperature (CLIP's 0.07, logit_scale = ln(1/0.07)); learnt unless fixed.", 1e-3, 10.0,
     nullptr},
    {"learn_temperature", vdep::ParamType::Bool, "true", "Train the temperature with the rest.", -vdep::kUnbounded,
     vdep::kUnbounded, nullptr},
    {"seed", vdep::ParamType::Int, "0", "Seed of the text tower's and the projections' random initial weights.", 0,
     vdep::kUnbounded, nullptr},
};

// CLIP clamps the learnt logit scale at 100 so that the temperature cannot collapse.
constexpr double kMaxLogitScale = 100.0;

struct ContrastiveHeadsImpl : torch::nn::Module {
  ContrastiveHeadsImpl(const vdep::contrastive::ClipTextTowerOptions& text, std::int64_t image_width,
                       double temperature, bool learn_temperature, std::uint64_t seed) {
    text_model = register_module("text_model", vdep::contrastive::ClipTextTower(text, seed));
    visual_projection = register_module(
        "visual_projection", torch::nn::Linear(torch::nn::LinearOptions(image_width, text.projection_dim).bias(false)));
    at::Generator generator = at::detail::createCPUGenerator(seed + 1);
    {
      torch::NoGradGuard no_grad;
      visual_projection->weight.normal_(0.0, 0.02, generator);
    }
    const at::Tensor scale = torch::full({}, std::log(1.0 / temperature));
    logit_scale = learn_temperature ? register_parameter("logit_scale", scale) : register_buffer("logit_scale", scale);
  }

  vdep::contrastive::ClipTextTower text_model{nullptr};
  torch::nn::Linear visual_projection{nullptr};
  at::Tensor logit_scale;
};
TORCH_MODULE(ContrastiveHeads);

class ContrastiveObjective final : public vdep::Objective {
 public:
  explicit ContrastiveObjective(const vdep::Params& params)
      : weight_(params.get_float("weight")),
        temperature_(params.get_float("temperature")),
        learn_temperature_(params.get_bool("learn_temperature")),
        seed_(static_cast<std::uint64_t>(params.get_int("seed"))) {
    text_.max_positions = params.get_int("max_text_length");
    text_.projection_dim = params.get_int("projection_dim");
    text_.transformer.hidden_size = params.get_int("width");
    text_.transformer.intermediate_size = 4 * text_.transformer.hidden_size;
    text_.transformer.num_heads = params.get_int("heads");
    text_.transformer.num_layers = params.get_int("layers");
    text_.transformer.activation = vdep::nn::Activation::QuickGelu;
    if (text_.transformer.hidden_size % text_.transformer.num_heads != 0) {
      throw std::invalid_argument("contrastive: heads (" + std::to_string(text_.transformer.num_heads) +
                                  ") must divide width (" + std::to_string(text_.transformer.hidden_size) + ")");
    }
  }

  vdep::ObjectiveRequirements requirements() const override {
    vdep::ObjectiveRequirements needs;
    needs.logits = false;
    needs.image_pooled = true;
    needs.text_labels_in_vdep_mode = true;
    return needs;
  }

  void bind(const vdep::ModelDimensions& dimensions) override {
    text_.vocab_size = dimensions.vocab_size;
    heads_ = ContrastiveHeads(text_, dimensions.encoder_hidden_size, temperature_, learn_temperature_, seed_);
  }

  torch::nn::Module* module() override { return heads_.is_empty() ? nullptr : heads_.get(); }

  vdep::ObjectiveTerms compute(const vdep::ObjectiveBatch& batch) override {
    TORCH_CHECK(!heads_.is_empty(), "contrastive: bind() was not called before compute()");
    TORCH_CHECK(batch.image_pooled.defined() && batch.image_rows.size() == static_cast<std::size_t>(batch.image_pooled.size(0)),
                "contrastive: the batch carries no pooled image features");
    // One pair per sample: its first image and its supervised text.
    std::vector<std::int64_t> images;
    std::vector<std::vector<std::int64_t>> texts;
    const at::Tensor labels = batch.labels.to(torch::kCPU);
    const auto label = labels.accessor<std::int64_t, 2>();
    std::int64_t previous_row = -1;
    for (std::size_t image = 0; image < batch.image_rows.size(); ++image) {
      const std::int64_t row = batch.image_rows[image];
      if (row == previous_row) continue;
      previous_row = row;
      std::vector<std::int64_t> text;
      for (std::int64_t t = 0; t < labels.size(1) && static_cast<std::int64_t>(text.size()) < heads_->text_model->max_positions(); ++t) {
        if (label[row][t] != vdep::kIgnoreIndex) text.push_back(label[row][t]);
      }
      if (text.empty()) continue;
      images.push_back(static_cast<std::int64_t>(image));
      texts.push_back(std::move(text));
    }
    const auto pairs = static_cast<std::int64_t>(texts.size());
    const auto device = batch.image_pooled.device();
    if (pairs < 2) {
      // Nothing to contrast with: no loss, and no gradient either.
      const at::Tensor zero = torch::zeros({}, torch::TensorOptions().device(device));
      return {{{"contrastive_loss", zero}}, zero};
    }

    std::int64_t longest = 0;
    for (const auto& text : texts) longest = std::max<std::int64_t>(longest, static_cast<std::int64_t>(text.size()));
    at::Tensor ids = torch::zeros({pairs, longest}, torch::kLong);
    at::Tensor lengths = torch::empty({pairs}, torch::kLong);
    for (std::int64_t i = 0; i < pairs; ++i) {
      const auto& text = texts[static_cast<std::size_t>(i)];
      ids[i].narrow(0, 0, static_cast<std::int64_t>(text.size())).copy_(torch::tensor(text, torch::kLong));
      lengths[i] = static_cast<std::int64_t>(text.size());
    }

    namespace F = torch::nn::functional;
    const at::Tensor text_embeds = F::normalize(heads_->text_model(ids.to(device), lengths.to(device)).to(torch::kFloat),
                                                F::NormalizeFuncOptions().dim(-1));
    const at::Tensor pooled = batch.image_pooled.index_select(0, torch::tensor(images, torch::kLong).to(device));
    const at::Tensor image_embeds =
        F::normalize(heads_->visual_projection(pooled.to(heads_->visual_projection->weight.dtype())).to(torch::kFloat),
                     F::NormalizeFuncOptions().dim(-1));
    const at::Tensor scale = heads_->logit_scale.clamp_max(std::log(kMaxLogitScale)).exp();
    const at::Tensor logits_per_image = scale * torch::matmul(image_embeds, text_embeds.t());
    const at::Tensor targets = torch::arange(pairs, torch::TensorOptions().dtype(torch::kLong).device(device));
    const at::Tensor loss =
        0.5 * (F::cross_entropy(logits_per_image, targets) + F::cross_entropy(logits_per_image.t(), targets));
    const double share = batch.samples_in_global_batch > 0
                             ? static_cast<double>(batch.sample_modes.size()) / batch.samples_in_global_batch
                             : 1.0;
    const at::Tensor accuracy =
        (logits_per_image.argmax(1) == targets).to(torch::kFloat).mean() * share;
    return {{{"contrastive_loss", (loss * share).detach()}, {"contrastive_accuracy", accuracy.detach()}},
            loss * (share * weight_)};
  }

 private:
  double weight_;
  double temperature_;
  bool learn_temperature_;
  std::uint64_t seed_;
  vdep::contrastive::ClipTextTowerOptions text_;
  ContrastiveHeads heads_{nullptr};
};

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  return std::make_unique<ContrastiveObjective>(params);
}

}  // namespace

VDEP_PLUGIN(Objective, "contrastive", "1.0.0",
            "CLIP's image-text InfoNCE loss with a learnable temperature, for pre-training an encoder on captions",
            kParams, create)
