// What the benchmarks measure of their own process: elapsed time and resident memory.
#pragma once

#include <chrono>
#include <fstream>
#include <string>

namespace vdep::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A "Vm...:" field of /proc/self/status in KiB, -1 when absent.
inline long status_kib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

inline long peak_resident_kib() { return status_kib("VmHWM"); }

// Linux resets VmHWM to the current resident size when "5" is written to clear_refs.
inline bool reset_peak_resident() { return static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5"); }

}  // namespace vdep::bench
