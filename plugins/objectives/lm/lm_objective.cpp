// `lm`: next-token cross-entropy over the supervised tokens, LLaVA's text loss.
//
// The loss is a sum over this micro-batch's supervised targets divided by the number of
// supervised targets in the whole global batch (when the trainer provides it), so gradient
// accumulation and data parallelism weigh every token equally instead of averaging per micro-batch
// means, which over-weights the tokens of short micro-batches.
#include <torch/torch.h>

#include <vdep/objective.h>
#include <vdep/plugin.h>

namespace {

const vdep::ParamSpec kParams[] = {
    {"weight", vdep::ParamType::Float, "1.0",
     "Factor on this loss in the total that is minimised (the text term of L = L_text + alpha * L_image).",
     0.0, vdep::kUnbounded, nullptr},
    {"label_smoothing", vdep::ParamType::Float, "0.0",
     "Share of each target's probability mass spread uniformly over the vocabulary (0 = plain cross-entropy).",
     0.0, 0.999, nullptr},
};

class LanguageModelingObjective final : public vdep::Objective {
 public:
  LanguageModelingObjective(double weight, double label_smoothing)
      : weight_(weight), label_smoothing_(label_smoothing) {}

  vdep::ObjectiveTerms compute(const vdep::ObjectiveBatch& batch) override {
    TORCH_CHECK(batch.logits.dim() == 3, "lm: logits must be [batch, seq, vocab], got ", batch.logits.sizes());
    TORCH_CHECK(batch.labels.dim() == 2 && batch.labels.size(0) == batch.logits.size(0) &&
                    batch.labels.size(1) == batch.logits.size(1),
                "lm: labels must be [batch, seq] matching the logits, got ", batch.labels.sizes());
    const int64_t vocab = batch.logits.size(2);
    // Position t predicts the token at t + 1. The loss is taken in fp32 whatever the logits' dtype.
    auto logits = batch.logits.narrow(1, 0, batch.logits.size(1) - 1).to(torch::kFloat).reshape({-1, vocab});
    auto targets = batch.labels.narrow(1, 1, batch.labels.size(1) - 1).reshape({-1});

    namespace F = torch::nn::functional;
    auto summed = F::cross_entropy(logits, targets,
                                   F::CrossEntropyFuncOptions()
                                       .ignore_index(vdep::kIgnoreIndex)
                                       .reduction(torch::kSum)
                                       .label_smoothing(label_smoothing_));
    const double local_count = (targets != vdep::kIgnoreIndex).sum().item<double>();
    const double normalizer = batch.supervised_tokens_in_global_batch > 0
                                  ? batch.supervised_tokens_in_global_batch
                                  : std::max(local_count, 1.0);
    auto loss = summed / normalizer;
    return {{{"text_loss", loss.detach()}}, loss * weight_};
  }

 private:
  double weight_;
  double label_smoothing_;
};

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  return std::make_unique<LanguageModelingObjective>(params.get_float("weight"),
                                                     params.get_float("label_smoothing"));
}

}  // namespace

VDEP_PLUGIN(Objective, "lm", "1.0.0",
            "Next-token cross-entropy over supervised tokens, normalised by the global batch's token count",
            kParams, create)
