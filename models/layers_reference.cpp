#include "models/layers_reference.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace pebench::reference {

template <typename T>
void embedding_backward(T* dtable, const T* dout, const int* tokens, T scale, int N, int C) {
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) dtable[tokens[n] * C + c] += scale * dout[n * C + c];
}

template <typename T>
void linear_forward(T* out, const T* in, const T* weight, const T* bias, int N, int IC, int OC) {
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < OC; ++o) {
      T sum = bias ? bias[o] : T(0);
      for (int i = 0; i < IC; ++i) sum += in[n * IC + i] * weight[o * IC + i];
      out[n * OC + o] = sum;
    }
}

template <typename T>
void linear_backward(T* din, T* dweight, T* dbias, const T* dout, const T* in, const T* weight, int N,
                     int IC, int OC) {
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < OC; ++o) {
      const T g = dout[n * OC + o];
      for (int i = 0; i < IC; ++i) {
        if (din) din[n * IC + i] += g * weight[o * IC + i];
        dweight[o * IC + i] += g * in[n * IC + i];
      }
      if (dbias) dbias[o] += g;
    }
}

template <typename T>
void layernorm_forward(T* out, T* mean, T* rstd, const T* in, const T* weight, const T* bias, int N,
                       int C) {
  for (int n = 0; n < N; ++n) {
    T m = 0, var = 0;
    for (int c = 0; c < C; ++c) m += in[n * C + c];
    m /= C;
    for (int c = 0; c < C; ++c) var += (in[n * C + c] - m) * (in[n * C + c] - m);
    var /= C;
    const T s = T(1) / std::sqrt(var + T(1e-5));
    for (int c = 0; c < C; ++c) out[n * C + c] = (in[n * C + c] - m) * s * weight[c] + bias[c];
    mean[n] = m;
    rstd[n] = s;
  }
}

// Straight from the chain rule: y_c = w_c·x̂_c + b_c with x̂ = (x − μ)·σ⁻¹, so
// dx_j = Σ_c dy_c·w_c·∂x̂_c/∂x_j and ∂x̂_c/∂x_j = σ⁻¹(δ_cj − 1/C − x̂_c·x̂_j/C).
template <typename T>
void layernorm_backward(T* din, T* dweight, T* dbias, const T* dout, const T* in, const T* weight,
                        const T* mean, const T* rstd, int N, int C) {
  std::vector<T> norm(C);
  for (int n = 0; n < N; ++n) {
    for (int c = 0; c < C; ++c) norm[c] = (in[n * C + c] - mean[n]) * rstd[n];
    for (int j = 0; j < C; ++j) {
      T sum = 0;
      for (int c = 0; c < C; ++c) {
        const T jacobian = rstd[n] * (T(c == j) - T(1) / C - norm[c] * norm[j] / C);
        sum += dout[n * C + c] * weight[c] * jacobian;
      }
      din[n * C + j] += sum;
    }
    for (int c = 0; c < C; ++c) {
      dweight[c] += dout[n * C + c] * norm[c];
      dbias[c] += dout[n * C + c];
    }
  }
}

template <typename T>
void attention_scores_forward(T* scores, const T* q, const T* k, bool causal, int B, int h, int T_, int d) {
  const T scale = T(1) / std::sqrt(T(d));
  for (int u = 0; u < B * h; ++u)
    for (int i = 0; i < T_; ++i)
      for (int j = 0; j < (causal ? i + 1 : T_); ++j) {
        T dot = 0;
        for (int e = 0; e < d; ++e) dot += q[(u * T_ + i) * d + e] * k[(u * T_ + j) * d + e];
        scores[(u * T_ + i) * T_ + j] = dot * scale;
      }
}

