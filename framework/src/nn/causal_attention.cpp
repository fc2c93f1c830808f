#include <vdep/nn/causal_attention.h>

#include <cmath>
#include <limits>

#include <ATen/ATen.h>

#include "libtorch_version.h"

namespace vdep::nn {

namespace {

// [new_length, total] bool: the new positions are the last new_length of total.
at::Tensor causal_order(std::int64_t new_length, std::int64_t total, const at::Device& device) {
  const auto options = at::TensorOptions().dtype(at::kLong).device(device);
  const auto query_positions = at::arange(total - new_length, total, options).unsqueeze(1);
  return at::arange(total, options).unsqueeze(0) <= query_positions;
}

// HF's repeat_kv: [batch, kv_heads, length, d] → [batch, kv_heads * group, length, d], each kv head
// repeated for the `group` consecutive query heads that share it.
at::Tensor repeat_kv(const at::Tensor& x, std::int64_t group) {
  if (group == 1) return x;
  const auto sizes = x.sizes();
  return x.unsqueeze(2)
      .expand({sizes[0], sizes[1], group, sizes[2], sizes[3]})
      .reshape({sizes[0], sizes[1] * group, sizes[2], sizes[3]});
}

at::Scalar lowest_value(at::ScalarType dtype) {
  switch (dtype) {
    case at::kHalf: return std::numeric_limits<c10::Half>::lowest();
    case at::kBFloat16: return std::numeric_limits<c10::BFloat16>::lowest();
    case at::kDouble: return std::numeric_limits<double>::lowest();
    default: return std::numeric_limits<float>::lowest();
  }
}

at::Tensor merge_heads(const at::Tensor& context) {  // [batch, heads, length, d] → [batch, length, heads * d]
  return context.transpose(1, 2).reshape({context.size(0), context.size(2), context.size(1) * context.size(3)});
}

}  // namespace

DecoderStep prepare_decoder_step(const LlmInputs& inputs, std::int64_t hidden_size, const KvCache* cache) {
  const auto& embeds = inputs.inputs_embeds;
  TORCH_CHECK(embeds.defined() && embeds.dim() == 3 && embeds.size(2) == hidden_size,
              "inputs_embeds must be [batch, length, ", hidden_size, "], got ",
              embeds.defined() ? embeds.sizes() : at::IntArrayRef{});
  const auto batch = embeds.size(0);
  const auto new_length = embeds.size(1);
  TORCH_CHECK(new_length > 0, "inputs_embeds holds no position");
  DecoderStep step;
  step.cached_length = cache ? cache->length() : 0;
  if (cache && !cache->keys.empty()) {
    TORCH_CHECK(cache->keys.front().size(0) == batch, "the KV cache holds a batch of ", cache->keys.front().size(0),
                ", inputs_embeds one of ", batch);
  }
  const auto total = step.cached_length + new_length;
  const auto long_options = at::TensorOptions().dtype(at::kLong).device(embeds.device());

  at::Tensor attention_mask = inputs.attention_mask;
  if (attention_mask.defined()) {
    TORCH_CHECK(attention_mask.dim() == 2 && attention_mask.size(0) == batch && attention_mask.size(1) == total,
                "attention_mask must be [batch, cached + new length] = [", batch, ", ", total, "], got ",
                attention_mask.sizes());
    attention_mask = attention_mask.to(embeds.device(), at::kLong);
  }

  if (inputs.position_ids.defined()) {
    TORCH_CHECK(inputs.position_ids.dim() == 2 && inputs.position_ids.size(0) == batch &&
                    inputs.position_ids.size(1) == new_length,
                "position_ids must be [batch, new length] = [", batch, ", ", new_length, "], got ",
                inputs.position_ids.sizes());
    step.position_ids = inputs.position_ids.to(embeds.device(), at::kLong);
  } else if (attention_mask.defined()) {
    step.position_ids = (attention_mask.cumsum(-1) - 1).clamp_min(0).narrow(1, step.cached_length, new_length);
  } else {
    step.position_ids = at::arange(step.cached_length, total, long_options).unsqueeze(0).expand({batch, new_length});
  }

  // An all-ones mask says no more than causal order: dropping it lets fused kernels run unmasked.
  if (attention_mask.defined() && !attention_mask.eq(1).all().item<bool>()) {
    step.mask = causal_padding_mask(attention_mask, new_length);
  }
  return step;
}

at::Tensor causal_padding_mask(const at::Tensor& attention_mask, std::int64_t new_length) {
  TORCH_CHECK(attention_mask.dim() == 2 && new_length <= attention_mask.size(1),
              "attention_mask must be [batch, total >= ", new_length, "], got ", attention_mask.sizes());
  const auto allowed = causal_order(new_length, attention_mask.size(1), attention_mask.device()).unsqueeze(0) &
                       attention_mask.ne(0).unsqueeze(1);  // [batch, new_length, total]
  const auto empty_rows = allowed.any(-1, /*keepdim=*/true).logical_not();
  return (allowed | empty_rows).unsqueeze(1);
}

std::pair<at::Tensor, at::Tensor> append_to_cache(KvCache& cache, std::size_t layer, const at::Tensor& keys,
                                                  const at::Tensor& values) {
  TORCH_CHECK(layer <= cache.keys.size() && cache.keys.size() == cache.values.size(), "KV cache of ",
              cache.keys.size(), " layers cannot take layer ", layer);
  if (layer == cache.keys.size()) {
    cache.keys.push_back(keys);
    cache.values.push_back(values);
  } else {
    cache.keys[layer] = at::cat({cache.keys[layer], keys}, 2);
    cache.values[layer] = at::cat({cache.values[layer], values}, 2);
  }
  return {cache.keys[layer], cache.values[layer]};
}

CausalAttentionOutput causal_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                       const at::Tensor& mask, const CausalAttentionOptions& options) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.sizes() == k.sizes() && q.size(0) == k.size(0) &&
                  q.size(3) == k.size(3) && q.size(2) <= k.size(2) && q.size(1) % k.size(1) == 0,
              "causal_attention: q [batch, heads, new, d] and k, v [batch, kv_heads, total >= new, d] with heads a "
              "multiple of kv_heads, got q ",
              q.sizes(), ", k ", k.sizes(), ", v ", v.sizes());
  const auto new_length = q.size(2);
  const auto total = k.size(2);
  const auto keys = repeat_kv(k, q.size(1) / k.size(1));
  const auto values = repeat_kv(v, q.size(1) / k.size(1));

