// "Did you mean ...?" suggestions for misspelt keys and names.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vdep {

// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent
// characters (optimal string alignment), byte-wise: "alpah" is one edit from "alpha", as a
// typist would count it.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo: at most a third
// of the longer word's length in edits (at least one edit). Ties go to the earlier candidate.
std::optional<std::string> nearest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace vdep
