// The DAPE V1 logit transform of one attention layer (Zheng et al. 2024,
// "DAPE: Data-Adaptive Positional Encoding for Length Extrapolation";
// chuanyang-Zheng/DAPE DAPE.py AliBi_DAPE / ParallelKerpleLog_DAPE / FIRE_DAPE;
// docs/encodings.md#dape). For every batch element b and kept entry (i, j):
//
//   u   = [x[b,:,i,j] ; bias[:,i,j]]                       2h channels: logits, then biases
//   hid = w1·u + b1                                        w1: [w,2h]
//   S[b,:,i,j] = x + bias + w2·LeakyReLU_0.01(hid) + b2    w2: [h,w]
//
// x = q·kᵀ/sqrt(d_h), bias the layer's base bias (shared by the batch). The
// MLP mixes across heads, point-wise in (b,i,j), so masked entries never leak
// (they are skipped and masked afterwards).
//
// Backward, per (b,i,j) with g = dS[b,:,i,j]:
//   dw2 += g·act(hid)ᵀ, db2 += g; dhid = (w2ᵀg) ⊙ act'(hid); dw1 += dhid·uᵀ, db1 += dhid;
//   du = w1ᵀ·dhid;  dx = g + du[:h] (into q, k);  dbias += g + du[h:] (Σ over b).
//
// Cost O(B·T²·3hw) per layer. The fused kernels work one query row i at a
// time, in blocks of whole sequences (about 512 of the row's (b, j) entries):
// the block's entries are the columns of per-thread buffers [channels,
// columns], and each column's MLP runs in vector registers, 16 columns to an
// AVX-512 vector (8 to an AVX one), with every multiply-add fused and in a
// fixed order (dape_mlp.cpp): a logit does not depend on the batch around it
// or on the thread. Nothing of size T²×w exists. Backward takes x saved by
// a training forward (one [B,h,T,T] tensor's worth per layer, in the order
// the backward reads it) or else recomputed by the caller (as the
// attention's own scores kernel computes it, so it equals the forward's x
// bit for bit), and recomputes the
// hidden activations from u instead of storing B·T²·w values; the weight
// gradients are sums over the row's columns kept lane by lane (column c in
// lane c mod 16 of its block), added in lane order, then over rows in row
// order: bit-identical for any thread count.
// The *_reference versions are the plain per-entry loops, for tests.
#pragma once
#include <cstddef>

namespace pebench {

// One layer's MLP tensors (row-major, PyTorch nn.Linear [out,in] layout):
// w1 [w,2h], b1 [w], w2 [h,w], b2 [h]; parameters or their gradients.
template <typename T>
struct DapeMlpTensors {
  T* w1 = nullptr;
  T* b1 = nullptr;
  T* w2 = nullptr;
  T* b2 = nullptr;
};

inline constexpr double kDapeLeakySlope = 0.01;  // nn.LeakyReLU() default

// scores: [B,h,T,T], in x, out S on the kept entries; bias: [h,T,T].
// saved_inputs (optional, dape_mlp_saved_inputs_size values): receives x of
// every kept entry in the kernels' own layout (row by row, each row's
// blocks of sequences [h, columns]), for the backward to read back in order
// instead of gathering x entry by entry from a recomputed [B,h,T,T] tensor.
template <typename T>
void dape_mlp_forward(T* scores, const T* bias, const DapeMlpTensors<T>& weights, int batch,
                      int heads, int seq_len, int width, bool causal, T* saved_inputs = nullptr);

// The values dape_mlp_forward saves: h·B·(kept entries of a [T,T] row set).
size_t dape_mlp_saved_inputs_size(int batch, int heads, int seq_len, bool causal);

// dscores: [B,h,T,T], in dS, out dx on the kept entries; dbias: [h,T,T] (+=);
// grads: the weights' gradients (+=); bias: [h,T,T]. x comes from
// saved_inputs, a forward's with the same sizes, where given; otherwise from
// logits: [B,h,T,T] the forward's raw scores (recomputed by the caller).
// The same bits either way.
template <typename T>
void dape_mlp_backward(T* dscores, T* dbias, const DapeMlpTensors<T>& grads, const T* logits, const T* bias,
                       const DapeMlpTensors<T>& weights, int batch, int heads, int seq_len, int width,
                       bool causal, const T* saved_inputs = nullptr);

// Head counts 1, 2, 4, 8 and 16 have kernels that keep a column's inputs
// and outputs in registers; other counts run the same operations one column
// at a time. Tests switch the former off to compare the two bit for bit.
void dape_mlp_allow_fixed_head_kernels(bool allow);

// Plain per-entry versions.
template <typename T>
void dape_mlp_forward_reference(T* scores, const T* bias, const DapeMlpTensors<T>& weights, int batch,
                                int heads, int seq_len, int width, bool causal);
template <typename T>
void dape_mlp_backward_reference(T* dscores, T* dbias, const DapeMlpTensors<T>& grads, const T* logits,
                                 const T* bias, const DapeMlpTensors<T>& weights, int batch, int heads,
                                 int seq_len, int width, bool causal);

}  // namespace pebench
