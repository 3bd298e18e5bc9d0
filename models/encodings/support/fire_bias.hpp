// FireBias<T>: one layer's FIRE bias (Li et al. 2023, "Functional Interpolation
// for Relative Positions Improves Long Context Transformers"; reference code
// chuanyang-Zheng/DAPE DAPE.py FIRE / FIRE_DAPE and megatron/model/
// positional_embeddings.py FIRE; docs/encodings.md#fire). Used by `fire` (ReLU)
// and `dape_fire` (LeakyReLU 0.01, as FIRE_DAPE), one instance per layer.
//
//   ψ(z)    = log(|c|·z + 1)                     c learnable scalar (init 0.1)
//   L       = |ℓ·L0|                             ℓ learnable (init 1), L0 an option
//   R_i     = i (causal) | max(i, T−1−i) (bidirectional): the largest |i − j| in row i
//   N_i     = max(R_i, L)
//   x_ij    = s_ij·ψ(|i − j|) / (ψ(N_i) + eps)   s_ij = +1 for j ≤ i, −1 for j > i
//   Bias[a,i,j] = W2[a,:]·act(w1·x_ij + b1) + b2[a]      MLP 1 → w → h
//
// Causal (j ≤ i, s = +1) this is exactly the reference. Bidirectional is our
// extension (the reference is causal only; docs/encodings.md#fire leaves it open): keys after
// the query get a NEGATIVE input, so one MLP learns both sides and can tell
// them apart without new parameters, and the normaliser becomes the row's
// largest reach, keeping |x| ≤ 1 on both sides. L0: the DAPE repo's trained
// configurations (configs/125M/512/125M_fire*.yml) use L0 = 64 (init_L 128,
// halved), DAPE.py uses 512; we default to 64, below the evaluation lengths
// of every suite, so that long test rows are normalised (progressive
// interpolation) rather than extrapolated. Set L0 to the training length to
// normalise from the first unseen position on.
//
// Efficiency: rows with R_i ≤ L share the normaliser ψ(L) + eps, so their
// bias depends on the offset only: one MLP evaluation per offset, expanded.
// Other rows (R_i > L, only beyond the threshold) need one per entry, one row
// at a time; hidden activations are recomputed in backward, never stored (no
// T²×w buffers). The MLP is written as loops over a row's points (contiguous,
// vectorisable, each output summed over the hidden units in a fixed order)
// with reductions over points through vec::sum/vec::dot, so results do not
// depend on memory alignment (Eigen's dot and lazy products would). Parameter
// gradients go through per-row partial sums reduced in row order:
// bit-identical for any thread count. At the tie R_i = L the gradient follows
// the L branch.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/encoding.hpp"
#include "common/options_reader.hpp"
#include "models/params.hpp"
#include "models/encodings/support/relative_bias.hpp"
#include "models/vector_math.hpp"

namespace pebench {

struct FireOptions {
  int mlp_width = 32;
  double L0 = 64.0;
  double init_c = 0.1;
  double eps = 1e-6;

  void read(OptionsReader& reader) {
    mlp_width = reader.integer("mlp_width", mlp_width, 1, 4096);
    L0 = reader.number("L0", L0, 0.0, 1e9, Bound::open);
    init_c = reader.number("init_c", init_c, 0.0, 1e6, Bound::open);
    eps = reader.number("eps", eps, 0.0, 1.0, Bound::open);
  }
  nlohmann::json to_json() const {
    return {{"mlp_width", mlp_width}, {"L0", L0}, {"init_c", init_c}, {"eps", eps}};
  }
};

template <typename T>
class FireBias {
 public:
  FireBias(const FireOptions& options, double negative_slope)
      : options_(options), negative_slope_(negative_slope) {}

  // "<prefix>.c" [1], "<prefix>.L_multiplier" [1], "<prefix>.w1" [w,1], "<prefix>.b1" [w],
  // "<prefix>.w2" [h,w], "<prefix>.b2" [h]. MLP init as PyTorch nn.Linear: U(±1/sqrt(fan_in)).
  void declare(ParamLayout& layout, const std::string& prefix, int heads) {
    heads_ = heads;
    const int w = options_.mlp_width;
    const double hidden_bound = 1.0 / std::sqrt(static_cast<double>(w));
    offsets_.c = layout.add(prefix + ".c", {1}, Init::constant(options_.init_c), false);
    offsets_.ell = layout.add(prefix + ".L_multiplier", {1}, Init::constant(1.0), false);
    offsets_.w1 = layout.add(prefix + ".w1", {w, 1}, Init::uniform(-1.0, 1.0), true);
    offsets_.b1 = layout.add(prefix + ".b1", {w}, Init::uniform(-1.0, 1.0), false);
    offsets_.w2 = layout.add(prefix + ".w2", {heads, w}, Init::uniform(-hidden_bound, hidden_bound), true);
    offsets_.b2 = layout.add(prefix + ".b2", {heads}, Init::uniform(-hidden_bound, hidden_bound), false);
  }
  void bind(T* params, T* grads) {
    params_ = at(params);
    grads_ = at(grads);
  }

