// llama and phi as a user gets them: through their plugins, from checkpoints written in HF's layout,
// checked against a forward pass written out here position by position and head by head, and
// against themselves under caching, padding and head grouping, which must not change the result.
#include <gtest/gtest.h>

#include <cmath>
#include <unistd.h>

#include "llm_test_support.h"
#include "support/text_file.h"

namespace vdep {
namespace {

namespace fs = std::filesystem;
using test::TinyDecoder;
using test::Weights;
using torch::indexing::Slice;

// ---- The reference: HF's LlamaForCausalLM / PhiForCausalLM in double precision, one sequence at a
// time, one head at a time, rotary angles from the closed form.

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  return x / torch::sqrt(x.pow(2).mean(-1, true) + eps) * weight;
}

torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
  const auto centred = x - x.mean(-1, true);
  return centred / torch::sqrt(centred.pow(2).mean(-1, true) + eps) * weight + bias;
}

// Each row p of x [length, head_dim] turned by position p: pair (i, i + rotary_dim / 2) rotates by
// p * theta^(-2i / rotary_dim); the dims past rotary_dim stay.
torch::Tensor rotate_by_position(const torch::Tensor& x, const TinyDecoder& d) {
  auto rotated = x.clone();
  const auto in = x.accessor<double, 2>();
  auto out = rotated.accessor<double, 2>();
  const auto half = d.rotary_dim() / 2;
  for (std::int64_t p = 0; p < x.size(0); ++p) {
    for (std::int64_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(p) * std::pow(d.rope_theta, -2.0 * static_cast<double>(i) / d.rotary_dim());
      const double a = in[p][i];
      const double b = in[p][i + half];
      out[p][i] = a * std::cos(angle) - b * std::sin(angle);
      out[p][i + half] = b * std::cos(angle) + a * std::sin(angle);
    }
  }
  return rotated;
}

struct Reference {
  std::vector<torch::Tensor> hidden_states;  // [batch, length, hidden] each
  torch::Tensor logits;
};

Reference reference_forward(const Weights& weights, const TinyDecoder& d, const torch::Tensor& ids) {
  auto get = [&](const std::string& name) { return weights.at(name).to(torch::kDouble); };
  auto linear = [&](const torch::Tensor& x, const std::string& name, std::int64_t row, std::int64_t rows) {
    auto y = torch::matmul(x, get(name + ".weight").narrow(0, row, rows).t());
    return d.phi ? y + get(name + ".bias").narrow(0, row, rows) : y;
  };
  auto full_linear = [&](const torch::Tensor& x, const std::string& name) {
    return linear(x, name, 0, weights.at(name + ".weight").size(0));
  };
  const auto hd = d.head_dim();
  auto attention = [&](const torch::Tensor& x, const std::string& l) {  // x [length, hidden]
    std::vector<torch::Tensor> heads;
    for (std::int64_t h = 0; h < d.heads; ++h) {
      const auto kv = h / (d.heads / d.kv_heads);
      const auto q = rotate_by_position(linear(x, l + "self_attn.q_proj", h * hd, hd), d);
      const auto k = rotate_by_position(linear(x, l + "self_attn.k_proj", kv * hd, hd), d);
      const auto v = linear(x, l + "self_attn.v_proj", kv * hd, hd);
      auto context = torch::zeros_like(q);
      for (std::int64_t t = 0; t < x.size(0); ++t) {
        const auto scores = torch::mv(k.narrow(0, 0, t + 1), q[t]) / std::sqrt(static_cast<double>(hd));
        const auto weights_t = torch::exp(scores - scores.max()) / torch::exp(scores - scores.max()).sum();
        context[t] = torch::mv(v.narrow(0, 0, t + 1).t(), weights_t);
      }
      heads.push_back(context);
    }
    return full_linear(torch::cat(heads, 1), l + (d.phi ? "self_attn.dense" : "self_attn.o_proj"));
  };

  std::vector<std::vector<torch::Tensor>> states(d.layers + 1);
  std::vector<torch::Tensor> logits;
  for (std::int64_t b = 0; b < ids.size(0); ++b) {
    auto x = get("model.embed_tokens.weight").index_select(0, ids[b]);
    for (std::int64_t i = 0; i < d.layers; ++i) {
      states[i].push_back(x);
      const std::string l = "model.layers." + std::to_string(i) + ".";
      if (d.phi) {
        const auto h = layer_norm(x, get(l + "input_layernorm.weight"), get(l + "input_layernorm.bias"), d.norm_eps);
        auto mlp = full_linear(h, l + "mlp.fc1");
        mlp = 0.5 * mlp * (1 + torch::tanh(std::sqrt(2.0 / M_PI) * (mlp + 0.044715 * mlp.pow(3))));
        x = x + attention(h, l) + full_linear(mlp, l + "mlp.fc2");
      } else {
        x = x + attention(rms_norm(x, get(l + "input_layernorm.weight"), d.norm_eps), l);
        const auto h = rms_norm(x, get(l + "post_attention_layernorm.weight"), d.norm_eps);
        const auto gate = torch::matmul(h, get(l + "mlp.gate_proj.weight").t());
        const auto up = torch::matmul(h, get(l + "mlp.up_proj.weight").t());
        x = x + torch::matmul(gate * torch::sigmoid(gate) * up, get(l + "mlp.down_proj.weight").t());
      }
    }
    x = d.phi ? layer_norm(x, get("model.final_layernorm.weight"), get("model.final_layernorm.bias"), d.norm_eps)
              : rms_norm(x, get("model.norm.weight"), d.norm_eps);
    states[d.layers].push_back(x);
    if (d.tie_word_embeddings) {
      logits.push_back(torch::matmul(x, get("model.embed_tokens.weight").t()));
    } else {
      logits.push_back(full_linear(x, "lm_head"));
    }
  }
  Reference reference;
  for (const auto& layer : states) reference.hidden_states.push_back(torch::stack(layer));
  reference.logits = torch::stack(logits);
  return reference;
}

