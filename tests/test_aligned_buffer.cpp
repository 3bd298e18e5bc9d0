// models/aligned_buffer.hpp: the engine's activation, gradient, parameter and
// scratch buffers start on a 64-byte cache line whatever their size, also
// after growing, so the AVX-512 kernels' 16-float loads of a row never span
// two lines.
#include <gtest/gtest.h>

#include <cstdint>

#include "models/aligned_buffer.hpp"

using namespace pebench;

namespace {
bool on_cache_line(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % kCacheLineBytes == 0; }
}  // namespace

TEST(AlignedBuffer, DataStartsOnACacheLineForEverySize) {
  for (size_t n : {size_t(1), size_t(3), size_t(17), size_t(1000), size_t(1) << 20}) {
    AlignedBuffer<float> floats(n);
    AlignedBuffer<double> doubles(n);
    EXPECT_TRUE(on_cache_line(floats.data())) << n;
    EXPECT_TRUE(on_cache_line(doubles.data())) << n;
  }
}

TEST(AlignedBuffer, StaysOnACacheLineWhenItGrows) {
  AlignedBuffer<float> buffer(5, 1.5f);
  for (size_t n : {size_t(33), size_t(4097), size_t(1) << 18}) {
    buffer.resize(n);
    EXPECT_TRUE(on_cache_line(buffer.data())) << n;
    EXPECT_EQ(buffer[4], 1.5f) << "growing keeps the contents";
  }
}
