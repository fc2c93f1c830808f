// The "--flag value" pairs of a benchmark's command line, written into the variables that hold
// their defaults: each benchmark names its flags once, and an unknown flag or a missing value is
// an error rather than ignored.
#pragma once

#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <type_traits>

namespace vdep::bench {

class FlagValues {
 public:
  // A flag whose value is text (a std::string or a std::filesystem::path).
  template <class Text>
  FlagValues& text(const std::string& flag, Text& value) {
    setters_[flag] = [&value](const std::string& given) { value = Text(given); };
    return *this;
  }
  // A flag whose value is a number of `value`'s type.
  template <class Number>
  FlagValues& number(const std::string& flag, Number& value) {
    setters_[flag] = [&value](const std::string& given) {
      if constexpr (std::is_floating_point_v<Number>) {
        value = static_cast<Number>(std::stod(given));
      } else {
        value = static_cast<Number>(std::stoll(given));
      }
    };
    return *this;
  }

  // Reads argv[1..]; false, having said why on stderr, for an unknown flag, a flag without a value
  // or a value that is no number.
  bool parse(int argc, char** argv) const {
    for (int i = 1; i < argc; i += 2) {
      const auto setter = setters_.find(argv[i]);
      if (setter == setters_.end() || i + 1 >= argc) {
        std::fprintf(stderr, "%s: %s\n", argv[i], setter == setters_.end() ? "unknown flag" : "needs a value");
        return false;
      }
      try {
        setter->second(argv[i + 1]);
      } catch (const std::exception&) {
        std::fprintf(stderr, "%s: '%s' is not a number\n", argv[i], argv[i + 1]);
        return false;
      }
    }
    return true;
  }

 private:
  std::map<std::string, std::function<void(const std::string&)>> setters_;
};

}  // namespace vdep::bench