// ---- Helpers

void expect_close(const torch::Tensor& actual, const torch::Tensor& expected, double tolerance,
                  const std::string& what) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const double error = (actual.to(torch::kDouble) - expected.to(torch::kDouble)).abs().max().item<double>();
  EXPECT_LE(error, tolerance) << what;
}

LlmOutput run(Llm& llm, const torch::Tensor& ids, const torch::Tensor& mask = {}, KvCache* cache = nullptr,
              bool with_states = false) {
  LlmInputs inputs;
  inputs.inputs_embeds = llm.embed(ids);
  inputs.attention_mask = mask;
  LlmForwardOptions options;
  options.cache = cache;
  options.return_hidden_states = with_states;
  return llm.forward(inputs, options);
}

std::string plugin_of(const TinyDecoder& d) { return d.phi ? "phi" : "llama"; }

class LlmPluginsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("vdep-llms-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  // Writes `d` with fresh random weights into folder_/name and loads it through the plugin.
  std::unique_ptr<Llm> checkpoint(const TinyDecoder& d, Weights* weights = nullptr, const std::string& name = "model") {
    Weights w = test::random_weights(d, 11);
    test::write_checkpoint(folder_ / name, test::config_json(d), w);
    if (weights) *weights = w;
    return test::load_llm(plugin_of(d), folder_ / name);
  }

  std::string expect_load_error(const std::string& plugin, const fs::path& folder) {
    try {
      test::load_llm(plugin, folder);
    } catch (const std::exception& error) {
      EXPECT_CONTAINS(error.what(), "llm plugin '" + plugin + "'");
      return error.what();
    }
    ADD_FAILURE() << "expected " << plugin << " to refuse " << folder;
    return {};
  }

  fs::path folder_;
};

torch::Tensor random_ids(const TinyDecoder& d, std::int64_t batch, std::int64_t length, std::uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randint(0, d.vocab, {batch, length}, torch::kLong);
}

// ---- Tests

TEST_F(LlmPluginsTest, MatchesTheNaiveReferenceAtEveryHiddenState) {
  for (const TinyDecoder& d : {test::tiny_llama(), test::tiny_phi()}) {
    SCOPED_TRACE(plugin_of(d));
    Weights weights;
    auto llm = checkpoint(d, &weights, plugin_of(d));
    const auto ids = random_ids(d, 2, 7, 3);
    const Reference expected = reference_forward(weights, d, ids);
    const LlmOutput output = run(*llm, ids, {}, nullptr, /*with_states=*/true);
    ASSERT_EQ(output.hidden_states.size(), static_cast<std::size_t>(d.layers + 1));
    for (std::size_t i = 0; i < output.hidden_states.size(); ++i) {
      expect_close(output.hidden_states[i], expected.hidden_states[i], 1e-5, "hidden state " + std::to_string(i));
    }
    EXPECT_TRUE(torch::equal(output.hidden_states.back(), output.last_hidden_state));
    expect_close(output.logits, expected.logits, 1e-5, "logits");
    EXPECT_EQ(llm->num_layers(), d.layers);
    EXPECT_EQ(llm->hidden_size(), d.hidden);
    EXPECT_EQ(llm->vocab_size(), d.vocab);
  }
}

