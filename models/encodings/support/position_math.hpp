// Position math shared by several encodings: ALiBi slopes, sinusoid rows and
// RoPE rotations. Plain functions over raw buffers, usable from any plugin.
#pragma once
#include <cmath>
#include <vector>

namespace pebench {

// ALiBi head slopes for any head count (docs/encodings.md#alibi): for n = 2^k,
// 2^(-8a/n), a = 1..n; otherwise slopes(c) ++ slopes(2c)[0::2][:n-c] with
// c = 2^floor(log2 n). Used by alibi, rand_alibi, bipe_alibi, mep, dape_alibi.
std::vector<double> alibi_slopes(int n_heads);

// ALiBi bias of one layer, bias: [h,T,T] (entries above the diagonal are left
// untouched when causal):
//   causal:        Bias[a,i,j] = −m_a·r_{i−j}                        (j <= i)
//   bidirectional: Bias[a,i,j] =  m_a·(−r_{|i−j|} + 0.5·[j < i])     (CHE/RPE reference)
// distance: [T], r_d = the distance used for offset d: a sampled distance for
// rand_alibi. slopes: [h] (alibi_slopes). The one place this formula is written.
template <typename T>
void alibi_bias(T* bias, const std::vector<double>& slopes, const int* distance, bool causal, int seq_len);
// The same with the true distance r_d = d (alibi, dape_alibi).
template <typename T>
void alibi_bias(T* bias, const std::vector<double>& slopes, bool causal, int seq_len);

// Sinusoid of one position, concatenated layout [sin(p·ω_0..ω_{D/2-1}) | cos(...)],
// ω_i = 10000^(-2i/D) (docs/encodings.md#sinusoidal, the CHE/RPE reference layout).
// out: [dim]; dim must be even.
template <typename T>
void sinusoid_row(T* out, double position, int dim);

// RoPE on x: [B,h,T,d_h] in place, interleaved pairs (2k, 2k+1),
// θ_k = base^(-2k/d_h) (docs/encodings.md#rope, the CHE reference convention).
// positions: [T] shared by the batch, or [B,T] when per_example is true.
// direction = +1 rotates by +pθ (forward); -1 by -pθ (the backward, Rᵀ).
template <typename T>
void rope_apply(T* x, const double* positions, bool per_example, int batch, int heads, int seq_len,
                int d_head, int direction, double base = 10000.0);

}  // namespace pebench
