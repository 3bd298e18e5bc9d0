// xpos: decay with distance, relative invariance, hook gradients, and the
// bidirectional |i−j| extension (docs/encodings.md#xpos) against a direct
// computation; without decay, the same model as RoPE.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "encoding_hooks.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/transformer.hpp"
#include "tests/model_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

// q·k score between the query at position m and the key at position n after
// the q/k hook, for one head of dimension d_h (T positions in the pass).
double transformed_score(const std::string& name, const json& options, int d_head, int T, int m, int n,
                         const std::vector<double>& q_vec, const std::vector<double>& k_vec) {
  HookHarness f(name, options, HookShape{1, 1, d_head, 1, T}, true, kSingleHookSeed);
  std::vector<double> q(f.qk_size(), 0.0), k(f.qk_size(), 0.0);
  for (int c = 0; c < d_head; ++c) {
    q[m * d_head + c] = q_vec[c];
    k[n * d_head + c] = k_vec[c];
  }
  f.encoding().begin_forward(f.context());
  f.encoding().qk_forward(q.data(), k.data(), 0, f.context());
  double dot = 0;
  for (int c = 0; c < d_head; ++c) dot += q[m * d_head + c] * k[n * d_head + c];
  return dot;
}

double rope_score(int d_head, int m, int n, std::vector<double> q, std::vector<double> k) {
  const double pm = m, pn = n;
  rope_apply(q.data(), &pm, false, 1, 1, 1, d_head, +1);
  rope_apply(k.data(), &pn, false, 1, 1, 1, d_head, +1);
  double dot = 0;
  for (int c = 0; c < d_head; ++c) dot += q[c] * k[c];
  return dot;
}

}  // namespace

TEST(XPos, ScoreIsRopeScoreDampedByZetaToTheDistanceOverScaleBase) {
  // One pair (d_h = 2): ζ = 0.4·2 / (1.4·2) = 2/7, so score = rope score · (2/7)^{(m−n)/γ}.
  const std::vector<double> q = {0.7, -0.3}, k = {0.2, 0.9};
  const double gamma = 8.0, zeta = 2.0 / 7.0;
  for (int m = 0; m < 12; ++m)
    for (int n = 0; n <= m; ++n)
      EXPECT_NEAR(transformed_score("xpos", json{{"scale_base", gamma}}, 2, 12, m, n, q, k),
                  rope_score(2, m, n, q, k) * std::pow(zeta, (m - n) / gamma), 1e-12)
          << m << " " << n;
}

TEST(XPos, ScoresDecayWithDistance) {
  // q = k in the slowest pair (θ_1 = base^(−1/2) = 1e−6: no rotation to speak
  // of), so RoPE alone would keep the score at 1; xPos must shrink it strictly
  // as the key moves into the past.
  const json options = {{"scale_base", 16.0}, {"base", 1e12}};
  const std::vector<double> x = {0.0, 0.0, 1.0, 0.0};
  double previous = transformed_score("xpos", options, 4, 64, 50, 50, x, x);
  EXPECT_NEAR(previous, 1.0, 1e-12);
  for (int distance = 1; distance <= 50; ++distance) {
    const double score = transformed_score("xpos", options, 4, 64, 50, 50 - distance, x, x);
    EXPECT_LT(score, previous) << distance;
    EXPECT_GT(score, 0.0) << distance;
    previous = score;
  }
  EXPECT_LT(previous, 0.3);  // ζ_1^{50/16} = (3.6/5.6)^3.125 ≈ 0.25
}

TEST(XPos, ScoreDependsOnlyOnTheDistance) {
  const std::vector<double> q = {0.3, 1.1, -0.4, 0.8}, k = {-0.6, 0.2, 0.5, 0.9};
  const double a = transformed_score("xpos", json(), 4, 50, 10, 7, q, k);
  const double b = transformed_score("xpos", json(), 4, 50, 45, 42, q, k);
  EXPECT_NEAR(a, b, 1e-12);
}

TEST(XPos, QkHookGradientsMatchFiniteDifferences) {
  HookHarness f("xpos", json{{"scale_base", 3.0}}, HookShape{2, 2, 4, 2, 7}, true, kSingleHookSeed);
  f.check_qk_hook(1);
}

// ---- bidirectional: S_ij = Σ_c ζ_c^{|i−j|/γ}·pairdot_c(i,j)/sqrt(d_h) ----------

