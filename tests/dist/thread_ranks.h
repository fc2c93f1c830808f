// Runs one function per rank, each on its own thread with its own Gloo process group; the ranks
// meet through a file store in a fresh temporary folder.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "dist/process_group.h"

namespace vdep::test {

inline void run_thread_ranks(int size, const std::function<void(ProcessGroup&)>& body) {
  static std::atomic<int> runs{0};
  const std::filesystem::path store = std::filesystem::temp_directory_path() /
                                      ("vdep-dist-test-" + std::to_string(::getpid()) + "-" + std::to_string(runs++));
  std::filesystem::remove(store);
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(size));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < size; ++rank) {
    threads.emplace_back([&, rank] {
      try {
        std::unique_ptr<ProcessGroup> group =
            ProcessGroup::through_file(store.string(), rank, size, std::chrono::seconds(30));
        body(*group);
        // A rank that returned first would close its connections under the others' collectives.
        group->barrier();
      } catch (...) {
        failures[static_cast<std::size_t>(rank)] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::filesystem::remove(store);
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

}  // namespace vdep::test
