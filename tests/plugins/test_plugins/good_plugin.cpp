// A well-formed objective plugin with one parameter of every type: `test_scale` returns
// scale * sum(logits), or its negation when `negate` is set.
#include <ATen/ATen.h>

#include <vdep/objective.h>
#include <vdep/plugin.h>

namespace {

const vdep::ParamSpec kParams[] = {
    {"scale", vdep::ParamType::Float, "0.5", "Factor on the sum of the logits.", 0.0, 10.0, nullptr},
    {"repeats", vdep::ParamType::Int, "1", "How many times the sum is added.", 1.0, vdep::kUnbounded, nullptr},
    {"negate", vdep::ParamType::Bool, "false", "Return the negated value.", -vdep::kUnbounded, vdep::kUnbounded, nullptr},
    {"mode", vdep::ParamType::String, "sum", "Reduction.", -vdep::kUnbounded, vdep::kUnbounded, "sum|mean"},
    {"table", vdep::ParamType::Path, "", "An optional file.", -vdep::kUnbounded, vdep::kUnbounded, nullptr},
};

class ScaleObjective final : public vdep::Objective {
 public:
  ScaleObjective(double scale, std::int64_t repeats, bool negate, bool mean)
      : factor_(scale * static_cast<double>(repeats) * (negate ? -1.0 : 1.0)), mean_(mean) {}

  vdep::ObjectiveTerms compute(const vdep::ObjectiveBatch& batch) override {
    at::Tensor value = (mean_ ? batch.logits.mean() : batch.logits.sum()) * factor_;
    return {{{"scaled", value}}, value};
  }

 private:
  double factor_;
  bool mean_;
};

std::unique_ptr<vdep::Component> create(const vdep::Params& params) {
  return std::make_unique<ScaleObjective>(params.get_float("scale"), params.get_int("repeats"),
                                          params.get_bool("negate"), params.get_string("mode") == "mean");
}

}  // namespace

VDEP_PLUGIN(Objective, "test_scale", "0.1.0", "Test objective: scale * sum(logits)", kParams, create)
