// mep: parameter-free MEP (Gao 2024, "MEP: Multiple Kernel Learning Enhancing
// Relative Positional Encoding Length Extrapolation", arXiv 2403.17698;
// vangogh0318/MEP
// megatron/mpu/layers.py ParallelSNOPE.kernel_merge, config
// ali_ali05_gaussian_all003_fp32; specs/encodings.md §13).
//
//   Bias[a,i,j] = log( (exp(−m_a d) + exp(−0.5·m_a d) + exp(−m_a d²)) / 3 )
//
// m_a the ALiBi slopes (specs §5), added after the 1/sqrt(d_h) scaling. Since
// softmax(S + log K) ∝ K ⊙ exp(S), this is the paper's post-softmax
// reweighting by a mixture of kernels. Computed as a log-mean-exp of the three
// log-kernels (exp(−m d²) underflows first). Bias(0) = 0; for large d it tends
// to −0.5·m_a·d − log 3.
// Parameters: none (one fixed table, the same in every layer). Options: none.
// Causal: d = i − j on the kept entries. Bidirectional: d = |i − j|
// (DESIGN §2; the reference is causal only).
#include <array>

#include "models/encodings/log_mean_exp.hpp"
#include "models/position_math.hpp"
#include "models/relative_bias.hpp"

namespace pebench {

template <typename T>
class Mep : public RelativeBias<T> {
 protected:
  void compute_table(T* table, int, const EncodingContext& ctx) override {
    const std::vector<double> slopes = alibi_slopes(ctx.n_heads);
    const int width = relative_table_size(ctx.seq_len);
    for (int a = 0; a < ctx.n_heads; ++a)
      for (int o = ctx.causal ? ctx.seq_len - 1 : 0; o < width; ++o) {
        const double d = std::abs(offset_of(o, ctx.seq_len)), m = slopes[a];
        const std::array<double, 3> log_kernels = {-m * d, -0.5 * m * d, -m * d * d};
        table[static_cast<size_t>(a) * width + o] = static_cast<T>(log_mean_exp(log_kernels));
      }
  }
};

PEBENCH_ENCODING(Mep, "mep");

}  // namespace pebench
