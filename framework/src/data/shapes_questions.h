// Questions about a shapes scene with short answers that follow exactly from it: the SFT
// conversations and the held-out evaluation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/shapes_random.h"
#include "data/shapes_scene.h"

namespace vdep {

enum class QuestionCategory {
  Colour,     // "What colour is the circle?" (asked when the scene has one circle) → "red"
  Shape,      // "What shape is the red object?" (one red shape) → "circle"
  Count,      // "How many squares are there?" → "2" (or "0")
  Position,   // "Is the red circle to the left of the blue square?" → "Yes" / "No"
  Existence,  // "Is there a green triangle in the image?" → "Yes" / "No", absent half the time (POPE)
};

const char* category_name(QuestionCategory category);  // "colour", "shape", ...

// The accuracy of a uniform guess among the answers a category can have: 1/2 for the yes/no
// questions, one in the colours or the kinds. Nullopt for "count", whose answers depend on how many
// shapes a scene may hold, and for a name that is no category.
std::optional<double> chance_accuracy(std::string_view category);

struct ShapesQuestion {
  QuestionCategory category = QuestionCategory::Count;
  std::string question;
  std::string answer;
};

// `count` different questions (fewer only if the scene allows no more), of categories chosen by
// `random` among those the scene allows.
// Position questions only name shapes that no other shape shares kind and colour with, and only
// along an axis where the two shapes do not overlap, so the answer is never a matter of judgement.
std::vector<ShapesQuestion> ask_questions(const ShapesScene& scene, ShapesRandom& random, int count);

}  // namespace vdep
