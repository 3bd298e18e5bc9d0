// The transformer's layers as *_forward / *_backward pairs in the style of
// llm.c (karpathy/llm.c, train_gpt2.c): plain functions over raw row-major
// buffers, outputs first, sizes last, a shape comment on every buffer.
//
// Conventions
//   - Dimension legend: N rows (tokens, B·T), C channels, IC/OC in/out
//     channels, V vocabulary, B batch, h heads, T sequence length, d head dim.
//   - Forward functions write (=) their outputs.
//   - Backward functions ACCUMULATE (+=) into every gradient they produce
//     (parameter and input gradients alike); the caller zeroes buffers.
//
// Threads and determinism
//   OpenMP splits every kernel into work units whose boundaries depend only on
//   the problem size, never on the thread count: rows, (batch, head) pairs,
//   column blocks, (output-channel block, row block) pairs for weight
//   gradients. Each unit is computed by one thread with a fixed operation
//   order, and sums across units are taken in unit order afterwards. Eigen is
//   used single-threaded inside a unit, and its GEMM blocking depends only on
//   the matrix sizes and on cache sizes the engine fixes
//   (use_fixed_eigen_blocking in models/eigen.hpp). Hence every result is
//   bit-identical for any thread count and whatever the machine's caches.
//
//   linear_forward additionally takes `block_rows`: the GEMM row blocks. The
//   transformer passes a whole number of sequences, so a row's result never
//   depends on how a batch was split into sub-batches (see transformer.cpp).
//
// Each optimised kernel has a naive reference in models/layers_reference.hpp;
// tests check one against the other.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "models/gemm_bf16.hpp"
#include "models/model_config.hpp"
#include "models/write_mode.hpp"

