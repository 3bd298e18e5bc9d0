#include "models/txl_relative.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/errors.hpp"
#include "models/position_math.hpp"
#include "models/vector_math.hpp"

namespace pebench {

template <typename T>
void TxlRelative<T>::declare_parameters(ParamLayout& layout, const ModelConfig& config) {
  if (config.d_model % 2 != 0)
    throw UsageError(fmt::format("encoding '{}' needs an even d_model for its sinusoids, got {}",
                                 this->name(), config.d_model));
  d_model_ = config.d_model;
  offsets_.resize(config.n_layers);
  for (int l = 0; l < config.n_layers; ++l) {
    const std::string prefix = fmt::format("encoding.{}.layer{}.", this->name(), l);
    offsets_[l].u = layout.add(prefix + "u", {config.n_heads, config.d_head()}, Init::normal(0.02), false);
    offsets_[l].v = layout.add(prefix + "v", {config.n_heads, config.d_head()}, Init::normal(0.02), false);
    offsets_[l].w_r = layout.add(prefix + "w_r", {config.d_model, config.d_model},
                                 Init::truncated_normal(1.0 / std::sqrt(config.d_model)));
  }
}

template <typename T>
void TxlRelative<T>::bind(T* params, T* grads) {
  params_ = params;
  grads_ = grads;
}

template <typename T>
void TxlRelative<T>::begin_forward(const EncodingContext& ctx) {
  sinusoids_.resize(ctx.n_layers);
  rel_keys_.resize(ctx.n_layers);
}

// Fills sinusoids_[layer] = R(ρ(δ)) and rel_keys_[layer] = W_R R(ρ(δ)) for
// every offset row of this pass.
template <typename T>
void TxlRelative<T>::project_positions(int layer, const EncodingContext& ctx) {
  const int D = d_model_, rows = offset_rows(ctx);
  std::vector<double> positions(2 * static_cast<size_t>(ctx.seq_len) - 1);  // [2T−1]
  relative_positions(positions.data(), layer, ctx);
  std::vector<T>& sinusoids = sinusoids_[layer];  // [rows, D]
  std::vector<T>& rel_keys = rel_keys_[layer];    // [rows, D]
  sinusoids.resize(static_cast<size_t>(rows) * D);
  rel_keys.resize(static_cast<size_t>(rows) * D);
  const T* w_r = params_ + offsets_[layer].w_r;  // [D, D]
#pragma omp parallel for schedule(static)
  for (int r = 0; r < rows; ++r) {
    T* sinusoid = sinusoids.data() + static_cast<size_t>(r) * D;
    sinusoid_row(sinusoid, positions[r], D);
    T* rel_key = rel_keys.data() + static_cast<size_t>(r) * D;
    for (int o = 0; o < D; ++o) rel_key[o] = vec::dot(w_r + static_cast<size_t>(o) * D, sinusoid, D);
  }
}

template <typename T>
void TxlRelative<T>::logits_forward(T* scores, const T* q, const T* k, int layer,
                                    const EncodingContext& ctx) {
  project_positions(layer, ctx);
  const int T_ = ctx.seq_len, H = ctx.n_heads, dh = ctx.d_head, D = d_model_;
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  const T* u_all = params_ + offsets_[layer].u;  // [h, d_h]
  const T* v_all = params_ + offsets_[layer].v;  // [h, d_h]
  const T* rel_keys = rel_keys_[layer].data();   // [rows, D]
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < ctx.batch; ++b)
    for (int a = 0; a < H; ++a) {
      const size_t head = static_cast<size_t>(b) * H + a;
      const T* qh = q + head * T_ * dh;  // [T, d_h]
      const T* kh = k + head * T_ * dh;  // [T, d_h]
      T* s = scores + head * T_ * T_;    // [T, T]
      const T* u = u_all + a * dh;
      const T* v = v_all + a * dh;
      std::vector<T> content_bias(T_);  // [T] u_a·k_j
      for (int j = 0; j < T_; ++j) content_bias[j] = vec::dot(u, kh + static_cast<size_t>(j) * dh, dh);
      std::vector<T> query_v(dh);  // [d_h] q_i + v_a
      for (int i = 0; i < T_; ++i) {
        for (int c = 0; c < dh; ++c) query_v[c] = qh[static_cast<size_t>(i) * dh + c] + v[c];
        const int last = ctx.causal ? i : T_ - 1;
        for (int j = 0; j <= last; ++j) {
          const T* rel_key = rel_keys + static_cast<size_t>(j - i + T_ - 1) * D + a * dh;
          s[static_cast<size_t>(i) * T_ + j] += (content_bias[j] + vec::dot(query_v.data(), rel_key, dh)) * scale;
        }
      }
    }
}

template <typename T>
void TxlRelative<T>::logits_backward(T* dscores, T* dq, T* dk, const T* q, const T* k, int layer,
                                     const EncodingContext& ctx) {
  const int H = ctx.n_heads, dh = ctx.d_head, B = ctx.batch;
  std::vector<T> du_part(static_cast<size_t>(B) * H * dh, T(0));  // [B, h, d_h]
  std::vector<T> dv_part(static_cast<size_t>(B) * H * dh, T(0));  // [B, h, d_h]
  query_key_backward(dq, dk, du_part.data(), dv_part.data(), dscores, k, layer, ctx);
  // du_a, dv_a: sum the per-example parts over b in order.
  T* du = grads_ + offsets_[layer].u;  // [h, d_h]
  T* dv = grads_ + offsets_[layer].v;  // [h, d_h]
  for (int b = 0; b < B; ++b)
    for (size_t e = 0; e < static_cast<size_t>(H) * dh; ++e) {
      du[e] += du_part[static_cast<size_t>(b) * H * dh + e];
      dv[e] += dv_part[static_cast<size_t>(b) * H * dh + e];
    }
  std::vector<T> drel_keys(static_cast<size_t>(offset_rows(ctx)) * d_model_);  // [rows, D]
  rel_keys_backward(drel_keys.data(), dscores, q, layer, ctx);
  accumulate_w_r_gradient(drel_keys.data(), layer, ctx);
}

