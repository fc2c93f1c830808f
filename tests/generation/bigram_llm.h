// A bigram language model standing in for a real LLM plugin: embeddings are one-hot rows and the
// logits at a position are the table row of the token there, so that a test knows every next-token
// distribution in advance.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/one_hot.h>
#include <torch/nn/module.h>

#include <vdep/llm.h>

namespace vdep::test {

// How generate called BigramLlm::forward.
struct ForwardCall {
  std::int64_t new_length = 0;
  std::int64_t cached_length = 0;  // before the call
  bool had_cache = false;
  at::Tensor attention_mask;  // as given
  bool grad_enabled = false;
};

class BigramLlm : public Llm {
 public:
  // table[previous, next] = logit; -1 = no EOS.
  explicit BigramLlm(at::Tensor table, std::int64_t eos = -1) : table_(std::move(table)), eos_(eos) {}

  at::Tensor embed(const at::Tensor& ids) override { return at::one_hot(ids, vocab_size()).to(at::kFloat); }

  // Keeps the embeddings as the one layer's keys and values, as a real model keeps its projections.
  LlmOutput forward(const LlmInputs& inputs, const LlmForwardOptions& options) override {
    ForwardCall call;
    call.new_length = inputs.inputs_embeds.size(1);
    call.had_cache = options.cache != nullptr;
    call.cached_length = call.had_cache ? options.cache->length() : 0;
    call.attention_mask = inputs.attention_mask;
    call.grad_enabled = at::GradMode::is_enabled();
    calls.push_back(call);

    if (options.cache != nullptr && fills_cache) {
      at::Tensor positions = inputs.inputs_embeds.unsqueeze(1);  // [batch, kv_heads 1, new, head_dim]
      KvCache& cache = *options.cache;
      if (cache.keys.empty()) {
        cache.keys = {positions};
        cache.values = {positions};
      } else {
        cache.keys[0] = at::cat({cache.keys[0], positions}, 2);
        cache.values[0] = at::cat({cache.values[0], positions}, 2);
      }
    }
    LlmOutput output;
    output.logits = inputs.inputs_embeds.matmul(table_);
    return output;
  }

  std::int64_t hidden_size() const override { return vocab_size(); }
  std::int64_t num_layers() const override { return 1; }
  std::int64_t vocab_size() const override { return table_.size(0); }
  LlmSpecialTokens special_tokens() const override { return {/*bos=*/-1, /*eos=*/eos_, /*pad=*/-1}; }
  torch::nn::Module& module() override { return module_; }

  std::vector<ForwardCall> calls;
  // false: a broken plugin that ignores the cache it is given.
  bool fills_cache = true;

 private:
  at::Tensor table_;
  std::int64_t eos_;
  torch::nn::Module module_;
};

}  // namespace vdep::test