TEST_F(LlmPluginsTest, KvCacheDecodingEqualsFullRecomputation) {
  for (const TinyDecoder& d : {test::tiny_llama(), test::tiny_phi()}) {
    SCOPED_TRACE(plugin_of(d));
    auto llm = checkpoint(d, nullptr, plugin_of(d));
    const auto ids = random_ids(d, 2, 9, 4);
    const auto full = run(*llm, ids).logits;
    KvCache cache;
    expect_close(run(*llm, ids.narrow(1, 0, 5), {}, &cache).logits, full.narrow(1, 0, 5), 1e-5, "prompt");
    for (std::int64_t t = 5; t < 9; ++t) {
      expect_close(run(*llm, ids.narrow(1, t, 1), {}, &cache).logits, full.narrow(1, t, 1), 1e-5,
                   "step " + std::to_string(t));
    }
    EXPECT_EQ(cache.length(), 9);
    ASSERT_EQ(cache.keys.size(), static_cast<std::size_t>(d.layers));
    EXPECT_EQ(cache.keys[1].sizes(), (std::vector<std::int64_t>{2, d.kv_heads, 9, d.head_dim()}));
  }
}

TEST_F(LlmPluginsTest, RightPaddingLeavesTheRealPositionsUnchanged) {
  for (const TinyDecoder& d : {test::tiny_llama(), test::tiny_phi()}) {
    SCOPED_TRACE(plugin_of(d));
    auto llm = checkpoint(d, nullptr, plugin_of(d));
    const auto ids = random_ids(d, 2, 7, 5);
    const auto mask = torch::tensor({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, torch::kLong).view({2, 7});
    const LlmOutput batch = run(*llm, ids, mask);
    EXPECT_TRUE(torch::isfinite(batch.logits).all().item<bool>());
    expect_close(batch.logits[0], run(*llm, ids.narrow(0, 0, 1)).logits[0], 1e-5, "the unpadded sequence");
    expect_close(batch.logits[1].narrow(0, 0, 4), run(*llm, ids.narrow(0, 1, 1).narrow(1, 0, 4)).logits[0], 1e-5,
                 "the padded sequence");
  }
}

TEST_F(LlmPluginsTest, LeftPaddedGenerationEqualsEachSequenceAlone) {
  for (const TinyDecoder& d : {test::tiny_llama(), test::tiny_phi()}) {
    SCOPED_TRACE(plugin_of(d));
    auto llm = checkpoint(d, nullptr, plugin_of(d));
    const auto ids = random_ids(d, 2, 8, 6);  // row 1: two padding tokens, then six real ones
    auto mask = torch::ones({2, 6}, torch::kLong);
    mask.index_put_({1, Slice(0, 2)}, 0);
    KvCache cache;
    auto logits = run(*llm, ids.narrow(1, 0, 6), mask, &cache).logits;
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());  // the padding queries see no real key
    std::vector<torch::Tensor> steps{logits.narrow(1, 5, 1)};
    for (std::int64_t t = 6; t < 8; ++t) {
      mask = torch::cat({mask, torch::ones({2, 1}, torch::kLong)}, 1);
      steps.push_back(run(*llm, ids.narrow(1, t, 1), mask, &cache).logits);
    }
    const auto first_alone = run(*llm, ids.narrow(0, 0, 1)).logits;
    const auto second_alone = run(*llm, ids.narrow(0, 1, 1).narrow(1, 2, 6)).logits;
    for (std::int64_t s = 0; s < 3; ++s) {
      expect_close(steps[s][0][0], first_alone[0][5 + s], 1e-5, "row 0, step " + std::to_string(s));
      expect_close(steps[s][1][0], second_alone[0][3 + s], 1e-5, "row 1, step " + std::to_string(s));
    }
  }
}