namespace {

// The final logits [B,h,T,T] of one pass through hooks 2 and 3, from q, k
// [B,h,T,d_h] as the projections give them.
std::vector<double> hook_logits(HookHarness& f, std::vector<double> q, std::vector<double> k) {
  f.encoding().begin_forward(f.context());
  f.encoding().qk_forward(q.data(), k.data(), 0, f.context());
  std::vector<double> s = f.raw_logits(q, k);
  f.encoding().logits_forward(s.data(), q.data(), k.data(), 0, f.context());
  return s;
}

// The formula written out on its own: its own rotation, ζ_c and powers.
std::vector<double> naive_bidirectional_logits(const HookHarness& f, const std::vector<double>& q,
                                               const std::vector<double>& k, double gamma, double base) {
  const int T = f.context().seq_len, dh = f.context().d_head;
  std::vector<double> s(f.logits_size(), 0.0);
  for (int head = 0; head < f.context().batch * f.context().n_heads; ++head)
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j) {
        double total = 0;
        for (int c = 0; c < dh / 2; ++c) {
          const double theta = std::pow(base, -2.0 * c / dh), zeta = (2.0 * c + 0.4 * dh) / (1.4 * dh);
          const double* qi = &q[(head * T + i) * dh + 2 * c];
          const double* kj = &k[(head * T + j) * dh + 2 * c];
          const double qa = std::cos(i * theta) * qi[0] - std::sin(i * theta) * qi[1];
          const double qb = std::sin(i * theta) * qi[0] + std::cos(i * theta) * qi[1];
          const double ka = std::cos(j * theta) * kj[0] - std::sin(j * theta) * kj[1];
          const double kb = std::sin(j * theta) * kj[0] + std::cos(j * theta) * kj[1];
          total += std::pow(zeta, std::abs(i - j) / gamma) * (qa * ka + qb * kb);
        }
        s[(static_cast<size_t>(head) * T + i) * T + j] = total / std::sqrt(double(dh));
      }
  return s;
}

TEST(XPos, WithoutDecayIsRopeInBothAttentionModes) {
  // γ = 1e9: every ζ^{d/γ} is 1 to about 1e−9, so the bidirectional path
  // (rotation in hook 2, the decay in hook 3) must reduce to RoPE, and neither
  // encoding has parameters, so the same seed gives the same weights.
  for (const bool causal : {true, false}) {
    SCOPED_TRACE(causal ? "causal" : "bidirectional");
    Transformer<float> xpos(small_model_config(6, 6), make_encoding<float>("xpos", {{"scale_base", 1e9}}), 1);
    Transformer<float> rope(small_model_config(6, 6), make_encoding<float>("rope"), 1);
    Rng rng(1);
    const Batch batch = random_batch(rng, 2, 9, 6, causal, previous_token());
    xpos.train_step(batch, 0, 0);
    rope.train_step(batch, 0, 0);
    for (size_t e = 0; e < batch.tokens.size() * 6; ++e) EXPECT_NEAR(xpos.logits()[e], rope.logits()[e], 1e-5) << e;
    for (size_t e = 0; e < xpos.num_parameters(); ++e)
      EXPECT_NEAR(xpos.gradients()[e], rope.gradients()[e], 1e-5) << e;
  }
}

}  // namespace

TEST(XPos, BidirectionalLogitsMatchTheFormulaComputedDirectly) {
  const double gamma = 3.0, base = 50.0;  // strong decay, visible rotation
  HookHarness f("xpos", json{{"scale_base", gamma}, {"base", base}}, HookShape{2, 2, 6, 1, 9}, false, kSingleHookSeed);
  Rng rng(3, "xpos-known");
  const std::vector<double> q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  const std::vector<double> got = hook_logits(f, q, k), want = naive_bidirectional_logits(f, q, k, gamma, base);
  for (size_t e = 0; e < got.size(); ++e) EXPECT_NEAR(got[e], want[e], 1e-12) << e;
}

TEST(XPos, BidirectionalLogitsEqualTheCausalOnesBelowTheDiagonal) {
  const json options = {{"scale_base", 4.0}};
  HookHarness causal("xpos", options, HookShape{1, 2, 4, 1, 11}, true, kSingleHookSeed);
  HookHarness bidirectional("xpos", options, HookShape{1, 2, 4, 1, 11}, false, kSingleHookSeed);
  Rng rng(4, "xpos-causal");
  const std::vector<double> q = random_vector(causal.qk_size(), rng), k = random_vector(causal.qk_size(), rng);
  const std::vector<double> a = hook_logits(causal, q, k), b = hook_logits(bidirectional, q, k);
  const int T = 11;
  for (size_t e = 0; e < a.size(); ++e) {
    const bool key_not_after_query = static_cast<int>(e % T) <= static_cast<int>((e / T) % T);
    if (key_not_after_query) {
      EXPECT_NEAR(a[e], b[e], 1e-12) << e;
    }
  }
}

