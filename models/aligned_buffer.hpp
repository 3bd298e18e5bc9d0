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
#include <cstdint>
#include <new>
#include <vector>

namespace pebench {

constexpr std::size_t kCacheLineBytes = 64;

// Allocates through plain operator new, kCacheLineBytes more than asked,
// and hands out the first cache-line boundary after the block's start (at
// least one byte after it: that byte records the distance back). Why not
// the aligned operator new: glibc serves large aligned requests in a way
// that keeps their pages after they are freed, and the training buffers of
// one cell then stayed resident through the next evaluation (the bench's
// flip-flop evaluation at length 1000 showed 469 MiB instead of 204).
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) {
    unsigned char* block = static_cast<unsigned char*>(::operator new(n * sizeof(T) + kCacheLineBytes));
    const std::size_t past_line = reinterpret_cast<std::uintptr_t>(block) % kCacheLineBytes;
    unsigned char* data = block + (kCacheLineBytes - past_line);  // 1..64 bytes in
    data[-1] = static_cast<unsigned char>(data - block);
    return reinterpret_cast<T*>(data);
  }
  void deallocate(T* p, std::size_t) {
    unsigned char* data = reinterpret_cast<unsigned char*>(p);
    ::operator delete(data - data[-1]);
  }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const { return false; }
};

template <typename T>
using AlignedBuffer = std::vector<T, CacheLineAllocator<T>>;

}  // namespace pebench
