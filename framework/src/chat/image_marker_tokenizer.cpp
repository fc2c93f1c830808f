#include "chat/image_marker_tokenizer.h"

#include <vdep/chat_template.h>

namespace vdep {

namespace {

struct MarkerHit {
  std::size_t position = std::string_view::npos;
  std::size_t length = 0;
  std::int64_t id = 0;
};

MarkerHit next_marker(std::string_view text, std::size_t from) {
  MarkerHit hit;
  for (const auto& [marker, id] : {std::pair{kImageMarker, kImageTokenIndex}, std::pair{kAutoImageMarker, kAutoImageTokenIndex}}) {
    const std::size_t position = text.find(marker, from);
    if (position < hit.position) hit = {position, marker.size(), id};
  }
  return hit;
}

}  // namespace

std::vector<std::int64_t> tokenize_with_image_markers(std::string_view prompt, const Tokenizer& tokenizer) {
  const std::optional<std::int64_t> bos = tokenizer.bos_id();
  std::vector<std::int64_t> ids;
  std::size_t chunk_start = 0;
  bool first_chunk = true;
  bool strip_bos = false;
  while (true) {
    const MarkerHit marker = next_marker(prompt, chunk_start);
    const std::size_t chunk_end = std::min(marker.position, prompt.size());
    const std::vector<std::int64_t> chunk = tokenizer.encode(prompt.substr(chunk_start, chunk_end - chunk_start));
    // LLaVA decides once, from the first chunk, whether chunks begin with BOS; later chunks then
    // lose their first token.
    if (first_chunk) strip_bos = !chunk.empty() && bos && chunk.front() == *bos;
    const std::size_t skip = (!first_chunk && strip_bos) ? 1 : 0;
    if (chunk.size() > skip) ids.insert(ids.end(), chunk.begin() + static_cast<std::ptrdiff_t>(skip), chunk.end());
    first_chunk = false;
    if (marker.position == std::string_view::npos) break;
    ids.push_back(marker.id);
    chunk_start = marker.position + marker.length;
  }
  return ids;
}

std::size_t count_image_markers(std::string_view text) {
  std::size_t count = 0;
  for (MarkerHit hit = next_marker(text, 0); hit.position != std::string_view::npos;
       hit = next_marker(text, hit.position + hit.length)) {
    ++count;
  }
  return count;
}

}  // namespace vdep