TEST_F(LlmPluginsTest, GroupedQueryAttentionEqualsTheKvHeadsRepeated) {
  for (TinyDecoder d : {test::tiny_llama(), test::tiny_phi()}) {
    SCOPED_TRACE(plugin_of(d));
    d.kv_heads = 2;
    Weights grouped;
    auto llm = checkpoint(d, &grouped, "grouped");
    // The same model with every kv head copied for each query head that reads it: plain MHA.
    Weights repeated = grouped;
    const auto group = d.heads / d.kv_heads;
    for (const auto& [name, tensor] : grouped) {
      if (name.find("k_proj") == std::string::npos && name.find("v_proj") == std::string::npos) continue;
      auto heads = tensor.reshape({d.kv_heads, d.head_dim(), -1}).repeat_interleave(group, 0);
      repeated[name] = tensor.dim() == 2 ? heads.reshape({d.heads * d.head_dim(), d.hidden}).contiguous()
                                         : heads.reshape({d.heads * d.head_dim()}).contiguous();
    }
    TinyDecoder full = d;
    full.kv_heads = d.heads;
    test::write_checkpoint(folder_ / "full", test::config_json(full), repeated);
    auto mha = test::load_llm(plugin_of(d), folder_ / "full");
    const auto ids = random_ids(d, 2, 6, 7);
    expect_close(run(*llm, ids).logits, run(*mha, ids).logits, 1e-5, "logits");
  }
}

TEST_F(LlmPluginsTest, AttentionProbabilitiesAreCausalAndDoNotChangeTheOutput) {
  for (const TinyDecoder& d : {test::tiny_llama(), test::tiny_phi()}) {
    SCOPED_TRACE(plugin_of(d));
    auto llm = checkpoint(d, nullptr, plugin_of(d));
    const auto ids = random_ids(d, 2, 5, 8);
    LlmInputs inputs;
    inputs.inputs_embeds = llm->embed(ids);
    LlmForwardOptions options;
    options.return_attentions = true;
    const LlmOutput output = llm->forward(inputs, options);
    ASSERT_EQ(output.attentions.size(), static_cast<std::size_t>(d.layers));
    for (const auto& probabilities : output.attentions) {
      ASSERT_EQ(probabilities.sizes(), (std::vector<std::int64_t>{2, d.heads, 5, 5}));
      expect_close(probabilities.sum(-1), torch::ones({2, d.heads, 5}), 1e-6, "row sums");
      EXPECT_TRUE(torch::equal(probabilities.triu(1), torch::zeros_like(probabilities))) << "a query saw the future";
    }
    // Without probabilities LibTorch 2 takes the fused path: the outputs must agree.
    expect_close(output.logits, run(*llm, ids).logits, 1e-5, "logits with and without attentions");

    KvCache cache;
    run(*llm, ids.narrow(1, 0, 4), {}, &cache);
    inputs.inputs_embeds = llm->embed(ids.narrow(1, 4, 1));
    options.cache = &cache;
    EXPECT_EQ(llm->forward(inputs, options).attentions[0].sizes(), (std::vector<std::int64_t>{2, d.heads, 1, 5}));
  }
}

TEST_F(LlmPluginsTest, TiedEmbeddingsLoadWithOrWithoutAnLmHeadKey) {
  TinyDecoder d = test::tiny_llama();
  d.tie_word_embeddings = true;
  Weights weights;
  auto llm = checkpoint(d, &weights);
  ASSERT_EQ(weights.count("lm_head.weight"), 0u);
  const auto ids = random_ids(d, 1, 4, 9);
  const auto expected = reference_forward(weights, d, ids).logits;
  expect_close(run(*llm, ids).logits, expected, 1e-5, "logits through the embedding matrix");

  weights["lm_head.weight"] = torch::randn({d.vocab, d.hidden});  // a stale copy some exports keep
  test::write_checkpoint(folder_ / "with_head", test::config_json(d), weights);
  expect_close(run(*test::load_llm("llama", folder_ / "with_head"), ids).logits, expected, 1e-5, "stale lm_head");
}