TEST(XPos, BidirectionalDecayIsSymmetricAndNeverGrows) {
  // q = k = the same vector at every position: the RoPE part is symmetric in
  // i, j, so S_ij = S_ji exactly when the decay is. In the slowest pair alone
  // (no rotation to speak of) RoPE would keep every score at 1; xPos must
  // shrink it strictly with distance on both sides of the query.
  const json options = {{"scale_base", 16.0}, {"base", 1e12}};
  const int T = 41, i = 20, dh = 4;
  HookHarness f("xpos", options, HookShape{1, 1, dh, 1, T}, false, kSingleHookSeed);
  const std::vector<double> x = {0.0, 0.0, 1.0, 0.0};
  std::vector<double> q(f.qk_size());
  for (size_t e = 0; e < q.size(); ++e) q[e] = x[e % dh];
  const std::vector<double> s = hook_logits(f, q, q);
  auto score = [&](int row, int col) { return s[static_cast<size_t>(row) * T + col] * std::sqrt(double(dh)); };
  EXPECT_NEAR(score(i, i), 1.0, 1e-12);
  for (int d = 1; d <= i; ++d) {
    EXPECT_NEAR(score(i, i - d), score(i, i + d), 1e-14) << d;
    EXPECT_LT(score(i, i + d), score(i, i + d - 1)) << d;
    EXPECT_GT(score(i, i + d), 0.0) << d;
  }
  EXPECT_NEAR(score(i, 0), std::pow(3.6 / 5.6, 20 / 16.0), 1e-9);  // ζ_1^{20/16}·cos(20·1e−6)
  // Random identical rows, every pair rotating: the whole matrix is symmetric.
  Rng rng(5, "xpos-symmetric");
  const std::vector<double> row = random_vector(dh, rng);
  for (size_t e = 0; e < q.size(); ++e) q[e] = row[e % dh];
  const std::vector<double> t = hook_logits(f, q, q);
  for (int a = 0; a < T; ++a)
    for (int b = 0; b < a; ++b)
      EXPECT_NEAR(t[static_cast<size_t>(a) * T + b], t[static_cast<size_t>(b) * T + a], 1e-14) << a << " " << b;
}

TEST(XPos, BidirectionalHookGradientsMatchFiniteDifferences) {
  // q/k hook (rotation only) and logits hook (dscores, dq, dk), strong decay.
  for (int layer = 0; layer < 2; ++layer) {
    HookHarness f("xpos", json{{"scale_base", 3.0}}, HookShape{2, 2, 4, 2, 7}, false, kSingleHookSeed);
    f.check_qk_hook(layer);
    f.check_logits_hook(layer);
  }
}

TEST(XPos, CausalLogitsHookIsTheIdentity) {
  HookHarness f("xpos", json{{"scale_base", 3.0}}, HookShape{2, 2, 4, 1, 6}, true, kSingleHookSeed);
  Rng rng(6, "xpos-identity");
  std::vector<double> q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  std::vector<double> s = random_vector(f.logits_size(), rng);
  const std::vector<double> before = s;
  f.encoding().begin_forward(f.context());
  f.encoding().logits_forward(s.data(), q.data(), k.data(), 0, f.context());
  EXPECT_EQ(s, before);
  std::vector<double> dq(f.qk_size(), 0.0), dk(f.qk_size(), 0.0);
  f.encoding().logits_backward(s.data(), dq.data(), dk.data(), q.data(), k.data(), 0, f.context());
  EXPECT_EQ(s, before);
  EXPECT_EQ(dq, std::vector<double>(f.qk_size(), 0.0));
  EXPECT_EQ(dk, std::vector<double>(f.qk_size(), 0.0));
}

TEST(XPos, ReportsAndValidatesItsOptions) {
  EXPECT_EQ(make_encoding<float>("xpos")->options(), (json{{"scale_base", 512.0}, {"base", 10000.0}}));
  EXPECT_EQ(make_encoding<float>("xpos", json{{"scale_base", 64}})->options()["scale_base"], 64.0);
  EXPECT_THROW(make_encoding<float>("xpos", json{{"scale_base", 0}}), UsageError);
  EXPECT_THROW(make_encoding<float>("xpos", json{{"base", -1}}), UsageError);
  EXPECT_THROW(make_encoding<float>("xpos", json{{"gamma", 512}}), UsageError);
}

TEST(XPos, OddHeadDimensionIsAUsageError) {
  EXPECT_THROW(HookHarness("xpos", json(), HookShape{1, 2, 3, 1, 3}, true, kSingleHookSeed), UsageError);
}
