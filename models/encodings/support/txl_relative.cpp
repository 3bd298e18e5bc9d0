#include "models/encodings/support/txl_relative.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/errors.hpp"
#include "models/matrix.hpp"
#include "models/encodings/support/position_math.hpp"

namespace pebench {

// out[t,:] = x[t,:] + v   (out, x: [T, n]; v: [n])
template <typename T>
static void add_row_vector(T* out, const T* x, const T* v, int rows, int n) {
  for (int t = 0; t < rows; ++t)
    for (int c = 0; c < n; ++c) out[static_cast<size_t>(t) * n + c] = x[static_cast<size_t>(t) * n + c] + v[c];
}

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

// Fills sinusoids_[layer] = R(ρ_p(δ)) and rel_keys_[layer] = R · W_Rᵀ for every
// offset row of every table p of this pass.
template <typename T>
void TxlRelative<T>::project_positions(int layer, const EncodingContext& ctx) {
  const int D = d_model_, rows = offset_rows(ctx), draws = position_draws(ctx);
  const size_t width = 2 * static_cast<size_t>(ctx.seq_len) - 1;
  std::vector<double> positions(draws * width);  // [P, 2T−1]
  relative_positions(positions.data(), layer, ctx);
  std::vector<T>& sinusoids = sinusoids_[layer];  // [P, rows, D]
  std::vector<T>& rel_keys = rel_keys_[layer];    // [P, rows, D]
  sinusoids.resize(static_cast<size_t>(draws) * rows * D);
  rel_keys.resize(static_cast<size_t>(draws) * rows * D);
  for (int p = 0; p < draws; ++p)
    for (int r = 0; r < rows; ++r)
      sinusoid_row(sinusoids.data() + (static_cast<size_t>(p) * rows + r) * D, positions[p * width + r], D);
  multiply(matrix(rel_keys.data(), draws * rows, D, D),
           matrix(static_cast<const T*>(sinusoids.data()), draws * rows, D, D),
           matrix(static_cast<const T*>(params_ + offsets_[layer].w_r), D, D, D).transpose(), T(1), Write::assign);
}

// Per (b, a): P = (Q + v_a)·K_aᵀ over all offset rows by one GEMM, then the
// "relative shift" reads P[i, j − i + T − 1] for the pair (i, j).
template <typename T>
void TxlRelative<T>::logits_forward(T* scores, const T* q, const T* k, int layer,
                                    const EncodingContext& ctx) {
  project_positions(layer, ctx);
  const int T_ = ctx.seq_len, H = ctx.n_heads, dh = ctx.d_head, D = d_model_, rows = offset_rows(ctx);
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  const T* u_all = params_ + offsets_[layer].u;  // [h, d_h]
  const T* v_all = params_ + offsets_[layer].v;  // [h, d_h]
#pragma omp parallel
  {
    std::vector<T> query_v(static_cast<size_t>(T_) * dh);      // [T, d_h]   q_i + v_a
    std::vector<T> relative(static_cast<size_t>(T_) * rows);   // [T, rows]  (q_i + v_a)·K_a(δ_r)
    std::vector<T> content_bias(T_);                            // [T]        u_a·k_j
#pragma omp for schedule(static)
    for (int unit = 0; unit < ctx.batch * H; ++unit) {
      const int a = unit % H;
      const size_t head = static_cast<size_t>(unit) * T_ * dh;
      const T* keys = rel_keys_[layer].data() + static_cast<size_t>(draw_of(unit / H, ctx)) * rows * D;  // [rows, D]
      add_row_vector(query_v.data(), q + head, v_all + a * dh, T_, dh);
      multiply(matrix(relative.data(), T_, rows, rows), matrix(static_cast<const T*>(query_v.data()), T_, dh, dh),
               matrix(keys + a * dh, rows, dh, D).transpose(), T(1), Write::assign);
      multiply(matrix(content_bias.data(), T_, 1, 1), matrix(k + head, T_, dh, dh),
               matrix(u_all + a * dh, dh, 1, 1), T(1), Write::assign);
      T* s = scores + static_cast<size_t>(unit) * T_ * T_;  // [T, T]
      for (int i = 0; i < T_; ++i) {
        const T* shifted = relative.data() + static_cast<size_t>(i) * rows + (T_ - 1 - i);  // [j] = P[i, j − i + T − 1]
        T* row = s + static_cast<size_t>(i) * T_;
        for (int j = 0; j <= (ctx.causal ? i : T_ - 1); ++j) row[j] += (content_bias[j] + shifted[j]) * scale;
      }
    }
  }
}

template <typename T>
void TxlRelative<T>::logits_backward(T* dscores, T* dq, T* dk, const T* q, const T* k, int layer,
                                     const EncodingContext& ctx) {
  const int H = ctx.n_heads, dh = ctx.d_head, B = ctx.batch, rows = offset_rows(ctx);
  std::vector<T> du_part(static_cast<size_t>(B) * H * dh);          // [B, h, d_h]
  std::vector<T> dv_part(static_cast<size_t>(B) * H * dh);          // [B, h, d_h]
  std::vector<T> drel_part(static_cast<size_t>(B) * H * rows * dh);  // [B, h, rows, d_h]
  unit_backward(dq, dk, du_part.data(), dv_part.data(), drel_part.data(), dscores, q, k, layer, ctx);
  // du_a, dv_a: the per-example parts summed over b in order.
  T* du = grads_ + offsets_[layer].u;  // [h, d_h]
  T* dv = grads_ + offsets_[layer].v;  // [h, d_h]
  for (int b = 0; b < B; ++b)
    for (size_t e = 0; e < static_cast<size_t>(H) * dh; ++e) {
      du[e] += du_part[static_cast<size_t>(b) * H * dh + e];
      dv[e] += dv_part[static_cast<size_t>(b) * H * dh + e];
    }
  // dK_p[δ, a·d_h + c] = Σ_{b of table p} drel_part[b, a, δ, c]; each thread owns (a, δ) rows.
  const int D = d_model_, draws = position_draws(ctx);
  std::vector<T> drel_keys(static_cast<size_t>(draws) * rows * D);  // [P, rows, D]
#pragma omp parallel for collapse(2) schedule(static)
  for (int a = 0; a < H; ++a)
    for (int r = 0; r < rows; ++r)
      for (int b = 0; b < B; ++b) {
        T* out = drel_keys.data() + (static_cast<size_t>(draw_of(b, ctx)) * rows + r) * D + a * dh;
        const T* part = drel_part.data() + ((static_cast<size_t>(b) * H + a) * rows + r) * dh;
        for (int c = 0; c < dh; ++c) out[c] += part[c];
      }
  // dW_R += Σ_p dK_pᵀ · R_p, one GEMM over the stacked tables
  multiply(matrix(grads_ + offsets_[layer].w_r, D, D, D),
           matrix(static_cast<const T*>(drel_keys.data()), draws * rows, D, D).transpose(),
           matrix(static_cast<const T*>(sinusoids_[layer].data()), draws * rows, D, D), T(1), Write::accumulate);
}

// Per (b, a), with g = dS/sqrt(d_h) and dP[i, j − i + T − 1] = g_ij (the
// adjoint of the relative shift):
//   dq += dP·K_a, dv_part = Σ_i (dP·K_a)_i, drel_part = dPᵀ·(Q + v_a),
//   dk_j += u_a Σ_i g_ij, du_part = Σ_j (Σ_i g_ij) k_j.
// Every output slot belongs to one unit, so threads never share what they write.
template <typename T>
void TxlRelative<T>::unit_backward(T* dq, T* dk, T* du_part, T* dv_part, T* drel_part, const T* dscores,
                                   const T* q, const T* k, int layer, const EncodingContext& ctx) const {
  const int T_ = ctx.seq_len, H = ctx.n_heads, dh = ctx.d_head, D = d_model_, rows = offset_rows(ctx);
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  const T* u_all = params_ + offsets_[layer].u;
  const T* v_all = params_ + offsets_[layer].v;
#pragma omp parallel
  {
    std::vector<T> drelative(static_cast<size_t>(T_) * rows);  // [T, rows] dP
    std::vector<T> query_v(static_cast<size_t>(T_) * dh);       // [T, d_h]  q_i + v_a
    std::vector<T> dquery(static_cast<size_t>(T_) * dh);        // [T, d_h]  dP·K_a
    std::vector<T> column_sum(T_);                               // [T]       Σ_i g_ij
#pragma omp for schedule(static)
    for (int unit = 0; unit < ctx.batch * H; ++unit) {
      const int a = unit % H;
      const size_t head = static_cast<size_t>(unit) * T_ * dh;
      const T* keys = rel_keys_[layer].data() + static_cast<size_t>(draw_of(unit / H, ctx)) * rows * D;  // [rows, D]
      const T* ds = dscores + static_cast<size_t>(unit) * T_ * T_;  // [T, T]
      std::fill(drelative.begin(), drelative.end(), T(0));
      std::fill(column_sum.begin(), column_sum.end(), T(0));
      for (int i = 0; i < T_; ++i) {
        T* shifted = drelative.data() + static_cast<size_t>(i) * rows + (T_ - 1 - i);
        const T* row = ds + static_cast<size_t>(i) * T_;
        for (int j = 0; j <= (ctx.causal ? i : T_ - 1); ++j) {
          shifted[j] = row[j] * scale;
          column_sum[j] += shifted[j];
        }
      }
      const auto dP = matrix(static_cast<const T*>(drelative.data()), T_, rows, rows);
      multiply(matrix(dquery.data(), T_, dh, dh), dP, matrix(keys + a * dh, rows, dh, D), T(1), Write::assign);
      add_row_vector(query_v.data(), q + head, v_all + a * dh, T_, dh);
      multiply(matrix(drel_part + static_cast<size_t>(unit) * rows * dh, rows, dh, dh), dP.transpose(),
               matrix(static_cast<const T*>(query_v.data()), T_, dh, dh), T(1), Write::assign);
      T* dv = dv_part + static_cast<size_t>(unit) * dh;
      T* du = du_part + static_cast<size_t>(unit) * dh;
      std::fill(dv, dv + dh, T(0));
      std::fill(du, du + dh, T(0));
      const T* u = u_all + a * dh;
      for (int t = 0; t < T_; ++t)
        for (int c = 0; c < dh; ++c) {
          dq[head + static_cast<size_t>(t) * dh + c] += dquery[static_cast<size_t>(t) * dh + c];
          dv[c] += dquery[static_cast<size_t>(t) * dh + c];
          dk[head + static_cast<size_t>(t) * dh + c] += column_sum[t] * u[c];
          du[c] += column_sum[t] * k[head + static_cast<size_t>(t) * dh + c];
        }
    }
  }
}

template class TxlRelative<float>;
template class TxlRelative<double>;

}  // namespace pebench
