// `z_loss`: PaLM's auxiliary loss on the log-partition function of the output softmax,
// weight * mean(logsumexp(logits)^2) over the positions that predict a supervised token. It keeps
// the logits from drifting to large magnitudes, which helps bf16 training stay stable.
#include <torch/torch.h>

#include <vdep/objective.h>
#include <vdep/plugin.h>

namespace {

const vdep::ParamSpec kParams[] = {
    {"weight", vdep::ParamType::Float, "1e-4", "Factor on mean(log(Z)^2); PaLM uses 1e-4.", 0.0,
     vdep::kUnbounded, nullptr},
};

class ZLoss final : public vdep::Objective {
 public:
  explicit ZLoss(double weight) : weight_(weight) {}

  vdep::ObjectiveTerms compute(const vdep::ObjectiveBatch& batch) override {
    const int64_t length = batch.logits.size(1);
    // Position t predicts label t + 1, as in the `lm` objective.
    auto log_z = torch::logsumexp(batch.logits.narrow(1, 0, length - 1).to(torch::kFloat), -1);
    auto supervised = batch.labels.narrow(1, 1, length - 1) != vdep::kIgnoreIndex;
    auto count = supervised.sum().clamp_min(1).to(torch::kFloat);
    auto z_loss = (log_z.pow(2) * supervised).sum() / count;
    return {{{"z_loss", z_loss.detach()}}, z_loss * weight_};
  }

 private:
  double weight_;
};

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  return std::make_unique<ZLoss>(params.get_float("weight"));
}

}  // namespace

VDEP_PLUGIN(Objective, "z_loss", "0.1.0",
            "PaLM's z-loss: weight * mean(logsumexp(logits)^2) over supervised positions", kParams, create)
