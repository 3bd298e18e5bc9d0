// A matrix product with bfloat16 inputs and float32 sums: the products of
// `model.precision: "bf16"` (docs/speed.md#the-bf16-mode).
//
// Both operands are rounded to bfloat16 (round to nearest even; a subnormal
// becomes zero), consecutive k in pairs. Each output starts at zero and takes
// one pair at a time, k ascending, as the AVX512-BF16 instruction
// VDPBF16PS does:
//   acc = acc + a[2p+1]·b[2p+1], then acc = acc + a[2p]·b[2p]
// each an exact product (two 8-bit significands) added with one rounding to
// nearest even, a subnormal sum flushed to zero. Then c = acc (assign) or
// c = c + acc (accumulate). The sum depends only on the values and K, never
// on the tiling or the thread, so results are reproducible for any thread count.
//
// Where the CPU has AVX512-BF16 the kernel uses that instruction, 16 outputs
// to a vector; elsewhere a portable version performs the same operations
// (tests/test_gemm_bf16.cpp checks that the two agree bit for bit and
// against a scalar reference), slower.
#pragma once
#include <cstddef>
#include <cstdint>

#include "models/aligned_buffer.hpp"
#include "models/gemm.hpp"

namespace pebench {

// c[M,N] = a[M,K]·b[K,N] (accumulate: c += a·b); c row-major with row stride ldc.
void gemm_bf16(float* c, std::ptrdiff_t ldc, StridedMatrix a, StridedMatrix b, int M, int N, int K, bool accumulate);

// b[K,N] rounded and packed once for many products with it (the weight that
// every row block of a linear layer multiplies): gemm_bf16 with it gives the
// bits of gemm_bf16 with b itself.
class Bf16Matrix {
 public:
  void pack(StridedMatrix b, int K, int N);
  int rows() const { return K_; }
  int cols() const { return N_; }
  const uint32_t* pairs() const { return pairs_.data(); }  // [ceil(K/2), padded_cols()] pairs of k
  int padded_cols() const { return padded_n_; }

 private:
  AlignedBuffer<uint32_t> pairs_;
  int K_ = 0, N_ = 0, padded_n_ = 0;
};
// c[M,N] = a[M,K]·b (accumulate: c += a·b), K and N b's.
void gemm_bf16(float* c, std::ptrdiff_t ldc, StridedMatrix a, const Bf16Matrix& b, int M, bool accumulate);

// Whether gemm_bf16 runs on the CPU's bfloat16 dot products (AVX512-BF16),
// and a switch for tests to compare with the portable version.
bool gemm_bf16_in_hardware();
void gemm_bf16_allow_hardware(bool allow);

// The rounding of one float to bfloat16 (its upper 16 bits), and back.
uint16_t bf16_from_float(float x);
float float_from_bf16(uint16_t x);

}  // namespace pebench