// dq, dk: [B,h,T,d_h] (+=); du_part, dv_part: [B,h,d_h] (+=), one slot per
// (b, a) so that each thread owns what it writes.
template <typename T>
void TxlRelative<T>::query_key_backward(T* dq, T* dk, T* du_part, T* dv_part, const T* dscores,
                                        const T* k, int layer, const EncodingContext& ctx) const {
  const int T_ = ctx.seq_len, H = ctx.n_heads, dh = ctx.d_head, D = d_model_;
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  const T* u_all = params_ + offsets_[layer].u;
  const T* rel_keys = rel_keys_[layer].data();
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < ctx.batch; ++b)
    for (int a = 0; a < H; ++a) {
      const size_t head = static_cast<size_t>(b) * H + a;
      const T* ds = dscores + head * T_ * T_;  // [T, T]
      const T* kh = k + head * T_ * dh;        // [T, d_h]
      T* dqh = dq + head * T_ * dh;            // [T, d_h]
      T* dkh = dk + head * T_ * dh;            // [T, d_h]
      T* du = du_part + head * dh;             // [d_h]
      T* dv = dv_part + head * dh;             // [d_h]
      const T* u = u_all + a * dh;             // [d_h]
      std::vector<T> column_sum(T_, T(0));     // [T] Σ_i g_ij
      std::vector<T> dquery(dh);               // [d_h] Σ_j g_ij K_a(δ_ij)
      for (int i = 0; i < T_; ++i) {
        std::fill(dquery.begin(), dquery.end(), T(0));
        const int last = ctx.causal ? i : T_ - 1;
        for (int j = 0; j <= last; ++j) {
          const T g = ds[static_cast<size_t>(i) * T_ + j] * scale;
          column_sum[j] += g;
          const T* rel_key = rel_keys + static_cast<size_t>(j - i + T_ - 1) * D + a * dh;
          for (int c = 0; c < dh; ++c) dquery[c] += g * rel_key[c];
        }
        for (int c = 0; c < dh; ++c) {
          dqh[static_cast<size_t>(i) * dh + c] += dquery[c];
          dv[c] += dquery[c];
        }
      }
      for (int j = 0; j < T_; ++j)
        for (int c = 0; c < dh; ++c) {
          dkh[static_cast<size_t>(j) * dh + c] += column_sum[j] * u[c];
          du[c] += column_sum[j] * kh[static_cast<size_t>(j) * dh + c];
        }
    }
}

// drel_keys[δ + T − 1, a·d_h + c] = Σ_b Σ_{i: 0 <= i+δ < T} g[b,a,i,i+δ] (q[b,a,i,c] + v[a,c]).
// Each thread owns one (head, offset) slice and sums over (b, i) in order.
template <typename T>
void TxlRelative<T>::rel_keys_backward(T* drel_keys, const T* dscores, const T* q, int layer,
                                       const EncodingContext& ctx) const {
  const int T_ = ctx.seq_len, H = ctx.n_heads, dh = ctx.d_head, D = d_model_, rows = offset_rows(ctx);
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  const T* v_all = params_ + offsets_[layer].v;
#pragma omp parallel for collapse(2) schedule(static)
  for (int a = 0; a < H; ++a)
    for (int r = 0; r < rows; ++r) {
      const int delta = r - (T_ - 1);
      const int first = std::max(0, -delta), last = std::min(T_ - 1, T_ - 1 - delta);
      T* out = drel_keys + static_cast<size_t>(r) * D + a * dh;  // [d_h]
      std::fill(out, out + dh, T(0));
      T weight_sum = 0;  // Σ g, for the v_a term
      for (int b = 0; b < ctx.batch; ++b) {
        const size_t head = static_cast<size_t>(b) * H + a;
        const T* ds = dscores + head * T_ * T_;
        const T* qh = q + head * T_ * dh;
        for (int i = first; i <= last; ++i) {
          const T g = ds[static_cast<size_t>(i) * T_ + i + delta] * scale;
          weight_sum += g;
          for (int c = 0; c < dh; ++c) out[c] += g * qh[static_cast<size_t>(i) * dh + c];
        }
      }
      for (int c = 0; c < dh; ++c) out[c] += weight_sum * v_all[a * dh + c];
    }
}

// dW_R[o, c] += Σ_δ drel_keys[δ, o] R[δ, c]; each thread owns output rows o.
template <typename T>
void TxlRelative<T>::accumulate_w_r_gradient(const T* drel_keys, int layer, const EncodingContext& ctx) {
  const int D = d_model_, rows = offset_rows(ctx);
  const T* sinusoids = sinusoids_[layer].data();  // [rows, D]
  T* dw_r = grads_ + offsets_[layer].w_r;         // [D, D]
#pragma omp parallel for schedule(static)
  for (int o = 0; o < D; ++o) {
    T* out = dw_r + static_cast<size_t>(o) * D;
    for (int r = 0; r < rows; ++r) {
      const T weight = drel_keys[static_cast<size_t>(r) * D + o];
      const T* sinusoid = sinusoids + static_cast<size_t>(r) * D;
      for (int c = 0; c < D; ++c) out[c] += weight * sinusoid[c];
    }
  }
}

template class TxlRelative<float>;
template class TxlRelative<double>;

}  // namespace pebench