TEST_F(LlmPluginsTest, ShardedCheckpointLoadsLikeOneFile) {
  for (const TinyDecoder& d : {test::tiny_llama(), test::tiny_phi()}) {
    SCOPED_TRACE(plugin_of(d));
    Weights weights = test::random_weights(d, 12);
    test::write_sharded_checkpoint(folder_ / plugin_of(d), test::config_json(d), weights, 8 * 1024);
    ASSERT_TRUE(fs::exists(folder_ / plugin_of(d) / "model.safetensors.index.json"));
    ASSERT_FALSE(fs::exists(folder_ / plugin_of(d) / "model.safetensors"));
    auto llm = test::load_llm(plugin_of(d), folder_ / plugin_of(d));
    const auto ids = random_ids(d, 1, 5, 10);
    expect_close(run(*llm, ids).logits, reference_forward(weights, d, ids).logits, 1e-5, "logits");
  }
}

TEST_F(LlmPluginsTest, MissingKeyIsAnErrorNamingIt) {
  for (const TinyDecoder& d : {test::tiny_llama(), test::tiny_phi()}) {
    SCOPED_TRACE(plugin_of(d));
    Weights weights = test::random_weights(d, 13);
    const std::string key = d.phi ? "model.layers.1.mlp.fc2.bias" : "model.layers.1.mlp.down_proj.weight";
    weights.erase(key);
    test::write_checkpoint(folder_ / plugin_of(d), test::config_json(d), weights);
    const std::string message = expect_load_error(plugin_of(d), folder_ / plugin_of(d));
    EXPECT_CONTAINS(message, key);
    EXPECT_CONTAINS(message, (folder_ / plugin_of(d)).string());
  }
}

TEST_F(LlmPluginsTest, WrongShapeIsAnErrorNamingTheKeyAndTheFile) {
  TinyDecoder d = test::tiny_llama();
  Weights weights = test::random_weights(d, 14);
  weights["model.layers.0.self_attn.k_proj.weight"] = torch::zeros({d.hidden, d.hidden});  // MHA-sized: 4 kv heads
  test::write_checkpoint(folder_, test::config_json(d), weights);
  const std::string message = expect_load_error("llama", folder_);
  EXPECT_CONTAINS(message, "model.layers.0.self_attn.k_proj.weight");
  EXPECT_CONTAINS(message, (folder_ / "model.safetensors").string());
}

TEST_F(LlmPluginsTest, ConfigErrorsNameTheFileAndTheKey) {
  const TinyDecoder llama = test::tiny_llama();
  const TinyDecoder phi = test::tiny_phi();
  auto write = [&](const std::string& name, const TinyDecoder& d, const std::string& from, const std::string& to) {
    std::string config = test::config_json(d);
    const auto at = config.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    config.replace(at, from.size(), to);
    test::write_checkpoint(folder_ / name, config, test::random_weights(d, 15));
    return folder_ / name;
  };
  std::string message =
      expect_load_error("llama", write("missing", llama, "\"intermediate_size\": 48,", "\"_unused\": 48,"));
  EXPECT_CONTAINS(message, (folder_ / "missing" / "config.json").string());
  EXPECT_CONTAINS(message, "missing required key 'intermediate_size'");

  message = expect_load_error(
      "llama", write("rope", llama, "\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}"));
  EXPECT_CONTAINS(message, (folder_ / "rope" / "config.json").string());
  EXPECT_CONTAINS(message, "'rope_scaling'");

  message = expect_load_error("phi", write("qk", phi, "\"qk_layernorm\": false", "\"qk_layernorm\": true"));
  EXPECT_CONTAINS(message, "'qk_layernorm'");

  message = expect_load_error("llama", write("act", llama, "\"silu\"", "\"relu\""));
  EXPECT_CONTAINS(message, "hidden_act 'relu'");
}

