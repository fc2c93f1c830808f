// Pre-training text for a shapes scene: a caption, and the instruction that asks for it.
#pragma once

#include <string>

#include "data/shapes_random.h"
#include "data/shapes_scene.h"

namespace vdep {

// One phrase naming every shape, left to right, alike shapes counted together:
// "a red circle and two blue squares".
std::string caption(const ShapesScene& scene);

// One of a few fixed LLaVA-style requests for a brief description ("Describe the image concisely."),
// chosen by `random`; the caller places the <image> token.
const std::string& caption_prompt(ShapesRandom& random);

}  // namespace vdep