template <typename T>
void attention_scores_backward(T* dq, T* dk, const T* dscores, const T* q, const T* k, bool causal, int B,
                               int h, int T_, int d) {
  const T scale = T(1) / std::sqrt(T(d));
  for (int u = 0; u < B * h; ++u)
    for (int i = 0; i < T_; ++i)
      for (int j = 0; j < (causal ? i + 1 : T_); ++j) {
        const T g = dscores[(u * T_ + i) * T_ + j] * scale;
        for (int e = 0; e < d; ++e) {
          dq[(u * T_ + i) * d + e] += g * k[(u * T_ + j) * d + e];
          dk[(u * T_ + j) * d + e] += g * q[(u * T_ + i) * d + e];
        }
      }
}

template <typename T>
void attention_softmax_values_forward(T* out, T* probs, const T* v, bool causal, int B, int h, int T_,
                                      int d) {
  for (int u = 0; u < B * h; ++u)
    for (int i = 0; i < T_; ++i) {
      T* row = probs + (u * T_ + i) * T_;
      const int allowed = causal ? i + 1 : T_;
      const T max_logit = *std::max_element(row, row + allowed);
      T total = 0;
      for (int j = 0; j < allowed; ++j) total += std::exp(row[j] - max_logit);
      for (int j = 0; j < T_; ++j) row[j] = j < allowed ? std::exp(row[j] - max_logit) / total : T(0);
      for (int e = 0; e < d; ++e) {
        T sum = 0;
        for (int j = 0; j < T_; ++j) sum += row[j] * v[(u * T_ + j) * d + e];
        out[(u * T_ + i) * d + e] = sum;
      }
    }
}

// dP_ij = Σ_e dout_ie·v_je;  dS_ij = Σ_k dP_ik·∂P_ik/∂S_ij = P_ij·(dP_ij − Σ_k P_ik·dP_ik).
template <typename T>
void attention_softmax_values_backward(T* dscores, T* dv, const T* dout, const T* probs, const T* v,
                                       bool causal, int B, int h, int T_, int d) {
  std::vector<T> dp(T_);
  for (int u = 0; u < B * h; ++u)
    for (int i = 0; i < T_; ++i) {
      const T* p = probs + (u * T_ + i) * T_;
      for (int j = 0; j < T_; ++j) {
        dp[j] = 0;
        for (int e = 0; e < d; ++e) {
          dp[j] += dout[(u * T_ + i) * d + e] * v[(u * T_ + j) * d + e];
          dv[(u * T_ + j) * d + e] += p[j] * dout[(u * T_ + i) * d + e];
        }
      }
      for (int j = 0; j < T_; ++j) {
        T sum = 0;
        for (int k = 0; k < T_; ++k) sum += dp[k] * p[k] * (T(k == j) - p[j]);
        dscores[(u * T_ + i) * T_ + j] = causal && j > i ? T(0) : sum;
      }
    }
}

#define PEBENCH_REFERENCE_INSTANTIATE(T)                                                                    \
  template void embedding_backward<T>(T*, const T*, const int*, T, int, int);                               \
  template void linear_forward<T>(T*, const T*, const T*, const T*, int, int, int);                         \
  template void linear_backward<T>(T*, T*, T*, const T*, const T*, const T*, int, int, int);                \
  template void layernorm_forward<T>(T*, T*, T*, const T*, const T*, const T*, int, int);                  \
  template void layernorm_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*, int,   \
                                      int);                                                                 \
  template void attention_scores_forward<T>(T*, const T*, const T*, bool, int, int, int, int);             \
  template void attention_scores_backward<T>(T*, T*, const T*, const T*, const T*, bool, int, int, int,    \
                                             int);                                                          \
  template void attention_softmax_values_forward<T>(T*, T*, const T*, bool, int, int, int, int);           \
  template void attention_softmax_values_backward<T>(T*, T*, const T*, const T*, const T*, bool, int, int, \
                                                     int, int);

PEBENCH_REFERENCE_INSTANTIATE(float)
PEBENCH_REFERENCE_INSTANTIATE(double)

}  // namespace pebench::reference
