// What the benchmarks measure of their own process: elapsed time and resident memory.
#pragma once

#include <chrono>
#include <fstream>
#include <string>

#include "run/process_memory.h"

namespace vdep::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A field of /proc/self/status in KiB, -1 when absent: libvdep's reader, which the trainer's
// metrics use too.
inline long status_kib(const std::string& field) { return vdep::process_status_kib(field); }

inline long peak_resident_kib() { return status_kib("VmHWM"); }

// Linux resets VmHWM to the current resident size when "5" is written to clear_refs.
inline bool reset_peak_resident() { return static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5"); }

}  // namespace vdep::bench
