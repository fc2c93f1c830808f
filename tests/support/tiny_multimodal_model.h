// The bundled tiny CLIP and LLaMA presets composed with an mlp2x_gelu projector: a whole
// LLaVA-VDEP model that runs in milliseconds.
#pragma once

#include <cstdint>
#include <memory>

#include <vdep/encoder.h>
#include <vdep/llm.h>

#include "model/multimodal_model.h"
#include "support/bundled_component.h"

namespace vdep::test {

struct TinyMultimodalModel {
  // `vocab_size` 0 keeps the tiny preset's 256 rows; a test with a real tokenizer asks for its size.
  explicit TinyMultimodalModel(std::int64_t vocab_size = 0)
      : encoder(make_bundled<Encoder>(PluginKind::Encoder, "encoder", "clip_vit", toml::table{{"preset", "tiny"}})),
        llm(make_bundled<Llm>(PluginKind::Llm, "llm", "llama",
                              toml::table{{"preset", "tiny"}, {"vocab_size", vocab_size}})),
        model(*encoder, *llm,
              Projector(ProjectorSpec::parse("mlp2x_gelu"), encoder->hidden_size(), llm->hidden_size())) {}

  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Llm> llm;
  MultimodalModel model;
};

}  // namespace vdep::test