  // bias: [h,T,T]; every entry the mask keeps.
  void compute_bias(T* bias, const EncodingContext& ctx) const;
  // dbias: [h,T,T]; accumulates (+=) into the parameter gradients.
  void bias_backward(const T* dbias, const EncodingContext& ctx);

 private:
  // A row-major [rows, cols] buffer: one row per hidden unit or head, one column per point.
  struct Grid {
    int rows = 0, cols = 0;
    std::vector<T> data;
    Grid() = default;
    Grid(int r, int c) : rows(r), cols(c), data(static_cast<size_t>(r) * c, T(0)) {}
    T* row(int r) { return data.data() + static_cast<size_t>(r) * cols; }
    const T* row(int r) const { return data.data() + static_cast<size_t>(r) * cols; }
    T& operator()(int r, int c) { return row(r)[c]; }
    T operator()(int r, int c) const { return row(r)[c]; }
  };

  // Pointers into a flat buffer, or into one packed partial-gradient slot.
  struct Tensors { T* c; T* ell; T* w1; T* b1; T* w2; T* b2; };  // [1] [1] [w] [w] [h,w] [h]
  struct Offsets { size_t c = 0, ell = 0, w1 = 0, b1 = 0, w2 = 0, b2 = 0; };

  // The geometry of one pass: which rows are thresholded and their normalisers.
  struct Pass {
    double c, abs_c, L;
    double eps;
    int seq_len;
    bool causal;
    double psi(double z) const { return std::log1p(abs_c * z); }
    int reach(int i) const { return causal ? i : std::max(i, seq_len - 1 - i); }
    bool thresholded(int i) const { return reach(i) <= L; }
  };
  // One MLP input x = s·u/v with what its c and ℓ derivatives need.
  struct Point {
    double x, u, du_dc, v, dv_dc, dv_dell;
  };

  Tensors at(T* base) const {
    return {base + offsets_.c, base + offsets_.ell, base + offsets_.w1,
            base + offsets_.b1, base + offsets_.w2, base + offsets_.b2};
  }
  int slot_size() const { return 2 + options_.mlp_width * (2 + heads_) + heads_; }
  Tensors slot(T* base) const {
    const int w = options_.mlp_width;
    return {base, base + 1, base + 2, base + 2 + w, base + 2 + 2 * w, base + 2 + 2 * w + heads_ * w};
  }

  Pass make_pass(const EncodingContext& ctx) const {
    const double c = params_.c[0];
    return {c, std::abs(c), std::abs(params_.ell[0] * options_.L0), options_.eps, ctx.seq_len, ctx.causal};
  }
  // ∂ψ(z)/∂c = sign(c)·z/(|c|z + 1).
  static double dpsi_dc(const Pass& pass, double z) {
    return (pass.c > 0 ? 1.0 : pass.c < 0 ? -1.0 : 0.0) * z / (pass.abs_c * z + 1.0);
  }
  // Input for offset d = i − j in a row whose normaliser argument is n.
  Point point(const Pass& pass, int d, double n, bool through_threshold) const {
    const double z = std::abs(d), sign = d >= 0 ? 1.0 : -1.0;
    Point p;
    p.u = sign * pass.psi(z);
    p.du_dc = sign * dpsi_dc(pass, z);
    p.v = pass.psi(n) + pass.eps;
    p.dv_dc = dpsi_dc(pass, n);
    // v depends on ℓ only through N = L = |ℓ·L0|: ∂v/∂ℓ = ψ'(L)·sign(ℓ)·L0.
    const double ell = params_.ell[0];
    p.dv_dell = through_threshold ? pass.abs_c / (pass.abs_c * n + 1.0) * (ell >= 0 ? 1.0 : -1.0) * options_.L0 : 0.0;
    p.x = p.u / p.v;
    return p;
  }
  // The offsets a thresholded row may use: d ≥ 0 when causal, every d otherwise.
  int first_offset(const Pass& pass) const { return pass.causal ? 0 : -(pass.seq_len - 1); }
  std::vector<Point> threshold_points(const Pass& pass) const {
    std::vector<Point> points;
    for (int d = first_offset(pass); d < pass.seq_len; ++d) points.push_back(point(pass, d, pass.L, true));
    return points;
  }
  std::vector<Point> row_points(const Pass& pass, int i) const {
    std::vector<Point> points;
    const int keys = pass.causal ? i + 1 : pass.seq_len;
    for (int j = 0; j < keys; ++j) points.push_back(point(pass, i - j, pass.reach(i), false));
    return points;
  }
  bool any_thresholded(const Pass& pass) const {
    for (int i = 0; i < pass.seq_len; ++i)
      if (pass.thresholded(i)) return true;
    return false;
  }