TEST_F(LlmPluginsTest, PhiAppliesItsResidualDropoutOnlyInTraining) {
  const TinyDecoder d = test::tiny_phi();  // its config.json has resid_pdrop 0.1, as phi-2's
  auto llm = checkpoint(d, nullptr, "phi");
  const auto ids = random_ids(d, 1, 6, 4);
  auto logits = [&](Llm& model, std::uint64_t seed) {
    torch::manual_seed(seed);
    LlmInputs inputs;
    inputs.inputs_embeds = model.embed(ids);
    return model.forward(inputs, {}).logits;
  };
  const auto evaluated = logits(*llm, 1);
  EXPECT_TRUE(torch::equal(logits(*llm, 2), evaluated)) << "created in evaluation mode";
  llm->module().train();
  const auto trained = logits(*llm, 1);
  EXPECT_FALSE(torch::allclose(trained, evaluated, 1e-3, 1e-3));
  EXPECT_FALSE(torch::allclose(logits(*llm, 2), trained, 1e-3, 1e-3));
  EXPECT_TRUE(torch::equal(logits(*llm, 1), trained)) << "dropout draws from the seeded generator";

  std::string config = test::config_json(d);
  config.replace(config.find("\"resid_pdrop\": 0.1"), 18, "\"resid_pdrop\": 0.0");
  test::write_checkpoint(folder_ / "no_dropout", config, test::random_weights(d, 11));
  auto without = test::load_llm("phi", folder_ / "no_dropout");
  const auto reference = logits(*without, 1);
  without->module().train();
  EXPECT_TRUE(torch::equal(logits(*without, 3), reference));

  config.replace(config.find("\"attention_dropout\": 0.0"), 24, "\"attention_dropout\": 0.1");
  test::write_checkpoint(folder_ / "attention_dropout", config, test::random_weights(d, 11));
  EXPECT_CONTAINS(expect_load_error("phi", folder_ / "attention_dropout"), "'attention_dropout'");
}

TEST_F(LlmPluginsTest, EmbedRejectsIdsOutsideTheVocabulary) {
  for (const TinyDecoder& d : {test::tiny_llama(), test::tiny_phi()}) {
    SCOPED_TRACE(plugin_of(d));
    auto llm = checkpoint(d, nullptr, plugin_of(d));
    for (std::int64_t id : {std::int64_t{-200}, d.vocab}) {
      try {
        llm->embed(torch::tensor({std::int64_t{1}, id, std::int64_t{3}}).view({1, 3}));
        ADD_FAILURE() << "id " << id << " was embedded";
      } catch (const std::exception& error) {
        EXPECT_CONTAINS(error.what(), "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                          std::to_string(d.vocab) + ")");
      }
    }
    EXPECT_EQ(llm->embed(torch::tensor({std::int64_t{0}, d.vocab - 1}).view({1, 2})).sizes(),
              (std::vector<std::int64_t>{1, 2, d.hidden}));
  }
}

TEST_F(LlmPluginsTest, SpecialTokensComeFromTheConfig) {
  const LlmSpecialTokens llama = checkpoint(test::tiny_llama(), nullptr, "llama")->special_tokens();
  EXPECT_EQ(llama.bos, 1);
  EXPECT_EQ(llama.eos, 2);
  EXPECT_EQ(llama.pad, 0);
  EXPECT_EQ(checkpoint(test::tiny_phi(), nullptr, "phi")->special_tokens().pad, -1);  // phi's config has none
}

TEST_F(LlmPluginsTest, RandomPresetsNeedNoCheckpointAndTakeTheDtype) {
  for (const std::string plugin : {"llama", "phi"}) {
    SCOPED_TRACE(plugin);
    auto llm = test::make_llm(plugin, toml::table{{"preset", "tiny"}, {"dtype", "bfloat16"}, {"seed", 3}});
    for (const auto& parameter : llm->module().parameters()) EXPECT_EQ(parameter.scalar_type(), torch::kBFloat16);
    const auto logits = run(*llm, torch::tensor(std::vector<std::int64_t>{1, 5, 9}).view({1, 3})).logits;
    EXPECT_EQ(logits.sizes(), (std::vector<std::int64_t>{1, 3, llm->vocab_size()}));
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
  }
}

// HF's initializer_range (0.02) everywhere but the toy, whose 128-wide LLM starts wider (see llama_preset).
TEST_F(LlmPluginsTest, RandomWeightsHaveThePresetsSpread) {
  for (const auto& [preset, spread] : std::vector<std::pair<std::string, double>>{{"tiny", 0.02}, {"toy", 0.15}}) {
    SCOPED_TRACE(preset);
    auto llm = test::make_llm("llama", toml::table{{"preset", preset}, {"seed", 5}});
    for (const auto& item : llm->module().named_parameters()) {
      if (item.value().dim() < 2) continue;
      SCOPED_TRACE(item.key());
      EXPECT_NEAR(item.value().std().item<double>(), spread, 0.1 * spread);
      EXPECT_NEAR(item.value().mean().item<double>(), 0.0, 0.1 * spread);
    }
  }
}

}  // namespace
}  // namespace vdep
