// pebench_gemm_bench: the linear layers' matrix products of one training step
// of the CHE model (5 layers, d_model 64, d_ff 256, batch 128 × 80 = 10,240
// rows), computed as the engine computes them (row blocks of 240 for the
// forward and input-gradient products, 512-row × 64-channel units for the
// weight gradients), once through Eigen's GEMM and once through the
// packing-free kernel of models/gemm.cpp, alternately; then the same
// products on one block whose operands stay in cache. Prints GFLOP/s (best
// of the repeats) and checks that both give the same bits.
//
//   build/pebench_gemm_bench [repeats]      (one thread; default 5 repeats)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/rng.hpp"
#include "models/matrix.hpp"

using namespace pebench;

namespace {

constexpr int kLayers = 5, kRows = 10240, kModel = 64, kHidden = 256, kBlockRows = 240;
constexpr int kGradRows = 512, kGradChannels = 64;

std::vector<float> random_values(size_t n, Rng& rng) {
  std::vector<float> values(n);
  for (auto& v : values) v = static_cast<float>(rng.normal());
  return values;
}

// One linear layer's buffers: input x [N,IC], weight w [OC,IC], its
// transpose [IC,OC] (as linear_forward passes it), output and gradients.
struct Linear {
  int in, out;
  std::vector<float> x, w, wt, y, dy, dx, dw;
  Linear(int in_, int out_, Rng& rng)
      : in(in_), out(out_), x(random_values(size_t(kRows) * in, rng)), w(random_values(size_t(out) * in, rng)),
        wt(size_t(in) * out), y(size_t(kRows) * out), dy(random_values(size_t(kRows) * out, rng)),
        dx(size_t(kRows) * in), dw(size_t(out) * in) {
    for (int o = 0; o < out; ++o)
      for (int i = 0; i < in; ++i) wt[size_t(i) * out + o] = w[size_t(o) * in + i];
  }
};

struct Product {
  bool through_eigen;
  double flop = 0;
  template <typename Dst, typename Lhs, typename Rhs>
  void operator()(Dst&& dst, const Lhs& lhs, const Rhs& rhs, Write write) {
    flop += 2.0 * double(dst.rows()) * double(dst.cols()) * double(lhs.cols());
    if (through_eigen) eigen_multiply(dst, lhs, rhs, 1.0f, write);
    else multiply(dst, lhs, rhs, 1.0f, write);
  }
};

// The three kinds of product of a linear layer.
enum Kinds : unsigned { kForward = 1, kInputGradient = 2, kWeightGradient = 4, kAllKinds = 7 };

// The products of one layer over rows [0, rows), of the kinds asked.
void layer_products(Linear& l, int rows, Product& product, unsigned kinds) {
  for (int r0 = 0; r0 < rows; r0 += kBlockRows) {
    const int n = std::min(kBlockRows, rows - r0);
    if (kinds & kForward)
      product(matrix(l.y.data() + size_t(r0) * l.out, n, l.out, l.out),
              matrix(static_cast<const float*>(l.x.data()) + size_t(r0) * l.in, n, l.in, l.in),
              matrix(static_cast<const float*>(l.wt.data()), l.in, l.out, l.out), Write::assign);
    if (kinds & kInputGradient)
      product(matrix(l.dx.data() + size_t(r0) * l.in, n, l.in, l.in),
              matrix(static_cast<const float*>(l.dy.data()) + size_t(r0) * l.out, n, l.out, l.out),
              matrix(static_cast<const float*>(l.w.data()), l.out, l.in, l.in), Write::accumulate);
  }
  if (!(kinds & kWeightGradient)) return;
  for (int r0 = 0; r0 < rows; r0 += kGradRows)
    for (int o0 = 0; o0 < l.out; o0 += kGradChannels) {
      const int n = std::min(kGradRows, rows - r0);
      product(matrix(l.dw.data() + size_t(o0) * l.in, kGradChannels, l.in, l.in),
              matrix(static_cast<const float*>(l.dy.data()) + size_t(r0) * l.out + o0, n, kGradChannels, l.out)
                  .transpose(),
              matrix(static_cast<const float*>(l.x.data()) + size_t(r0) * l.in, n, l.in, l.in), Write::assign);
    }
}

// GFLOP/s of the products over `rows` rows of every layer.
double time_products(std::vector<Linear>& layers, int rows, bool through_eigen, unsigned kinds = kAllKinds) {
  Product product{through_eigen};
  const auto start = std::chrono::steady_clock::now();
  for (auto& layer : layers) layer_products(layer, rows, product, kinds);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return product.flop / seconds * 1e-9;
}

// Outputs of every layer, to compare the two paths bit for bit.
std::vector<float> outputs(const std::vector<Linear>& layers) {
  std::vector<float> all;
  for (const auto& l : layers)
    for (const auto* buffer : {&l.y, &l.dx, &l.dw}) all.insert(all.end(), buffer->begin(), buffer->end());
  return all;
}

void report(const char* what, std::vector<Linear>& layers, int rows, int repeats, int passes_per_repeat,
            unsigned kinds = kAllKinds) {
  double best_eigen = 0, best_kernel = 0;
  for (int r = 0; r < repeats; ++r) {
    double eigen = 0, kernel = 0;
    for (int p = 0; p < passes_per_repeat; ++p) eigen = std::max(eigen, time_products(layers, rows, true, kinds));
    for (int p = 0; p < passes_per_repeat; ++p) kernel = std::max(kernel, time_products(layers, rows, false, kinds));
    best_eigen = std::max(best_eigen, eigen);
    best_kernel = std::max(best_kernel, kernel);
  }
  std::printf("%-46s Eigen %6.1f GFLOP/s   kernel %6.1f GFLOP/s   (%.2fx)\n", what, best_eigen, best_kernel,
              best_kernel / best_eigen);
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  use_fixed_eigen_blocking();
  std::printf("kernel available in this build: %s\n", gemm_in_eigen_order_available() ? "yes" : "no (Eigen both times)");
  Rng rng(7, "gemm-bench");
  std::vector<Linear> layers;
  for (int l = 0; l < kLayers; ++l) {
    layers.emplace_back(kModel, 3 * kModel, rng);  // q, k, v
    layers.emplace_back(kModel, kModel, rng);      // attention output
    layers.emplace_back(kModel, kHidden, rng);     // FFN in
    layers.emplace_back(kHidden, kModel, rng);     // FFN out
  }
  time_products(layers, kRows, true);
  const std::vector<float> eigen = outputs(layers);
  for (auto& l : layers) std::fill(l.dx.begin(), l.dx.end(), 0.0f);  // the input gradients accumulate
  time_products(layers, kRows, false);
  const std::vector<float> kernel = outputs(layers);
  size_t differing = 0;
  for (size_t i = 0; i < kernel.size(); ++i) differing += std::memcmp(&kernel[i], &eigen[i], sizeof(float)) != 0;
  std::printf("outputs of the two paths: %s (%zu of %zu differ)\n", differing == 0 ? "bit-identical" : "DIFFERENT",
              differing, kernel.size());
  report("one training step's linear products", layers, kRows, repeats, 1);
  report("  of which the forward products", layers, kRows, repeats, 1, kForward);
  report("  the input-gradient products", layers, kRows, repeats, 1, kInputGradient);
  report("  the weight-gradient products", layers, kRows, repeats, 1, kWeightGradient);
  std::vector<Linear> block(layers.begin(), layers.begin() + 4);
  report("one layer, one 240-row block, in cache", block, kBlockRows, repeats, 20);
  return differing == 0 ? 0 : 1;
}
