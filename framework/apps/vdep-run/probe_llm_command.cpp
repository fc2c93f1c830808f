// `vdep-run probe llm`: one prompt through an LLM plugin, its next-token distribution and a
// generated continuation, and on request the prompt pass's logits and every hidden state written
// out under HF's output names for comparison with transformers.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include <torch/torch.h>

#include <vdep/chat_template.h>
#include <vdep/generation.h>
#include <vdep/llm.h>
#include <vdep/safetensors.h>
#include <vdep/tokenizer.h>

#include "commands.h"
#include "plugins/plugin_registry.h"
#include "plugins/plugin_search_path.h"
#include "probe_params.h"
#include "usage_error.h"

namespace vdep {

namespace {

bool has_tokenizer_files(const std::filesystem::path& folder) {
  return std::filesystem::exists(folder / "tokenizer.model") || std::filesystem::exists(folder / "vocab.json");
}

// --tokenizer, else the weights folder when it holds tokenizer files (an HF download does).
std::unique_ptr<Tokenizer> probe_tokenizer(const CommandLine& line) {
  if (!line.tokenizer.empty()) {
    if (!std::filesystem::exists(line.tokenizer)) throw UsageError("tokenizer not found: " + line.tokenizer.string());
    return load_tokenizer(line.tokenizer);
  }
  if (!line.weights.empty() && has_tokenizer_files(line.weights)) return load_tokenizer(line.weights);
  return nullptr;
}

std::vector<std::int64_t> prompt_ids(const CommandLine& line, const Tokenizer* tokenizer, std::string& prompt) {
  if (!line.prompt_ids.empty()) return line.prompt_ids;
  if (!tokenizer) {
    throw UsageError("--prompt needs a tokenizer: --weights DIR holding tokenizer.model or vocab.json + merges.txt, "
                     "or --tokenizer PATH (or give --ids)");
  }
  prompt = line.chat_template.empty()
               ? line.prompt
               : ChatTemplate::create(line.chat_template)->render_generation_prompt({{"human", line.prompt}});
  return tokenizer->encode(prompt);
}

std::string spelled(const Tokenizer* tokenizer, std::int64_t id) {
  if (!tokenizer || id >= tokenizer->vocab_size()) return "";
  std::string piece = tokenizer->piece(id);
  std::string shown;
  for (const char c : piece) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
  return " '" + shown + "'";
}

}  // namespace

int run_probe_llm_command(const CommandLine& line) {
  PluginRegistry plugins;
  plugins.load_folders(folder_paths(plugin_search_path(line.plugin_paths, {})));
  auto llm = plugins.create_as<Llm>(PluginKind::Llm, line.plugin, probe_plugin_params(line, plugins, "llm", PluginKind::Llm));
  const std::unique_ptr<Tokenizer> tokenizer = probe_tokenizer(line);

  std::string prompt;
  const std::vector<std::int64_t> ids = prompt_ids(line, tokenizer.get(), prompt);
  if (ids.empty()) throw UsageError("the prompt has no tokens");
  for (const std::int64_t id : ids) {
    if (id < 0 || id >= llm->vocab_size()) {
      throw UsageError("token id " + std::to_string(id) + " is outside the model's vocabulary [0, " +
                       std::to_string(llm->vocab_size()) + ")");
    }
  }

  torch::NoGradGuard no_grad;
  const at::Tensor input_ids = torch::tensor(ids, torch::kLong).unsqueeze(0);
  const at::Tensor embeds = llm->embed(input_ids);
  LlmForwardOptions options;
  options.return_hidden_states = true;
  const auto start = std::chrono::steady_clock::now();
  const LlmOutput output = llm->forward({embeds, {}, {}}, options);
  const double prompt_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("llm %s: %ld layers, hidden %ld, vocabulary %ld\n", line.plugin.c_str(), llm->num_layers(),
              llm->hidden_size(), llm->vocab_size());
  if (!prompt.empty()) std::printf("prompt         \"%s\"\n", prompt.c_str());
  std::printf("input_ids      [1, %zu]:", ids.size());
  for (const std::int64_t id : ids) std::printf(" %ld", id);
  std::printf("\nprompt pass    %.3f s\n", prompt_seconds);

  const at::Tensor next = torch::softmax(output.logits[0][-1].to(torch::kFloat), -1);
  const auto [probabilities, candidates] = next.topk(std::min<std::int64_t>(5, next.size(0)));
  std::printf("next token     ");
  for (std::int64_t k = 0; k < candidates.size(0); ++k) {
    const std::int64_t id = candidates[k].item<std::int64_t>();
    std::printf("%s%ld%s %.4f", k ? ", " : "", id, spelled(tokenizer.get(), id).c_str(), probabilities[k].item<double>());
  }
  std::printf("\n");

  if (line.max_new_tokens > 0) {
    GenerationOptions generation;
    generation.max_new_tokens = line.max_new_tokens;
    generation.temperature = line.temperature;
    generation.top_p = line.top_p;
    generation.seed = line.seed;
    if (tokenizer && !line.chat_template.empty() && line.chat_template != "plain") {
      // The template's turn separator: a model that skips its EOS still stops at the next turn.
      generation.stop_strings = {"USER:"};
    }
    const auto generation_start = std::chrono::steady_clock::now();
    const GenerationResult result = generate(*llm, embeds, generation, tokenizer.get());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - generation_start).count();
    const char* reason = result.stop_reason == GenerationResult::StopReason::Eos          ? "eos"
                         : result.stop_reason == GenerationResult::StopReason::StopString ? "stop string"
                                                                                           : "max new tokens";
    std::printf("generated ids ");
    for (const std::int64_t id : result.token_ids) std::printf(" %ld", id);
    std::printf("\n");
    if (tokenizer) std::printf("generated      \"%s\"\n", result.text.c_str());
    std::printf("generation     %zu tokens in %.3f s (%.1f tokens/s), stopped by %s\n", result.token_ids.size(), seconds,
                seconds > 0 ? static_cast<double>(result.token_ids.size()) / seconds : 0.0, reason);
  }

  if (!line.dump.empty()) {
    std::vector<std::pair<std::string, at::Tensor>> tensors = {{"input_ids", input_ids}, {"logits", output.logits}};
    for (std::size_t i = 0; i < output.hidden_states.size(); ++i) {
      tensors.emplace_back("hidden_states." + std::to_string(i), output.hidden_states[i]);
    }
    write_safetensors(line.dump, tensors, {{"plugin", line.plugin}, {"prompt", prompt}});
    std::printf("wrote %zu tensors to %s\n", tensors.size(), line.dump.c_str());
  }
  return 0;
}

}  // namespace vdep
