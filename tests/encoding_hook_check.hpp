// Hook-level checks for encoding plugins, in double: each hook's backward
// against central finite differences of a random linear functional of its
// forward output, and a fixture that builds an encoding with its own
// parameters (outside any transformer).
//
//   input hook:  f(θ)       = Σ W ⊙ (x + PE_θ)                      -> θ
//   q/k hook:    f(q, k)    = Σ Wq ⊙ q' + Σ Wk ⊙ k'                 -> q, k
//   logits hook: f(q, k, θ) = Σ W ⊙ logits(q·kᵀ/sqrt(d_h), q, k; θ) -> q, k, θ
// For the logits hook q and k reach f both through the raw scores and
// directly (CoPE, Transformer-XL), so the check covers the hook's whole
// contract: dscores on exit plus what it adds into dq and dk.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "models/encoding.hpp"
#include "models/params.hpp"

namespace pebench::testing {

struct HookFixture {
  ModelConfig config;
  std::unique_ptr<Encoding<double>> encoding;
  ParamLayout layout;
  std::vector<double> params, grads;
  EncodingContext ctx;
  std::vector<int> tokens;
  std::vector<uint8_t> boundary;

  size_t qk_size() const { return static_cast<size_t>(ctx.batch) * ctx.n_heads * ctx.seq_len * ctx.d_head; }
  size_t scores_size() const {
    return static_cast<size_t>(ctx.batch) * ctx.n_heads * ctx.seq_len * ctx.seq_len;
  }
  size_t x_size() const { return static_cast<size_t>(ctx.batch) * ctx.seq_len * ctx.d_model; }
};

inline ModelConfig small_config(int d_model = 8, int n_heads = 2, int n_layers = 2) {
  ModelConfig config;
  config.input_vocab = 5;
  config.output_vocab = 3;
  config.d_model = d_model;
  config.n_heads = n_heads;
  config.n_layers = n_layers;
  config.d_ff = 16;
  return config;
}

inline std::vector<double> random_vector(size_t n, Rng& rng, double scale = 1.0) {
  std::vector<double> out(n);
  for (auto& x : out) x = scale * rng.normal();
  return out;
}

// Builds `name` with `options`, declares and initialises its parameters from
// Rng(seed, "init"), binds them and fills a context for a (B, T) pass.
inline HookFixture make_hook_fixture(const std::string& name, const json& options, const ModelConfig& config,
                                     int batch, int seq_len, bool causal, uint64_t seed = 7) {
  HookFixture f;
  f.config = config;
  f.encoding = make_encoding<double>(name, options);
  f.encoding->declare_parameters(f.layout, config);
  f.params.assign(f.layout.total_size(), 0.0);
  f.grads.assign(f.layout.total_size(), 0.0);
  Rng init(seed, "init");
  f.layout.initialize(f.params.data(), init);
  f.encoding->bind(f.params.data(), f.grads.data());
  f.tokens.assign(static_cast<size_t>(batch) * seq_len, 0);
  f.boundary.assign(static_cast<size_t>(batch) * seq_len, 0);
  f.ctx.batch = batch;
  f.ctx.seq_len = seq_len;
  f.ctx.d_model = config.d_model;
  f.ctx.n_heads = config.n_heads;
  f.ctx.d_head = config.d_head();
  f.ctx.n_layers = config.n_layers;
  f.ctx.causal = causal;
  f.ctx.training = true;
  f.ctx.tokens = f.tokens.data();
  f.ctx.boundary = f.boundary.data();
  f.ctx.position_seed = seed * 31 + 5;
  return f;
}

// raw[b,a,i,j] = q_i·k_j / sqrt(d_h)
inline std::vector<double> raw_scores(const HookFixture& f, const std::vector<double>& q,
                                      const std::vector<double>& k) {
  const int T = f.ctx.seq_len, dh = f.ctx.d_head;
  std::vector<double> s(f.scores_size());
  for (int head = 0; head < f.ctx.batch * f.ctx.n_heads; ++head)
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j) {
        double dot = 0;
        for (int c = 0; c < dh; ++c) dot += q[(head * T + i) * dh + c] * k[(head * T + j) * dh + c];
        s[(static_cast<size_t>(head) * T + i) * T + j] = dot / std::sqrt(double(dh));
      }
  return s;
}

