// The bundled tiny CLIP and LLaMA presets composed with an mlp2x_gelu projector: a whole
// LLaVA-VDEP model that runs in milliseconds.
#pragma once

#include <memory>

#include <vdep/encoder.h>
#include <vdep/llm.h>

#include "model/multimodal_model.h"
#include "support/bundled_component.h"

namespace vdep::test {

struct TinyMultimodalModel {
  std::unique_ptr<Encoder> encoder =
      make_bundled<Encoder>(PluginKind::Encoder, "encoder", "clip_vit", toml::table{{"preset", "tiny"}});
  std::unique_ptr<Llm> llm = make_bundled<Llm>(PluginKind::Llm, "llm", "llama", toml::table{{"preset", "tiny"}});
  MultimodalModel model{*encoder, *llm,
                        Projector(ProjectorSpec::parse("mlp2x_gelu"), encoder->hidden_size(), llm->hidden_size())};
};

}  // namespace vdep::test