namespace pebench {

// ---------------------------------------------------------------- embedding
// out[N,C] = scale · table[tokens[n], :]
template <typename T>
void embedding_forward(T* out, const int* tokens, const T* table, T scale, int N, int C);
// dtable[V,C] += scale · Σ_{n: tokens[n]=v} dout[n,:]
template <typename T>
void embedding_backward(T* dtable, const T* dout, const int* tokens, T scale, int N, int C);

// ---------------------------------------------------------------- linear
// Row-local work fused into linear_forward: before(first_row, rows) runs
// just before a row block's product (e.g. writes the block's input rows),
// after(first_row, rows) just after it (e.g. dropout, residual and
// LayerNorm of the block's output rows), by the thread that owns the block,
// while its rows are in cache. A hook sees only its own rows, and runs inside
// the layer's parallel region: whatever it calls runs on that one thread
// (parallel_worthwhile is false in a parallel region), so the layer costs
// one wake-up of the workers instead of one per pass. Empty: no hook.
using RowBlockHook = std::function<void(int first_row, int rows)>;

// out[N,OC] = in[N,IC] · weight[OC,IC]ᵀ + bias[OC]   (bias may be null)
// precision: of the products' inputs (ModelConfig::precision); every other
// operation, the bias's addition and the weight gradients' sums over the row
// blocks among them, is float32 (T) whatever it is.
template <typename T>
void linear_forward(T* out, const T* in, const T* weight, const T* bias, int N, int IC, int OC,
                    int block_rows, const RowBlockHook& before = {}, const RowBlockHook& after = {},
                    Precision precision = Precision::fp32);
// The pieces of linear_forward, for a caller that runs layers' row blocks
// itself (the FFN, so that a block's hidden activations never leave the
// cache): for_row_blocks(N, block_rows, work, body) calls body(first_row,
// rows) for the blocks of [0, N), spread over the threads when `work` (the
// multiply-adds of all blocks) is worth it, as linear_forward does;
// weight_t[IC,OC] = weight[OC,IC]ᵀ, built once before the blocks;
// out[rows,OC] = in[rows,IC] · weight_t + bias (one block; the same
// arithmetic as linear_forward's block of those rows).
void for_row_blocks(int N, int block_rows, size_t work, const RowBlockHook& body);
template <typename T>
void linear_transpose_weight(T* weight_t, const T* weight, int IC, int OC);
template <typename T>
void linear_rows_forward(T* out, const T* in, const T* weight_t, const T* bias, int rows, int IC, int OC,
                         const Bf16Matrix* bf16_weight = nullptr);
// At model.precision bf16, a float layer's row blocks take bfloat16 inputs:
// bf16_weight is weight_t packed once before the blocks (linear_pack_weight;
// nullptr: float32, and always for double).
template <typename T>
const Bf16Matrix* linear_pack_weight(Bf16Matrix& packed, const T* weight_t, int IC, int OC, Precision precision);
// din[N,IC] += dout[N,OC] · weight[OC,IC]       (din may be null; = with Write::assign)
// dweight[OC,IC] += doutᵀ · in[N,IC]
// dbias[OC] += Σ_n dout[n,:]                     (dbias may be null)
template <typename T>
void linear_backward(T* din, T* dweight, T* dbias, const T* dout, const T* in, const T* weight, int N,
                     int IC, int OC, int block_rows, Write din_write = Write::accumulate,
                     Precision precision = Precision::fp32);

// ---------------------------------------------------------------- layernorm
// out[N,C] = (in − mean)·rstd ⊙ weight[C] + bias[C], mean[N], rstd[N] kept for
// backward; rstd = 1/sqrt(var + 1e-5) with the biased variance (Ba et al. 2016).
template <typename T>
void layernorm_forward(T* out, T* mean, T* rstd, const T* in, const T* weight, const T* bias, int N,
                       int C);
// din[N,C] +=, dweight[C] +=, dbias[C] += from dout[N,C].
template <typename T>
void layernorm_backward(T* din, T* dweight, T* dbias, const T* dout, const T* in, const T* weight,
                        const T* mean, const T* rstd, int N, int C);

// ---------------------------------------------------------------- activation
// out[n] = relu(in) or gelu(in) (tanh approximation, Hendrycks & Gimpel 2016,
// as in GPT-2 / llm.c and jax.nn.gelu's default).
template <typename T>
void activation_forward(T* out, const T* in, Activation activation, size_t n);
// din[n] += act'(in) · dout   (= with Write::assign)
template <typename T>
void activation_backward(T* din, const T* dout, const T* in, Activation activation, size_t n,
                         Write write = Write::accumulate);

// ---------------------------------------------------------------- dropout
// Inverted dropout: x[b,e] *= keep/(1−p), in place. keep[B,E] (1 = kept) is
// drawn per sequence from Rng(seed, (site << 32) | first_sequence + b), so a
// sequence's mask depends only on (seed, site, its index), not on threads.
template <typename T>
void dropout_forward(T* x, uint8_t* keep, double p, uint64_t seed, uint64_t site, int first_sequence,
                     int B, size_t E);
// din[B,E] += dout ⊙ keep/(1−p)   (= with Write::assign)
template <typename T>
void dropout_backward(T* din, const T* dout, const uint8_t* keep, double p, size_t n,
                      Write write = Write::accumulate);

// ---------------------------------------------------------------- CPU paths
// The float attention softmax and score kernel (heads of dimension <= 32)
// and the DAPE MLP also have AVX-512 builds, used on a CPU that has it: 16
// keys per vector instead of 8, each output the same chain of operations, so
// the same bits. Tests switch them off to compare the two.
void attention_allow_avx512(bool allow);
bool attention_uses_avx512();

// ---------------------------------------------------------------- zeroing
// x[n] = 0, threads splitting the buffer (a gradient buffer is zeroed before
// its kernels accumulate into it; on one thread these passes cost as much as
// some kernels).
template <typename T>
void fill_zero(T* x, size_t n);

// The first n elements of a buffer.
template <typename T>
struct BufferPrefix {
  T* data;
  size_t n;
};
// Zeroes every listed prefix in one parallel pass. Each parallel region costs
// a wake-up of the sleeping workers (tens of microseconds on a VM with
// OMP_WAIT_POLICY=PASSIVE), so a layer's backward zeroes all its gradient
// buffers at once rather than one region per buffer.
template <typename T>
void fill_zero(const std::vector<BufferPrefix<T>>& buffers);

// ---------------------------------------------------------------- residual
// out[n] = a[n] + b[n]
template <typename T>
void residual_forward(T* out, const T* a, const T* b, size_t n);
// da[n] += dout, db[n] += dout   (= with Write::assign); db may be nullptr
// (a caller that writes db itself, e.g. through a dropout mask)
template <typename T>
void residual_backward(T* da, T* db, const T* dout, size_t n, Write write = Write::accumulate);

// ---------------------------------------------------------------- attention
// Multi-head attention core, between the projections:
//   split_heads -> (hook 2) -> scores -> (hook 3) -> softmax_values -> merge_heads
//
// qkv[B,T,3C] (each row: q | k | v, each C = h·d with heads contiguous)
//   -> q, k, v [B,h,T,d]
template <typename T>
void split_heads_forward(T* q, T* k, T* v, const T* qkv, int B, int h, int T_, int d);
// dqkv[B,T,3C] += dq, dk, dv [B,h,T,d]   (= with Write::assign)
template <typename T>
void split_heads_backward(T* dqkv, const T* dq, const T* dk, const T* dv, int B, int h, int T_, int d,
                          Write write = Write::accumulate);

// heads[B,h,T,d] -> out[B,T,C]
template <typename T>
void merge_heads_forward(T* out, const T* heads, int B, int h, int T_, int d);
// dheads[B,h,T,d] += dout[B,T,C]   (= with Write::assign)
template <typename T>
void merge_heads_backward(T* dheads, const T* dout, int B, int h, int T_, int d, Write write = Write::accumulate);

// scores[B,h,T,T] = q·kᵀ/sqrt(d). Causal: only entries j <= i are written
// (the rest are masked later and never read).
template <typename T>
void attention_scores_forward(T* scores, const T* q, const T* k, bool causal, int B, int h, int T_, int d);
// dq[B,h,T,d] += dscores·k/sqrt(d), dk += dscoresᵀ·q/sqrt(d).
// dscores[B,h,T,T] must be 0 on masked entries (attention_softmax_values_backward
// leaves them so).
template <typename T>
void attention_scores_backward(T* dq, T* dk, const T* dscores, const T* q, const T* k, bool causal, int B,
                               int h, int T_, int d);

// probs[B,h,T,T]: on entry the final logits, on exit softmax over the keys
// the mask allows (j <= i when causal), 0 elsewhere. out[B,h,T,d] = probs·v.
template <typename T>
void attention_softmax_values_forward(T* out, T* probs, const T* v, bool causal, int B, int h, int T_,
                                      int d);
// From dout[B,h,T,d]: dv[B,h,T,d] += probsᵀ·dout, and
// dscores[B,h,T,T] = P ⊙ (dP − rowsum(P ⊙ dP)) with dP = dout·vᵀ, 0 on masked
// entries. dscores is WRITTEN, the one exception to the += rule: it is the
// largest gradient buffer ([T,T] per head) and this is its only producer, so
// zeroing it first would be a whole extra pass over memory.
template <typename T>
void attention_softmax_values_backward(T* dscores, T* dv, const T* dout, const T* probs, const T* v,
                                       bool causal, int B, int h, int T_, int d);

// An additive attention bias: a logits hook that only adds a bias
// independent of q and k (S += Bias; dS passes through), as ALiBi, T5,
// KERPLE, FIRE and MEP do (Encoding::attention_bias). values: [h,T,T] shared
// by the batch, or [B,h,T,T] when per_example; nullptr: no bias.
// has_gradient: the bias has parameters, which need dS.
template <typename T>
struct AttentionBias {
  const T* values = nullptr;
  bool per_example = false;
  bool has_gradient = false;
};
// The [T,T] block of unit (b, a).
template <typename T>
const T* attention_bias_unit(const AttentionBias<T>& bias, int b, int a, int h, int T_);
// s[T,T] += bias[T,T], every entry (a causal mask's too: softmax never reads them).
template <typename T>
void attention_bias_add(T* s, const T* bias, int T_);

// Fused attention, for encodings without a logits hook (hook 3) or whose
// hook is an additive bias: scores, bias, masked softmax and probs·v done
// per (b, a) unit while its [T,T] block is in cache, instead of passes over
// the whole [B,h,T,T] tensor. The arithmetic is the kernels' above, unit by
// unit, so the results are bit-identical to attention_scores_forward (+ the
// bias) + attention_softmax_values_forward.
// out[B,h,T,d] = softmax(q·kᵀ/sqrt(d) + bias + mask)·v. probs[B,h,T,T]
// receives the weights for backward; nullptr (evaluation) keeps each unit's
// [T,T] in a per-thread buffer, so no [B,h,T,T] tensor exists at all.
template <typename T>
void attention_fused_forward(T* out, T* probs, const T* q, const T* k, const T* v, bool causal, int B, int h,
                             int T_, int d, const AttentionBias<T>& bias = {});
// dq, dk, dv[B,h,T,d] += the gradients of attention_fused_forward from
// dout[B,h,T,d], with each unit's score gradient in a per-thread [T,T] buffer,
// or in dscores[B,h,T,T] where given; bit-identical to
// attention_softmax_values_backward + attention_scores_backward.
// Write::assign: = instead of +=; each unit's slices are zeroed just before
// its kernels add into them, while they are in cache.
// dbias (optional, [h,T,T]): += Σ_b dS[b,a] for a bias shared by the batch,
// summed over b in order while each unit's dS is in cache (the threads then
// split the heads: a thread owns a head's sum).
template <typename T>
void attention_fused_backward(T* dq, T* dk, T* dv, const T* dout, const T* probs, const T* q, const T* k,
                              const T* v, bool causal, int B, int h, int T_, int d, Write write = Write::accumulate,
                              T* dscores = nullptr, T* dbias = nullptr);

// ---------------------------------------------------------------- head products
// Products of one head's small matrices, for encodings whose per-head work
// has the shape of attention (CoPE's position logits and their gradients).
// A head of d <= 32 channels takes the register-tiled kernels the attention
// uses (no packing, which costs as much as the arithmetic at these sizes);
// wider heads take the GEMM. Each output's sum depends only on the values.
//
// The columns of a [rows, cols] operand that row i uses: j < at_row0 +
// per_row·i (per_row −1, 0 or +1), within [0, cols). A causal mask is
// {1, +1}; CoPE's position tables, which a row can only reach up to its
// distance from the sequence's ends, are {2, +1} and {T + 1, −1}. The small
// kernels skip the rest, which halves such products and changes no bit:
// what they skip is never read (abt) or multiplies weights that are 0 (the
// _add products require that). The GEMM path computes every column.
struct ColumnBand {
  int at_row0 = 0, per_row = 0;  // per_row 0: every column
  static ColumnBand all() { return {0, 0}; }
  static ColumnBand causal() { return {1, 1}; }
  // One past row i's last column.
  int end(int i, int cols) const {
    return per_row == 0 ? cols : std::clamp(at_row0 + per_row * i, 0, cols);
  }
  // One past the last column of any row in [i0, i0 + rows) (the band is linear in i).
  int widest_end(int i0, int rows, int cols) const { return std::max(end(i0, cols), end(i0 + rows - 1, cols)); }
  // The rows of [begin, end) whose band reaches column j.
  struct Rows {
    int begin, end;
  };
  Rows rows_reaching(int j, int begin, int end) const {
    if (per_row > 0) return {std::max(begin, j - at_row0 + 1), end};  // at_row0 + i > j
    if (per_row < 0) return {begin, std::min(end, at_row0 - j)};      // at_row0 − i > j
    return {begin, end};
  }
};

// out[rows, cols] = alpha · a[rows, d]·b[cols, d]ᵀ (entries outside the band unspecified)
template <typename T>
void head_product_abt(T* out, const T* a, const T* b, T alpha, int rows, int cols, int d,
                      ColumnBand band = ColumnBand::all());
// out[rows, d] += alpha · w[rows, cols]·b[cols, d]   (w 0 outside the band)
template <typename T>
void head_product_ab_add(T* out, const T* w, const T* b, T alpha, int rows, int cols, int d,
                         ColumnBand band = ColumnBand::all());
// out[cols, d] += alpha · w[rows, cols]ᵀ·a[rows, d]  (w 0 outside the band)
template <typename T>
void head_product_atb_add(T* out, const T* w, const T* a, T alpha, int rows, int cols, int d,
                          ColumnBand band = ColumnBand::all());

// ---------------------------------------------------------------- loss
// Cross-entropy per row: losses[N] = −log softmax(logits[n])[targets[n]], 0
// where targets[n] < 0 (no target). predictions[N] = argmax (lowest index on
// ties). Computed in double whatever T is.
template <typename T>
void crossentropy_forward(double* losses, int* predictions, const T* logits, const int* targets, int N,
                          int V);
// dlogits[N,V] += (softmax(logits) − onehot(target)) · dloss on rows with a target.
template <typename T>
void crossentropy_backward(T* dlogits, const T* logits, const int* targets, T dloss, int N, int V);

}  // namespace pebench
