// Autoregressive generation with an LLM plugin and its KV cache.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/export.h>
#include <vdep/llm.h>
#include <vdep/tokenizer.h>

namespace vdep {

struct GenerationOptions {
  std::int64_t max_new_tokens = 64;
  // 0 = greedy (argmax); otherwise logits are divided by it and sampled.
  double temperature = 0.0;
  // Nucleus sampling: keep the smallest set of tokens whose probability reaches top_p (1 = all).
  double top_p = 1.0;
  std::uint64_t seed = 0;  // of the sampler; the same seed gives the same text
  // Generation stops after any of these ids (empty: the model's EOS, if it has one).
  std::vector<std::int64_t> eos_token_ids;
  // Generation stops when the decoded new text contains one of these; the stop string and what
  // follows it are cut from the returned text. Needs a tokenizer.
  std::vector<std::string> stop_strings;
};

struct GenerationResult {
  std::vector<std::int64_t> token_ids;  // new tokens only, EOS included when it ended generation
  std::string text;                     // decoded new tokens (empty without a tokenizer)
  enum class StopReason { Eos, StopString, MaxNewTokens } stop_reason = StopReason::MaxNewTokens;
};

// Generates a continuation of one sequence. `prompt_embeds` is [1, length, hidden] (text
// embeddings, possibly with image embeddings spliced in); new tokens are embedded with
// llm.embed(). The prompt is processed in one forward, then one position per step from the cache.
VDEP_API GenerationResult generate(Llm& llm, const at::Tensor& prompt_embeds, const GenerationOptions& options,
                                   const Tokenizer* tokenizer = nullptr);

}  // namespace vdep
