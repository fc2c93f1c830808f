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

// generate() throws std::invalid_argument naming the option when one is out of its range.
struct GenerationOptions {
  // >= 0; 0 returns an empty result without running the model.
  std::int64_t max_new_tokens = 64;
  // 0 = greedy (argmax, the lowest id on ties); otherwise finite > 0: the logits, in float32, are
  // divided by it and the token is sampled from their softmax.
  double temperature = 0.0;
  // In (0, 1]. Nucleus sampling: keep the smallest set of most probable tokens whose probability
  // reaches top_p (1 = all). Ignored when greedy.
  double top_p = 1.0;
  // Of the sampler, a CPU generator whatever the model's device; the same seed gives the same text.
  std::uint64_t seed = 0;
  // Generation stops after any of these ids (empty: the model's EOS, if it has one).
  std::vector<std::int64_t> eos_token_ids;
  // Generation stops when the decoded new text contains one of these (non-empty); the earliest
  // stop string and what follows it are cut from the returned text. Needs a tokenizer.
  std::vector<std::string> stop_strings;
};

struct GenerationResult {
  // New tokens only: EOS included when it ended generation, and every token up to the one that
  // completed a stop string.
  std::vector<std::int64_t> token_ids;
  // The new tokens decoded with special tokens written out, less the EOS that ended generation
  // and from a stop string on; empty without a tokenizer.
  std::string text;
  enum class StopReason { Eos, StopString, MaxNewTokens } stop_reason = StopReason::MaxNewTokens;
};

// Generates a continuation of one sequence, without autograd. `prompt_embeds` is
// [1, length >= 1, llm.hidden_size()] on the model's device (text embeddings, possibly with image
// embeddings spliced in); new tokens are embedded with llm.embed(). The prompt is processed in one
// forward into a fresh KvCache, then one position per step from the cache; there is no forward
// after the last token. Stop strings are searched in the whole continuation, decoded again after
// every token. With a tokenizer, ids at or past its vocab_size() (an LLM's padding rows) are never
// chosen.
VDEP_API GenerationResult generate(Llm& llm, const at::Tensor& prompt_embeds, const GenerationOptions& options,
                                   const Tokenizer* tokenizer = nullptr);

}  // namespace vdep
