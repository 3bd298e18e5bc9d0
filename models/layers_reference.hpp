// Naive reference implementations of the optimised kernels in
// models/layers.hpp: single-threaded loops that follow the math line by line,
// same signatures and conventions (forward writes, backward accumulates +=).
// Tests check the optimised kernels against these; the model never calls them.
#pragma once
#include <cstddef>

namespace pebench::reference {

// dtable[V,C] += scale · Σ_{n: tokens[n]=v} dout[n,:]
template <typename T>
void embedding_backward(T* dtable, const T* dout, const int* tokens, T scale, int N, int C);

// out[N,OC] = in[N,IC] · weight[OC,IC]ᵀ + bias[OC]
template <typename T>
void linear_forward(T* out, const T* in, const T* weight, const T* bias, int N, int IC, int OC);
template <typename T>
void linear_backward(T* din, T* dweight, T* dbias, const T* dout, const T* in, const T* weight, int N,
                     int IC, int OC);

template <typename T>
void layernorm_forward(T* out, T* mean, T* rstd, const T* in, const T* weight, const T* bias, int N,
                       int C);
template <typename T>
void layernorm_backward(T* din, T* dweight, T* dbias, const T* dout, const T* in, const T* weight,
                        const T* mean, const T* rstd, int N, int C);

// scores[B,h,T,T] = q·kᵀ/sqrt(d) on every entry the mask allows
template <typename T>
void attention_scores_forward(T* scores, const T* q, const T* k, bool causal, int B, int h, int T_, int d);
template <typename T>
void attention_scores_backward(T* dq, T* dk, const T* dscores, const T* q, const T* k, bool causal, int B,
                               int h, int T_, int d);

// probs[B,h,T,T] in place: masked softmax; out[B,h,T,d] = probs·v
template <typename T>
void attention_softmax_values_forward(T* out, T* probs, const T* v, bool causal, int B, int h, int T_,
                                      int d);
// dv += probsᵀ·dout; dscores written (=), 0 on masked entries
template <typename T>
void attention_softmax_values_backward(T* dscores, T* dv, const T* dout, const T* probs, const T* v,
                                       bool causal, int B, int h, int T_, int d);

}  // namespace pebench::reference