#if VDEP_LIBTORCH_HAS_SDPA
  if (!options.return_probabilities) {
    at::Tensor context;
    if (!mask.defined() && (new_length == total || new_length == 1)) {
      // A whole sequence is plain causal; one new position after the cache sees everything.
      context = at::scaled_dot_product_attention(q, keys, values, {}, 0.0, /*is_causal=*/new_length > 1);
    } else {
      const auto allowed = mask.defined() ? mask : causal_order(new_length, total, q.device());
      context = at::scaled_dot_product_attention(q, keys, values, allowed, 0.0, /*is_causal=*/false);
    }
    return {merge_heads(context), {}};
  }
#endif

  const auto score_dtype = options.fp32_scores ? at::kFloat : q.scalar_type();
  auto scores = at::matmul(q.to(score_dtype), keys.to(score_dtype).transpose(-2, -1)) *
                (1.0 / std::sqrt(static_cast<double>(q.size(3))));
  const auto allowed = mask.defined() ? mask : causal_order(new_length, total, q.device());
  // The dtype's lowest value rather than -inf, as HF does: exp() of it is 0 all the same, and a
  // row masked throughout (which causal_padding_mask never produces) would still stay finite. The
  // scores' own dtype: under autocast the product comes out bf16 whatever score_dtype asked.
  scores = scores.masked_fill(allowed.logical_not(), lowest_value(scores.scalar_type()));
  const auto probabilities = at::softmax(scores, -1, at::kFloat).to(values.scalar_type());
  CausalAttentionOutput output;
  output.context = merge_heads(at::matmul(probabilities, values));
  if (options.return_probabilities) output.probabilities = probabilities;
  return output;
}

at::Tensor decoder_self_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t heads,
                                  std::int64_t kv_heads, std::size_t layer, const DecoderLayerInputs& inputs,
                                  bool fp32_scores) {
  const auto batch = q.size(0);
  const auto length = q.size(1);
  const auto head_dim = q.size(2) / heads;
  auto split = [&](const at::Tensor& t, std::int64_t count) {
    return t.view({batch, length, count, head_dim}).transpose(1, 2);
  };
  const auto queries = apply_rotary(split(q, heads), inputs.rotary);
  auto keys = apply_rotary(split(k, kv_heads), inputs.rotary);
  auto values = split(v, kv_heads);
  if (inputs.cache) std::tie(keys, values) = append_to_cache(*inputs.cache, layer, keys, values);
  CausalAttentionOptions options;
  options.return_probabilities = inputs.attentions != nullptr;
  options.fp32_scores = fp32_scores;
  CausalAttentionOutput attention = causal_attention(queries, keys, values, inputs.step.mask, options);
  if (inputs.attentions) inputs.attentions->push_back(attention.probabilities);
  return attention.context;
}

}  // namespace vdep::nn