// Random weights over the logits the mask keeps (zero above the diagonal when causal).
inline std::vector<double> logit_weights(const HookFixture& f, Rng& rng) {
  const int T = f.ctx.seq_len;
  std::vector<double> w = random_vector(f.scores_size(), rng);
  for (size_t e = 0; e < w.size(); ++e) {
    const int i = static_cast<int>((e / T) % T), j = static_cast<int>(e % T);
    if (f.ctx.causal && j > i) w[e] = 0.0;
  }
  return w;
}

inline double central_difference(double& x, const std::function<double()>& f, double h = 1e-6) {
  const double saved = x;
  x = saved + h;
  const double up = f();
  x = saved - h;
  const double down = f();
  x = saved;
  return (up - down) / (2 * h);
}

// Which entries of a tensor of `n` values to probe: all if few, else a
// deterministic sample plus the entries with the largest analytic gradients.
inline std::vector<size_t> probe_indices(const std::vector<double>& analytic, size_t begin, size_t n,
                                         size_t budget = 96) {
  std::vector<size_t> out;
  if (n <= budget) {
    for (size_t e = 0; e < n; ++e) out.push_back(begin + e);
    return out;
  }
  Rng rng(n, "probe");
  for (size_t e = 0; e < budget / 2; ++e) out.push_back(begin + rng.below(n));
  std::vector<size_t> order(n);
  for (size_t e = 0; e < n; ++e) order[e] = begin + e;
  std::partial_sort(order.begin(), order.begin() + budget / 2, order.end(), [&](size_t a, size_t b) {
    return std::abs(analytic[a]) > std::abs(analytic[b]);
  });
  out.insert(out.end(), order.begin(), order.begin() + budget / 2);
  return out;
}

inline void expect_close(const std::string& what, double analytic, double numeric, double tolerance) {
  const double scale = std::max(1.0, std::abs(analytic) + std::abs(numeric));
  EXPECT_NEAR(analytic, numeric, tolerance * scale) << what;
}

// Checks every parameter tensor of the fixture (probing large ones) against
// finite differences of `objective`. `analytic` is the gradient buffer.
inline void expect_parameter_gradients(HookFixture& f, const std::vector<double>& analytic,
                                       const std::function<double()>& objective, double tolerance) {
  for (const auto& tensor : f.layout.tensors())
    for (size_t e : probe_indices(analytic, tensor.offset, tensor.size))
      expect_close(tensor.name + "[" + std::to_string(e - tensor.offset) + "]", analytic[e],
                   central_difference(f.params[e], objective), tolerance);
}

// The plugin's logits of `layer` for raw scores q·kᵀ/sqrt(d_h): [B,h,T,T].
inline std::vector<double> plugin_logits(HookFixture& f, const std::vector<double>& q, const std::vector<double>& k,
                                         int layer) {
  std::vector<double> s = raw_scores(f, q, k);
  f.encoding->begin_forward(f.ctx);
  f.encoding->logits_forward(s.data(), q.data(), k.data(), layer, f.ctx);
  return s;
}

