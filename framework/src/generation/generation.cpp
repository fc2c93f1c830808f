#include <vdep/generation.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <ATen/core/grad_mode.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones.h>
#include <c10/util/StringUtil.h>

#include "generation/token_sampling.h"

namespace vdep {
namespace {

void check_arguments(const Llm& llm, const at::Tensor& prompt_embeds, const GenerationOptions& options,
                     const Tokenizer* tokenizer) {
  if (options.max_new_tokens < 0) {
    throw std::invalid_argument("generate: max_new_tokens must be >= 0, got " +
                                std::to_string(options.max_new_tokens));
  }
  // Written so that NaN fails too.
  if (!(options.temperature >= 0.0 && std::isfinite(options.temperature))) {
    throw std::invalid_argument("generate: temperature must be a finite number >= 0 (0 = greedy), got " +
                                std::to_string(options.temperature));
  }
  if (!(options.top_p > 0.0 && options.top_p <= 1.0)) {
    throw std::invalid_argument("generate: top_p must lie in (0, 1], got " + std::to_string(options.top_p));
  }
  if (!options.stop_strings.empty() && tokenizer == nullptr) {
    throw std::invalid_argument("generate: stop_strings need a tokenizer to decode the new tokens");
  }
  if (std::any_of(options.stop_strings.begin(), options.stop_strings.end(),
                  [](const std::string& stop) { return stop.empty(); })) {
    throw std::invalid_argument("generate: stop_strings must not contain an empty string");
  }
  if (!prompt_embeds.defined() || prompt_embeds.dim() != 3 || prompt_embeds.size(0) != 1 ||
      prompt_embeds.size(1) == 0 || prompt_embeds.size(2) != llm.hidden_size()) {
    throw std::invalid_argument(
        "generate: prompt_embeds must be [1, length >= 1, " + std::to_string(llm.hidden_size()) + "], got " +
        (prompt_embeds.defined() ? c10::str(prompt_embeds.sizes()) : std::string("an undefined tensor")));
  }
}

std::vector<std::int64_t> eos_ids_of(const Llm& llm, const GenerationOptions& options) {
  if (!options.eos_token_ids.empty()) {
    return options.eos_token_ids;
  }
  std::int64_t model_eos = llm.special_tokens().eos;
  return model_eos >= 0 ? std::vector<std::int64_t>{model_eos} : std::vector<std::int64_t>{};
}

// Where the earliest of `stop_strings` begins in `text`, npos if none occurs.
std::size_t find_stop_string(const std::string& text, const std::vector<std::string>& stop_strings) {
  std::size_t earliest = std::string::npos;
  for (const std::string& stop : stop_strings) {
    earliest = std::min(earliest, text.find(stop));
  }
  return earliest;
}

}  // namespace

GenerationResult generate(Llm& llm, const at::Tensor& prompt_embeds, const GenerationOptions& options,
                          const Tokenizer* tokenizer) {
  check_arguments(llm, prompt_embeds, options, tokenizer);
  GenerationResult result;
  if (options.max_new_tokens == 0) {
    return result;
  }
  at::NoGradGuard no_grad;
  const std::vector<std::int64_t> eos_ids = eos_ids_of(llm, options);
  TokenSampler sampler(options.temperature, options.top_p, options.seed);
  const at::TensorOptions id_options = at::TensorOptions().dtype(at::kLong).device(prompt_embeds.device());

  KvCache cache;
  LlmForwardOptions forward_options;
  forward_options.cache = &cache;
  // The prompt goes without a mask (all real), which lets the LLM take its causal fast path.
  LlmInputs inputs;
  inputs.inputs_embeds = prompt_embeds;
  std::int64_t expected_cache_length = prompt_embeds.size(1);
  while (true) {
    LlmOutput output = llm.forward(inputs, forward_options);
    if (cache.length() != expected_cache_length) {
      throw std::logic_error("generate: the LLM left " + std::to_string(cache.length()) +
                             " positions in the KV cache after a forward, expected " +
                             std::to_string(expected_cache_length));
    }
    at::Tensor next_logits = output.logits.select(0, 0).select(0, -1);
    // Embedding rows past the tokenizer's vocabulary (phi-2 pads 50295 tokens to 51200) are no
    // token: never pick one, as it could not be decoded.
    if (tokenizer != nullptr && tokenizer->vocab_size() < next_logits.size(0)) {
      next_logits = next_logits.clone();
      next_logits.narrow(0, tokenizer->vocab_size(), next_logits.size(0) - tokenizer->vocab_size())
          .fill_(-std::numeric_limits<float>::infinity());
    }
    const std::int64_t id = sampler.next(next_logits);
    result.token_ids.push_back(id);

    if (std::find(eos_ids.begin(), eos_ids.end(), id) != eos_ids.end()) {
      result.stop_reason = GenerationResult::StopReason::Eos;
      break;
    }
    if (!options.stop_strings.empty()) {
      // The whole continuation is decoded again: a token can change how the ones before it decode
      // (a UTF-8 character split over byte-level tokens), and a stop string can span tokens.
      result.text = tokenizer->decode(result.token_ids);
      std::size_t stop_at = find_stop_string(result.text, options.stop_strings);
      if (stop_at != std::string::npos) {
        result.text.erase(stop_at);
        result.stop_reason = GenerationResult::StopReason::StopString;
        return result;
      }
    }
    if (static_cast<std::int64_t>(result.token_ids.size()) == options.max_new_tokens) {
      result.stop_reason = GenerationResult::StopReason::MaxNewTokens;
      break;
    }
    inputs.inputs_embeds = llm.embed(at::full({1, 1}, id, id_options));
    inputs.attention_mask = at::ones({1, cache.length() + 1}, id_options);
    ++expected_cache_length;
  }

  if (tokenizer != nullptr) {
    std::vector<std::int64_t> text_ids = result.token_ids;
    if (result.stop_reason == GenerationResult::StopReason::Eos) {
      text_ids.pop_back();
    }
    result.text = tokenizer->decode(text_ids);
  }
  return result;
}

}  // namespace vdep
