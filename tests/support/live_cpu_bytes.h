// The bytes of CPU tensor storage alive at a moment, exactly: LibTorch's CPU allocator is wrapped
// by one that counts, for the wrapper's lifetime. Storage allocated before keeps its own deleter.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include "libtorch_version.h"

namespace vdep::test {

class LiveCpuBytes {
 public:
  LiveCpuBytes() : counting_(c10::GetCPUAllocator()) { c10::SetCPUAllocator(&counting_); }
  ~LiveCpuBytes() { c10::SetCPUAllocator(counting_.inner); }
  LiveCpuBytes(const LiveCpuBytes&) = delete;
  LiveCpuBytes& operator=(const LiveCpuBytes&) = delete;

  // Counted since the wrapper was installed (storage freed after its removal still counts down).
  static std::int64_t now() { return live().load(); }

 private:
  static std::atomic<std::int64_t>& live() {
    static std::atomic<std::int64_t> bytes{0};
    return bytes;
  }

  struct Block {
    c10::DataPtr data;
    std::int64_t bytes;
  };

  static void release(void* context) {
    auto* block = static_cast<Block*>(context);
    live() -= block->bytes;
    delete block;
  }

  struct CountingAllocator final : c10::Allocator {
    explicit CountingAllocator(c10::Allocator* inner_allocator) : inner(inner_allocator) {}
#if VDEP_LIBTORCH_HAS_MUTABLE_ALLOCATOR
    c10::DataPtr allocate(std::size_t bytes) override { return counted(bytes); }
    void copy_data(void* destination, const void* source, std::size_t bytes) const override {
      default_copy_data(destination, source, bytes);
    }
#else
    c10::DataPtr allocate(std::size_t bytes) const override { return counted(bytes); }
#endif
    c10::DeleterFnPtr raw_deleter() const override { return nullptr; }
    c10::DataPtr counted(std::size_t bytes) const {
      auto* block = new Block{inner->allocate(bytes), static_cast<std::int64_t>(bytes)};
      live() += block->bytes;
      void* data = block->data.get();
      const c10::Device device = block->data.device();
      return {data, block, &release, device};
    }
    c10::Allocator* inner;
  };

  CountingAllocator counting_;
};

}  // namespace vdep::test