  static std::vector<T> inputs_of(const std::vector<Point>& points) {
    std::vector<T> xs(points.size());
    for (size_t n = 0; n < points.size(); ++n) xs[n] = static_cast<T>(points[n].x);
    return xs;
  }
  T activation(T v) const { return v > 0 ? v : static_cast<T>(negative_slope_) * v; }
  T activation_slope(T v) const { return v > 0 ? T(1) : static_cast<T>(negative_slope_); }

  // out: [h,n] = W2·act(w1·xs + b1) + b2 for xs: [n].
  Grid mlp_forward(const std::vector<T>& xs) const;
  // pre: [w,n] = w1·xs + b1.
  Grid mlp_pre_activation(const std::vector<T>& xs) const;
  // Accumulates the MLP's parameter gradients into `grads` and the input
  // gradient, chained into c and ℓ through `points`. dout: [h,n].
  void mlp_backward(const std::vector<Point>& points, const Grid& dout, Tensors grads) const;

  FireOptions options_;
  double negative_slope_;
  int heads_ = 0;
  Offsets offsets_;
  Tensors params_{}, grads_{};
  std::vector<T> partials_;  // [T+1, slot_size()]: slot 0 the thresholded rows, slot 1+i row i
};

template <typename T>
typename FireBias<T>::Grid FireBias<T>::mlp_pre_activation(const std::vector<T>& xs) const {
  const int n = static_cast<int>(xs.size());
  Grid pre(options_.mlp_width, n);
  for (int r = 0; r < pre.rows; ++r)
    for (int j = 0; j < n; ++j) pre(r, j) = params_.w1[r] * xs[j] + params_.b1[r];
  return pre;
}

template <typename T>
typename FireBias<T>::Grid FireBias<T>::mlp_forward(const std::vector<T>& xs) const {
  const int n = static_cast<int>(xs.size()), w = options_.mlp_width;
  Grid hidden = mlp_pre_activation(xs);
  for (T& v : hidden.data) v = activation(v);
  Grid out(heads_, n);
  for (int a = 0; a < heads_; ++a) {
    T* o = out.row(a);
    std::fill(o, o + n, params_.b2[a]);
    for (int r = 0; r < w; ++r) {
      const T weight = params_.w2[a * w + r];
      const T* h = hidden.row(r);
      for (int j = 0; j < n; ++j) o[j] += weight * h[j];
    }
  }
  return out;
}

template <typename T>
void FireBias<T>::mlp_backward(const std::vector<Point>& points, const Grid& dout, Tensors grads) const {
  const int n = static_cast<int>(points.size()), w = options_.mlp_width;
  const std::vector<T> xs = inputs_of(points);
  const Grid pre = mlp_pre_activation(xs);
  Grid dpre(w, n);
  std::vector<T> dxs(n, T(0));  // ∂loss/∂x_j = Σ_r w1[r]·dpre[r][j], r in order
  for (int r = 0; r < w; ++r) {
    std::vector<T> hidden(n);
    for (int j = 0; j < n; ++j) hidden[j] = activation(pre(r, j));
    T* d = dpre.row(r);
    for (int a = 0; a < heads_; ++a) {
      grads.w2[a * w + r] += vec::dot(dout.row(a), hidden.data(), n);
      const T weight = params_.w2[a * w + r];
      for (int j = 0; j < n; ++j) d[j] += weight * dout(a, j);
    }
    for (int j = 0; j < n; ++j) d[j] *= activation_slope(pre(r, j));
    grads.w1[r] += vec::dot(d, xs.data(), n);
    grads.b1[r] += vec::sum(d, n);
    for (int j = 0; j < n; ++j) dxs[j] += params_.w1[r] * d[j];
  }
  for (int a = 0; a < heads_; ++a) grads.b2[a] += vec::sum(dout.row(a), n);
  // x = u/v: ∂x/∂c = (u_c·v − u·v_c)/v², ∂x/∂ℓ = −u·v_ℓ/v².
  double dc = 0.0, dell = 0.0;
  for (int j = 0; j < n; ++j) {
    const double dx = dxs[j];
    const Point& p = points[j];
    dc += dx * (p.du_dc * p.v - p.u * p.dv_dc) / (p.v * p.v);
    dell += dx * (-p.u * p.dv_dell) / (p.v * p.v);
  }
  grads.c[0] += static_cast<T>(dc);
  grads.ell[0] += static_cast<T>(dell);
}

template <typename T>
void FireBias<T>::compute_bias(T* bias, const EncodingContext& ctx) const {
  const Pass pass = make_pass(ctx);
  const int seq_len = ctx.seq_len;
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  Grid table;  // [h, offsets] for the thresholded rows
  if (any_thresholded(pass)) table = mlp_forward(inputs_of(threshold_points(pass)));
  const int origin = -first_offset(pass);  // column of offset 0
#pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < seq_len; ++i) {
    const int keys = pass.causal ? i + 1 : seq_len;
    if (pass.thresholded(i)) {
      for (int a = 0; a < heads_; ++a)
        for (int j = 0; j < keys; ++j) bias[a * tt + static_cast<size_t>(i) * seq_len + j] = table(a, origin + i - j);
      continue;
    }
    const Grid out = mlp_forward(inputs_of(row_points(pass, i)));  // [h,keys]
    for (int a = 0; a < heads_; ++a)
      for (int j = 0; j < keys; ++j) bias[a * tt + static_cast<size_t>(i) * seq_len + j] = out(a, j);
  }
}

