// AlignedBuffer<T>: a std::vector whose data start on a 64-byte cache line.
//
// Why: the AVX-512 kernels load 16 floats (64 bytes) at a time. From
// malloc's 16-byte alignment every such load spans two cache lines, which
// cost the matrix products 15–20% on the engine's shapes (see docs/speed.md).
// With a buffer's base on a line, every row whose length is a multiple of 16
// floats (d_model 64, 3·64, d_ff 256) starts on one too. Alignment never
// changes a result: every kernel computes each output in an order fixed by
// the sizes alone (models/vector_math.hpp, models/gemm.hpp).
#pragma once
#include <cstddef>
#include <new>
#include <vector>

namespace pebench {

constexpr std::size_t kCacheLineBytes = 64;

template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kCacheLineBytes)));
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(kCacheLineBytes)); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const { return false; }
};

template <typename T>
using AlignedBuffer = std::vector<T, CacheLineAllocator<T>>;

}  // namespace pebench
