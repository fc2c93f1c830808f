// `vdep`: VDEP's image reconstruction term (DESIGN.md, "What the method is"). For every image
// placed in VDEP mode ("<auto_image>"), the LLM's hidden states at the image's positions are
// pulled towards the image embeddings X_I the projector put there:
//
//   L = L_text + alpha * L_image
//
// This plugin computes alpha * L_image; the `lm` objective computes L_text and, by default, never
// sees a VDEP-mode sample's text (requirements() leaves their labels out).
//
// Across micro-batches and ranks the term is weighted by each micro-batch's share of the global
// batch's VDEP image positions, so that the weights of one optimizer step add up to 1 whatever
// the split: for `l2` with `reduction = "mean"` and `shift = 0` this is exactly the mean over the
// global batch; for the bounded variants, which are not sums over positions, it is the
// position-weighted mean of each micro-batch's value.
#include <torch/torch.h>

#include <vdep/image_reconstruction_loss.h>
#include <vdep/objective.h>
#include <vdep/plugin.h>

namespace {

const vdep::ParamSpec kParams[] = {
    {"alpha", vdep::ParamType::Float, "1e-3",
     "Weight of the image term in L = L_text + alpha * L_image (the paper's best for 7B: 1e-3; ablated 0.1, 0.01, "
     "0.001). 0 turns VDEP off and leaves LLaVA's loss.",
     0.0, vdep::kUnbounded, nullptr},
    {"variant", vdep::ParamType::String, "l2",
     "L_image as a function of the reduced squared error l2: l2 = l2; sigmoid_l2 = sigmoid(l2); inv_l2 (the "
     "paper's 1/L2) = 1 - 1/(1 + l2). All increase with l2.",
     0.0, 0.0, "l2|sigmoid_l2|inv_l2"},
    {"shift", vdep::ParamType::Int, "1",
     "1: the hidden state at position p is compared with the image embedding at p + 1 (autoregressive, the first "
     "embedding predicted by the position before the image); 0: with the embedding at p.",
     0.0, 1.0, nullptr},
    {"detach_target", vdep::ParamType::Bool, "false",
     "true: no gradient into the target X_I, so only the LLM side moves; false (the paper's dynamic embeddings): the "
     "projector receives gradient through the target as well as through the LLM's input.",
     0.0, 0.0, nullptr},
    {"hidden_layer", vdep::ParamType::Int, "-1",
     "Which LLM hidden state is compared, indexed as HF's hidden_states: 0 = the input embeddings, i = the output "
     "of layer i; negative counts from the end, -1 = the final hidden state after the final norm.",
     -vdep::kUnbounded, vdep::kUnbounded, nullptr},
    {"reduction", vdep::ParamType::String, "mean",
     "How l2 is reduced: mean = over positions and dimensions (mean squared error); sum_dims = squared distance "
     "summed over the dimensions, then averaged over positions.",
     0.0, 0.0, "mean|sum_dims"},
    {"text_loss_in_vdep_mode", vdep::ParamType::Bool, "false",
     "true: VDEP-mode samples keep their caption labels, so the text objectives train on them too; false: a "
     "VDEP-mode sample contributes only the image term.",
     0.0, 0.0, nullptr},
};

class VdepObjective final : public vdep::Objective {
 public:
  VdepObjective(double alpha, vdep::ImageLossOptions options, std::int64_t hidden_layer, bool text_loss_in_vdep_mode)
      : alpha_(alpha), options_(options), hidden_layer_(hidden_layer), text_loss_in_vdep_mode_(text_loss_in_vdep_mode) {}

  vdep::ObjectiveRequirements requirements() const override {
    vdep::ObjectiveRequirements needs;
    needs.logits = false;
    needs.hidden_states = true;
    needs.text_labels_in_vdep_mode = text_loss_in_vdep_mode_;
    return needs;
  }

  vdep::ObjectiveTerms compute(const vdep::ObjectiveBatch& batch) override {
    const auto layers = static_cast<std::int64_t>(batch.hidden_states.size());
    TORCH_CHECK(layers > 0, "vdep: the batch carries no hidden states (the model was not asked for them)");
    const std::int64_t layer = hidden_layer_ < 0 ? layers + hidden_layer_ : hidden_layer_;
    TORCH_CHECK(layer >= 0 && layer < layers, "vdep: hidden_layer ", hidden_layer_, " is outside the ", layers,
                " hidden states of this LLM (0 .. ", layers - 1, ", or -1 .. -", layers, ")");
    TORCH_CHECK(batch.inputs_embeds.defined(), "vdep: the batch carries no input embeddings");

    std::vector<vdep::ImagePlacement> vdep_images;
    double local_tokens = 0;
    for (const vdep::ImagePlacement& image : batch.images) {
      if (image.mode != vdep::SampleMode::Vdep) continue;
      vdep_images.push_back(image);
      local_tokens += static_cast<double>(image.length);
    }
    const vdep::ImageLoss image_loss = vdep::image_reconstruction_loss(
        batch.hidden_states[static_cast<std::size_t>(layer)], batch.inputs_embeds, vdep_images, options_);
    const double global_tokens =
        batch.vdep_image_tokens_in_global_batch > 0 ? batch.vdep_image_tokens_in_global_batch : local_tokens;
    const double share = global_tokens > 0 ? local_tokens / global_tokens : 0.0;
    const at::Tensor weighted = image_loss.value * share;
    return {{{"image_loss", weighted.detach()}, {"image_l2", image_loss.l2 * share}}, weighted * alpha_};
  }

 private:
  double alpha_;
  vdep::ImageLossOptions options_;
  std::int64_t hidden_layer_;
  bool text_loss_in_vdep_mode_;
};

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  vdep::ImageLossOptions options;
  options.variant = vdep::image_loss_variant(params.get_string("variant"));
  options.reduction = vdep::image_loss_reduction(params.get_string("reduction"));
  options.shift = params.get_int("shift");
  options.detach_target = params.get_bool("detach_target");
  return std::make_unique<VdepObjective>(params.get_float("alpha"), options, params.get_int("hidden_layer"),
                                         params.get_bool("text_loss_in_vdep_mode"));
}

}  // namespace

VDEP_PLUGIN(Objective, "vdep", "1.0.0",
            "VDEP's image reconstruction term: LLM hidden states at VDEP-mode image positions pulled towards the "
            "projector's image embeddings",
            kParams, create)