// The logits hook of `layer`: dq, dk (through the raw scores and directly) and
// the encoding's parameters.
inline void check_logits_hook(HookFixture& f, int layer, uint64_t seed = 11, double tolerance = 1e-6) {
  Rng rng(seed, "logits-check");
  std::vector<double> q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  const std::vector<double> w = logit_weights(f, rng);
  auto objective = [&]() {
    const std::vector<double> s = plugin_logits(f, q, k, layer);
    double sum = 0;
    for (size_t e = 0; e < s.size(); ++e) sum += w[e] == 0.0 ? 0.0 : w[e] * s[e];
    return sum;
  };
  objective();  // the forward pass the backward belongs to
  std::vector<double> ds = w, dq(f.qk_size(), 0.0), dk(f.qk_size(), 0.0);
  std::fill(f.grads.begin(), f.grads.end(), 0.0);
  f.encoding->logits_backward(ds.data(), dq.data(), dk.data(), q.data(), k.data(), layer, f.ctx);
  // Add the raw-score path: s = q·kᵀ/sqrt(d_h).
  const int T = f.ctx.seq_len, dh = f.ctx.d_head;
  const double scale = 1.0 / std::sqrt(double(dh));
  for (int head = 0; head < f.ctx.batch * f.ctx.n_heads; ++head)
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j) {
        const double g = ds[(static_cast<size_t>(head) * T + i) * T + j] * scale;
        if (f.ctx.causal && j > i) continue;
        for (int c = 0; c < dh; ++c) {
          dq[(head * T + i) * dh + c] += g * k[(head * T + j) * dh + c];
          dk[(head * T + j) * dh + c] += g * q[(head * T + i) * dh + c];
        }
      }
  const std::vector<double> grads = f.grads;
  for (size_t e : probe_indices(dq, 0, dq.size()))
    expect_close("dq[" + std::to_string(e) + "]", dq[e], central_difference(q[e], objective), tolerance);
  for (size_t e : probe_indices(dk, 0, dk.size()))
    expect_close("dk[" + std::to_string(e) + "]", dk[e], central_difference(k[e], objective), tolerance);
  expect_parameter_gradients(f, grads, objective, tolerance);
}

// The q/k hook of `layer`: dq and dk on exit equal d f / d(q, k on entry).
inline void check_qk_hook(HookFixture& f, int layer, uint64_t seed = 13, double tolerance = 1e-6) {
  Rng rng(seed, "qk-check");
  std::vector<double> q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  const std::vector<double> wq = random_vector(f.qk_size(), rng), wk = random_vector(f.qk_size(), rng);
  auto objective = [&]() {
    std::vector<double> qt = q, kt = k;
    f.encoding->begin_forward(f.ctx);
    f.encoding->qk_forward(qt.data(), kt.data(), layer, f.ctx);
    double sum = 0;
    for (size_t e = 0; e < qt.size(); ++e) sum += wq[e] * qt[e] + wk[e] * kt[e];
    return sum;
  };
  objective();
  std::vector<double> dq = wq, dk = wk;
  f.encoding->qk_backward(dq.data(), dk.data(), layer, f.ctx);
  for (size_t e : probe_indices(dq, 0, dq.size()))
    expect_close("dq[" + std::to_string(e) + "]", dq[e], central_difference(q[e], objective), tolerance);
  for (size_t e : probe_indices(dk, 0, dk.size()))
    expect_close("dk[" + std::to_string(e) + "]", dk[e], central_difference(k[e], objective), tolerance);
}

// The input hook: parameter gradients from input_backward.
inline void check_input_hook(HookFixture& f, uint64_t seed = 17, double tolerance = 1e-6) {
  Rng rng(seed, "input-check");
  const std::vector<double> x = random_vector(f.x_size(), rng), w = random_vector(f.x_size(), rng);
  auto objective = [&]() {
    std::vector<double> xt = x;
    f.encoding->begin_forward(f.ctx);
    f.encoding->input_forward(xt.data(), f.ctx);
    double sum = 0;
    for (size_t e = 0; e < xt.size(); ++e) sum += w[e] * xt[e];
    return sum;
  };
  objective();
  std::fill(f.grads.begin(), f.grads.end(), 0.0);
  f.encoding->input_backward(w.data(), f.ctx);
  const std::vector<double> grads = f.grads;
  expect_parameter_gradients(f, grads, objective, tolerance);
}

}  // namespace pebench::testing