template <typename T>
void FireBias<T>::bias_backward(const T* dbias, const EncodingContext& ctx) {
  const Pass pass = make_pass(ctx);
  const int seq_len = ctx.seq_len, size = slot_size();
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  partials_.assign(static_cast<size_t>(seq_len + 1) * size, T(0));

  if (any_thresholded(pass)) {
    // Sum the thresholded rows' gradient along each offset, then one MLP backward per offset.
    const std::vector<Point> points = threshold_points(pass);
    const int origin = -first_offset(pass);
    Grid dtable(heads_, static_cast<int>(points.size()));
    for (int i = 0; i < seq_len; ++i) {
      if (!pass.thresholded(i)) continue;
      const int keys = pass.causal ? i + 1 : seq_len;
      for (int a = 0; a < heads_; ++a)
        for (int j = 0; j < keys; ++j) dtable(a, origin + i - j) += dbias[a * tt + static_cast<size_t>(i) * seq_len + j];
    }
    mlp_backward(points, dtable, slot(partials_.data()));
  }
#pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < seq_len; ++i) {
    if (pass.thresholded(i)) continue;
    const std::vector<Point> points = row_points(pass, i);
    Grid dout(heads_, static_cast<int>(points.size()));  // [h,keys]
    for (int a = 0; a < heads_; ++a)
      for (size_t j = 0; j < points.size(); ++j) dout(a, j) = dbias[a * tt + static_cast<size_t>(i) * seq_len + j];
    mlp_backward(points, dout, slot(partials_.data() + static_cast<size_t>(i + 1) * size));
  }
  // Fixed-order reduction of the slots into the flat gradient buffer.
  std::vector<T> total(size, T(0));
  for (int s = 0; s <= seq_len; ++s)
    for (int e = 0; e < size; ++e) total[e] += partials_[static_cast<size_t>(s) * size + e];
  const Tensors sum = slot(total.data());
  const int w = options_.mlp_width;
  grads_.c[0] += sum.c[0];
  grads_.ell[0] += sum.ell[0];
  for (int e = 0; e < w; ++e) grads_.w1[e] += sum.w1[e];
  for (int e = 0; e < w; ++e) grads_.b1[e] += sum.b1[e];
  for (int e = 0; e < heads_ * w; ++e) grads_.w2[e] += sum.w2[e];
  for (int e = 0; e < heads_; ++e) grads_.b2[e] += sum.b2[e];
}

}  // namespace pebench
