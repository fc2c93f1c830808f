// `vdep-run tokenize`: text through a model's tokenizer, as ids and pieces for a person to read, or
// as JSON lines for comparison with another implementation (HF tokenizers).
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include <vdep/tokenizer.h>

#include "commands.h"
#include "tokenizers/utf8.h"
#include "usage_error.h"

namespace vdep {

namespace {

// Control characters and backslashes escaped, so that every piece shows on one line and a piece
// of white space ("\n", Phi-2's tab runs) can be told apart from another.
std::string visible(const std::string& piece) {
  std::string out;
  for (char c : piece) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

void print_table(const Tokenizer& tokenizer, const std::vector<std::int64_t>& ids) {
  std::printf("%zu tokens:", ids.size());
  for (std::int64_t id : ids) std::printf(" %lld", static_cast<long long>(id));
  std::printf("\n%-6s %-8s %s\n", "INDEX", "ID", "PIECE");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::printf("%-6zu %-8lld %s\n", i, static_cast<long long>(ids[i]), visible(tokenizer.piece(ids[i])).c_str());
  }
}

void write_json_lines(const Tokenizer& tokenizer, const TokenizeOptions& options) {
  std::string line;
  for (std::size_t number = 1; std::getline(std::cin, line); ++number) {
    if (const auto offset = first_invalid_utf8(line)) {
      throw UsageError("stdin line " + std::to_string(number) + ": not valid UTF-8 (byte " + std::to_string(*offset) + ")");
    }
    const nlohmann::ordered_json record = {{"text", line}, {"ids", tokenizer.encode(line, options)}};
    std::cout << record.dump() << '\n';
  }
  std::cout.flush();
}

}  // namespace

int run_tokenize_command(const CommandLine& line) {
  if (!std::filesystem::exists(line.tokenizer)) throw UsageError("tokenizer not found: " + line.tokenizer.string());
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(line.tokenizer);
  TokenizeOptions options;
  options.add_special_tokens = !line.no_special;
  if (line.jsonl) {
    write_json_lines(*tokenizer, options);
    return 0;
  }
  const std::string& text = line.operands.front();
  if (const auto offset = first_invalid_utf8(text)) {
    throw UsageError("the text is not valid UTF-8 (byte " + std::to_string(*offset) + ")");
  }
  print_table(*tokenizer, tokenizer->encode(text, options));
  return 0;
}

}  // namespace vdep
