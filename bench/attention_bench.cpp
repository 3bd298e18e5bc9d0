// pebench_attention_bench: the fused attention kernels of one training step
// (models/layers.hpp: attention_fused_forward, which keeps the weights for
// the backward, and attention_fused_backward), timed alone on one thread
// for the shapes the suites train: the CHE model of the `standard` suite
// (batch 32, 8 heads of 8 channels, bidirectional, 80 tokens: a length-40
// task's input and output) and the flip-flop model (causal, 8 heads of 32
// channels). Alone, because the VM this project measures on drifts by a
// third within minutes: a kernel change shows as a ratio of this program's
// figures from the binaries before and after, run alternately, long before
// it shows through a whole training step. Prints the best of the repeats
// and a checksum of the outputs (equal checksums: the same bits, as a
// change of the kernels must keep them; tests/test_layers.cpp checks that).
//
//   build/pebench_attention_bench [repeats]      (default 7)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/rng.hpp"
#include "models/layers.hpp"

using namespace pebench;

namespace {

struct Shape {
  const char* name;
  int B, h, T, d;
  bool causal;
  size_t heads() const { return size_t(B) * h * T * d; }    // [B,h,T,d]
  size_t scores() const { return size_t(B) * h * T * T; }  // [B,h,T,T]
};

std::vector<float> random_values(size_t n, Rng& rng) {
  std::vector<float> values(n);
  for (auto& v : values) v = static_cast<float>(rng.normal());
  return values;
}

// A checksum of the bits: any change of any output changes it (almost surely).
uint64_t bits_checksum(const std::vector<float>& values) {
  uint64_t sum = 1469598103934665603ull;
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    sum = (sum ^ bits) * 1099511628211ull;
  }
  return sum;
}

template <typename Fn>
double best_seconds(int repeats, Fn fn) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

void run(const Shape& s, int repeats) {
  Rng rng(11, "attention-bench");
  const std::vector<float> q = random_values(s.heads(), rng), k = random_values(s.heads(), rng),
                           v = random_values(s.heads(), rng), dout = random_values(s.heads(), rng);
  std::vector<float> out(s.heads()), probs(s.scores()), dq(s.heads()), dk(s.heads()), dv(s.heads());
  const double forward = best_seconds(repeats, [&] {
    attention_fused_forward(out.data(), probs.data(), q.data(), k.data(), v.data(), s.causal, s.B, s.h, s.T, s.d);
  });
  const double backward = best_seconds(repeats, [&] {
    attention_fused_backward(dq.data(), dk.data(), dv.data(), dout.data(), probs.data(), q.data(), k.data(),
                             v.data(), s.causal, s.B, s.h, s.T, s.d, Write::assign);
  });
  // Multiply-adds of the products (scores, weights·v; then dP, dv, dq, dk),
  // over the entries the mask keeps.
  const double kept = s.causal ? double(s.T) * (s.T + 1) / 2 : double(s.T) * s.T;
  const double flop = 2.0 * s.B * s.h * kept * s.d;
  std::vector<float> all(out);
  for (const auto* buffer : {&dq, &dk, &dv}) all.insert(all.end(), buffer->begin(), buffer->end());
  std::printf("%-9s B%d h%d T%d d%d %-13s forward %8.1f us %6.1f GFLOP/s   backward %8.1f us %6.1f GFLOP/s   "
              "checksum %016llx\n",
              s.name, s.B, s.h, s.T, s.d, s.causal ? "causal" : "bidirectional", forward * 1e6, 2 * flop / forward * 1e-9,
              backward * 1e6, 4 * flop / backward * 1e-9, static_cast<unsigned long long>(bits_checksum(all)));
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  omp_set_num_threads(1);
  std::printf("pebench_attention_bench: 1 thread, best of %d, AVX-512 kernels: %s\n", repeats,
              attention_uses_avx512() ? "yes" : "no");
  run({"standard", 32, 8, 80, 8, false}, repeats);
  run({"che", 128, 8, 80, 8, false}, repeats);
  run({"flipflop", 16, 8, 512, 32, true}, repeats);
  return 0;
}
