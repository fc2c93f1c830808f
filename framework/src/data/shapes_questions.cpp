#include "data/shapes_questions.h"

#include <algorithm>
#include <string>
#include <utility>

namespace vdep {

namespace {

std::string description(const Shape& shape) { return std::string(colour_name(shape.colour)) + " " + kind_name(shape.kind); }

// The shapes a question may name by colour and kind alone: no other shape shares both.
std::vector<Shape> uniquely_described(const ShapesScene& scene) {
  std::vector<Shape> unique;
  for (const Shape& shape : scene.shapes) {
    const auto alike = std::count_if(scene.shapes.begin(), scene.shapes.end(), [&](const Shape& other) {
      return other.kind == shape.kind && other.colour == shape.colour;
    });
    if (alike == 1) unique.push_back(shape);
  }
  return unique;
}

std::vector<ShapeKind> kinds_seen_once(const ShapesScene& scene) {
  std::vector<ShapeKind> kinds;
  for (ShapeKind kind : kShapeKinds) {
    const auto seen =
        std::count_if(scene.shapes.begin(), scene.shapes.end(), [&](const Shape& s) { return s.kind == kind; });
    if (seen == 1) kinds.push_back(kind);
  }
  return kinds;
}

std::vector<ShapeColour> colours_seen_once(const ShapesScene& scene) {
  std::vector<ShapeColour> colours;
  for (ShapeColour colour : kShapeColours) {
    const auto seen =
        std::count_if(scene.shapes.begin(), scene.shapes.end(), [&](const Shape& s) { return s.colour == colour; });
    if (seen == 1) colours.push_back(colour);
  }
  return colours;
}

template <typename T>
const T& pick(const std::vector<T>& options, ShapesRandom& random) {
  return options[random.below(options.size())];
}

const char* yes_no(bool yes) { return yes ? "Yes" : "No"; }

ShapesQuestion colour_question(const ShapesScene& scene, ShapeKind kind) {
  const Shape& shape = *std::find_if(scene.shapes.begin(), scene.shapes.end(), [&](const Shape& s) { return s.kind == kind; });
  return {QuestionCategory::Colour, std::string("What colour is the ") + kind_name(kind) + "?", colour_name(shape.colour)};
}

ShapesQuestion shape_question(const ShapesScene& scene, ShapeColour colour) {
  const Shape& shape =
      *std::find_if(scene.shapes.begin(), scene.shapes.end(), [&](const Shape& s) { return s.colour == colour; });
  return {QuestionCategory::Shape, std::string("What shape is the ") + colour_name(colour) + " object?", kind_name(shape.kind)};
}

ShapesQuestion count_question(const ShapesScene& scene, ShapeKind kind) {
  const auto count = std::count_if(scene.shapes.begin(), scene.shapes.end(), [&](const Shape& s) { return s.kind == kind; });
  return {QuestionCategory::Count, std::string("How many ") + kind_plural(kind) + " are there?", std::to_string(count)};
}

struct Placement {
  Shape subject;
  Shape object;
  bool horizontal = true;  // left/right of, else above/below
};

std::vector<Placement> clear_placements(const std::vector<Shape>& nameable) {
  std::vector<Placement> placements;
  for (const Shape& a : nameable) {
    for (const Shape& b : nameable) {
      if (&a == &b) continue;
      if (a.right() < b.left() || b.right() < a.left()) placements.push_back({a, b, true});
      if (a.bottom() < b.top() || b.bottom() < a.top()) placements.push_back({a, b, false});
    }
  }
  return placements;
}

ShapesQuestion position_question(const Placement& placement, bool first_relation) {
  const Shape& a = placement.subject;
  const Shape& b = placement.object;
  std::string relation;
  bool holds = false;
  if (placement.horizontal) {
    relation = first_relation ? "to the left of" : "to the right of";
    holds = first_relation ? a.centre_x < b.centre_x : a.centre_x > b.centre_x;
  } else {
    relation = first_relation ? "above" : "below";
    holds = first_relation ? a.centre_y < b.centre_y : a.centre_y > b.centre_y;
  }
  return {QuestionCategory::Position, "Is the " + description(a) + " " + relation + " the " + description(b) + "?",
          yes_no(holds)};
}

// Present half the time, as in POPE; an absent object is a kind and colour no shape has.
ShapesQuestion existence_question(const ShapesScene& scene, ShapesRandom& random) {
  Shape asked = pick(scene.shapes, random);
  const bool present = random.coin();
  if (!present) {
    std::vector<Shape> absent;
    for (ShapeKind kind : kShapeKinds) {
      for (ShapeColour colour : kShapeColours) {
        const bool in_scene = std::any_of(scene.shapes.begin(), scene.shapes.end(),
                                          [&](const Shape& s) { return s.kind == kind && s.colour == colour; });
        if (in_scene) continue;
        Shape missing;
        missing.kind = kind;
        missing.colour = colour;
        absent.push_back(missing);
      }
    }
    asked = pick(absent, random);
  }
  return {QuestionCategory::Existence,
          std::string("Is there ") + article(asked.colour) + " " + description(asked) + " in the image?",
          yes_no(present)};
}

}  // namespace

const char* category_name(QuestionCategory category) {
  switch (category) {
    case QuestionCategory::Colour: return "colour";
    case QuestionCategory::Shape: return "shape";
    case QuestionCategory::Count: return "count";
    case QuestionCategory::Position: return "position";
    case QuestionCategory::Existence: return "existence";
  }
  return "question";
}

std::optional<double> chance_accuracy(std::string_view category) {
  if (category == category_name(QuestionCategory::Colour)) return 1.0 / static_cast<double>(kShapeColours.size());
  if (category == category_name(QuestionCategory::Shape)) return 1.0 / static_cast<double>(kShapeKinds.size());
  if (category == category_name(QuestionCategory::Position) || category == category_name(QuestionCategory::Existence)) {
    return 0.5;
  }
  return std::nullopt;
}

std::vector<ShapesQuestion> ask_questions(const ShapesScene& scene, ShapesRandom& random, int count) {
  const std::vector<ShapeKind> single_kinds = kinds_seen_once(scene);
  const std::vector<ShapeColour> single_colours = colours_seen_once(scene);
  const std::vector<Placement> placements = clear_placements(uniquely_described(scene));
  std::vector<QuestionCategory> categories = {QuestionCategory::Count, QuestionCategory::Existence};
  if (!single_kinds.empty()) categories.push_back(QuestionCategory::Colour);
  if (!single_colours.empty()) categories.push_back(QuestionCategory::Shape);
  if (!placements.empty()) categories.push_back(QuestionCategory::Position);

  std::vector<ShapesQuestion> questions;
  // Every scene allows far more than a handful of different questions; the bound only keeps a
  // request for more than exist from looping forever.
  for (int attempt = 0; attempt < 50 * count && static_cast<int>(questions.size()) < count; ++attempt) {
    ShapesQuestion question;
    switch (pick(categories, random)) {
      case QuestionCategory::Colour: question = colour_question(scene, pick(single_kinds, random)); break;
      case QuestionCategory::Shape: question = shape_question(scene, pick(single_colours, random)); break;
      case QuestionCategory::Count: question = count_question(scene, kShapeKinds[random.below(kShapeKinds.size())]); break;
      case QuestionCategory::Position: question = position_question(pick(placements, random), random.coin()); break;
      case QuestionCategory::Existence: question = existence_question(scene, random); break;
    }
    const bool asked_before = std::any_of(questions.begin(), questions.end(),
                                          [&](const ShapesQuestion& q) { return q.question == question.question; });
    if (!asked_before) questions.push_back(std::move(question));
  }
  return questions;
}

}  // namespace vdep
