#include <vdep/nn/activation_checkpoint.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <ATen/core/grad_mode.h>
#include <ATen/core/ivalue.h>
#include <torch/autograd.h>

#include <vdep/autocast.h>

namespace vdep::nn {

namespace {

at::Tensor generator_state(at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(at::Generator generator, const at::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

// The random generators a block on `device` draws from: the CPU's always (a CUDA block may still
// draw on the host), and the device's own.
std::vector<at::Generator> generators_of(const c10::Device& device) {
  std::vector<at::Generator> generators{at::globalContext().defaultGenerator(c10::DeviceType::CPU)};
  if (device.is_cuda()) generators.push_back(at::globalContext().defaultGenerator(device));
  return generators;
}

// Sets the generators to the states the forward began with, and back to their current states
// afterwards, so that the recomputation leaves the random stream where the backward found it.
class GeneratorReplay {
 public:
  GeneratorReplay(std::vector<at::Generator> generators, const std::vector<at::Tensor>& states)
      : generators_(std::move(generators)) {
    for (std::size_t i = 0; i < generators_.size(); ++i) {
      current_.push_back(generator_state(generators_[i]));
      set_generator_state(generators_[i], states[i]);
    }
  }
  ~GeneratorReplay() {
    for (std::size_t i = 0; i < generators_.size(); ++i) set_generator_state(generators_[i], current_[i]);
  }
  GeneratorReplay(const GeneratorReplay&) = delete;
  GeneratorReplay& operator=(const GeneratorReplay&) = delete;

 private:
  std::vector<at::Generator> generators_;
  std::vector<at::Tensor> current_;
};

// What the backward needs besides the saved tensors: autograd's context stores it as a capsule.
struct Recomputation : torch::CustomClassHolder {
  std::function<at::Tensor(const at::Tensor&)> block;
  std::vector<at::Generator> generators;
  std::vector<at::Tensor> generator_states;
  AutocastState autocast;
};

class CheckpointedBlock : public torch::autograd::Function<CheckpointedBlock> {
 public:
  // Runs without grad mode (Function::apply turns it off); saves only the input and the parameters.
  static at::Tensor forward(torch::autograd::AutogradContext* context,
                            const std::function<at::Tensor(const at::Tensor&)>& block, const at::Tensor& input,
                            at::TensorList parameters) {
    auto recomputation = c10::make_intrusive<Recomputation>();
    recomputation->block = block;
    recomputation->generators = generators_of(input.device());
    for (const at::Generator& generator : recomputation->generators) {
      recomputation->generator_states.push_back(generator_state(generator));
    }
    recomputation->autocast = AutocastState::current();
    context->saved_data["recomputation"] = c10::IValue::make_capsule(recomputation);
    std::vector<at::Tensor> saved{input};
    saved.insert(saved.end(), parameters.begin(), parameters.end());
    context->save_for_backward(saved);
    return block(input);
  }

  // One gradient per forward argument: none for the block, then the input's, then each parameter's.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto recomputation =
        c10::static_intrusive_pointer_cast<Recomputation>(context->saved_data["recomputation"].toCapsule());
    const torch::autograd::variable_list saved = context->get_saved_variables();
    const at::Tensor input = saved.front().detach().requires_grad_(saved.front().requires_grad());

    // Gradients only for what asks for them: a frozen LLM's layers pass theirs on to the input alone.
    std::vector<std::size_t> wanted;
    torch::autograd::variable_list differentiated;
    for (std::size_t i = 0; i < saved.size(); ++i) {
      const at::Tensor& tensor = i == 0 ? input : saved[i];
      if (tensor.requires_grad()) {
        wanted.push_back(i);
        differentiated.push_back(tensor);
      }
    }

    at::Tensor output;
    {
      const GeneratorReplay replay(recomputation->generators, recomputation->generator_states);
      const AutocastGuard autocast(recomputation->autocast);
      const at::AutoGradMode grad_mode(true);
      output = recomputation->block(input);
    }
    torch::autograd::variable_list gradients(saved.size() + 1);
    if (differentiated.empty() || !output.requires_grad()) return gradients;
    const torch::autograd::variable_list computed =
        torch::autograd::grad({output}, differentiated, {output_gradients.front()}, /*retain_graph=*/false,
                              /*create_graph=*/false, /*allow_unused=*/true);
    for (std::size_t k = 0; k < wanted.size(); ++k) gradients[wanted[k] + 1] = computed[k];
    return gradients;
  }
};

}  // namespace

at::Tensor checkpointed(const std::function<at::Tensor(const at::Tensor&)>& block, const at::Tensor& input,
                        const std::vector<at::Tensor>& parameters) {
  const bool needs_graph =
      input.requires_grad() ||
      std::any_of(parameters.begin(), parameters.end(), [](const at::Tensor& p) { return p.requires_grad(); });
  if (!at::GradMode::is_enabled() || !needs_graph) return block(input);
  return CheckpointedBlock::apply(block, input, at::TensorList(parameters));
}

}  // namespace vdep::nn
