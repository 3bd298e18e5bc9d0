// cope: Contextual Position Encoding (Golovneva et al. 2024, "Contextual
// Position Encoding: Learning to Count What's Important"; specs/encodings.md
// §10, specs/tasks-memory.md §2.1).
//
// Per layer and head, with s_ij = q_i·k_j/sqrt(d_h) the raw score:
//   g_ij  = σ(s_ij)                                   gates (same q, k as attention)
//   p_ij  = min(Σ_{t=j..i} g_it, npos − 1)            contextual position (models/cope_positions.hpp)
//   z_i[r] = q_i·e[r],  r = 0..npos−1                 e: [npos, d_h], shared by the layer's heads
//   c_ij  = (1 − w)·z_i[⌊p⌋] + w·z_i[⌈p⌉],  w = p − ⌊p⌋
//   S_ij  = s_ij + c_ij/sqrt(d_h)                     (RAM default; scale_position_logits = false
//                                                      adds c_ij unscaled, RAM's --cope-nodiv)
// Bidirectional extension (ours, DESIGN §2): a key j > i counts the gates
// between the query and the key on the right, p_ij = min(Σ_{t=i..j} g_it,
// npos − 1), and reads a separate table e_right; keys j ≤ i (the query
// itself included) use e_left, so a causal model is the paper's CoPE exactly.
// (RAM's encoder code would sum to the end of the sequence instead.)
//
// Backward (exact, per row; dS = gradient w.r.t. S, dc = dS/sqrt(d_h)):
//   dz[⌊p⌋] += dc(1 − w), dz[⌈p⌉] += dc·w; dp = dc(z[⌈p⌉] − z[⌊p⌋]), 0 where clamped
//   dg_it = Σ_{j≤t} dp_ij (left keys) + Σ_{j≥t, j>i} dp_ij (right keys)
//   dS_ij += dg_ij·g_ij(1 − g_ij): the gate path, handed to q and k through the
//   raw-score gradient because the gates reuse s; dq_i += Σ_r dz[r]·e[r];
//   de[r] += Σ_{b,heads,i} dz_i[r]·q_i.
// At e = 0 (the init) z = 0, so the gates get no gradient until e moves.
//
// Cost and memory: one pass per query row with O(T + npos) scratch per
// thread (no T²×npos temporaries); z is needed only up to r = i + 1 (left) and
// T − i (right) since p ≤ the number of gates summed. The backward recomputes
// the gates from q and k instead of keeping [B,h,T,T] per layer. de sums run
// over a fixed partition of the (b, head) pairs, so the result is the same for
// any thread count.
//
// Source: facebookresearch/RAM projects/cope/src/cope/context_position.py
// (ContextPosSelfAttn: gates σ(q·k/√d_h)·mask, reverse cumsum, clamp to
// npos − 1, interpolation of q @ pos_emb, (q·k + pos_logits)/√d_h).
// Parameters, per layer l: encoding.cope.layer<l>.e_left and .e_right,
// [npos, d_h], zero-initialised as in RAM, not decayed. e_right only trains on
// bidirectional tasks. Options: npos (default 64: the paper's p_max for
// language modelling, the DAPE repo's npos_max; RAM's default is block size
// + 1), scale_position_logits (default true), init_std (default 0: RAM's
// zero init; > 0 draws the tables from N(0, init_std), which also lets the
// gradient checks exercise the gate path).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "models/cope_positions.hpp"
#include "models/encoding.hpp"
#include "models/encoding_options.hpp"
#include "models/vector_math.hpp"

namespace pebench {

namespace {

template <typename T>
T sigmoid(T x) {
  return T(1) / (T(1) + vec::exp(-x));
}

// Linear interpolation between the integer positions around p.
template <typename T>
struct Interpolation {
  int low, high;
  T weight;  // of `high`
  explicit Interpolation(T p)
      : low(static_cast<int>(std::floor(p))), high(static_cast<int>(std::ceil(p))), weight(p - std::floor(p)) {}
};

}  // namespace

template <typename T>
class CoPE : public Encoding<T> {
 public:
  void configure(const json& options) override {
    EncodingOptions reader(this->name(), options);
    npos_ = reader.integer("npos", 64, 2, 1 << 16);
    scale_position_logits_ = reader.boolean("scale_position_logits", true);
    init_std_ = reader.number("init_std", 0.0, 0.0, 10.0);
    reader.finish();
  }
  json options() const override {
    return {{"npos", npos_}, {"scale_position_logits", scale_position_logits_}, {"init_std", init_std_}};
  }

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    d_head_ = config.d_head();
    tables_.resize(config.n_layers);
    const Init init = init_std_ > 0 ? Init::normal(init_std_) : Init::constant(0.0);
    for (int l = 0; l < config.n_layers; ++l) {
      const std::string prefix = fmt::format("encoding.{}.layer{}.", this->name(), l);
      tables_[l].left = layout.add(prefix + "e_left", {npos_, d_head_}, init, false);
      tables_[l].right = layout.add(prefix + "e_right", {npos_, d_head_}, init, false);
    }
  }
  void bind(T* params, T* grads) override {
    params_ = params;
    grads_ = grads;
  }

  void logits_forward(T* scores, const T* q, const T*, int layer, const EncodingContext& ctx) override {
    const int T_ = ctx.seq_len, dh = ctx.d_head;
#pragma omp parallel for schedule(static)
    for (int unit = 0; unit < ctx.batch * ctx.n_heads; ++unit) {
      RowScratch row(T_, npos_);
      for (int i = 0; i < T_; ++i) {
        const T* query = q + (static_cast<size_t>(unit) * T_ + i) * dh;
        T* s = scores + (static_cast<size_t>(unit) * T_ + i) * T_;
        const int last = ctx.causal ? i : T_ - 1;
        for (int j = 0; j <= last; ++j) row.gates[j] = sigmoid(s[j]);
        prepare_row(row, query, i, layer, ctx);
        for (int j = 0; j <= last; ++j) s[j] += position_logit(row, i, j) * position_scale(ctx);
      }
    }
  }

  void logits_backward(T* dscores, T* dq, T*, const T* q, const T* k, int layer,
                       const EncodingContext& ctx) override {
    const int units = ctx.batch * ctx.n_heads, T_ = ctx.seq_len, dh = ctx.d_head;
    // de is summed per fixed block of (b, head) units, then over blocks in
    // order: deterministic for any thread count, bounded memory.
    const int blocks = std::min(units, kMaxBlocks);
    const size_t table = static_cast<size_t>(npos_) * dh;
    std::vector<T> de_blocks(static_cast<size_t>(blocks) * 2 * table, T(0));  // [blocks, 2, npos, d_h]
#pragma omp parallel for schedule(static)
    for (int block = 0; block < blocks; ++block) {
      RowScratch row(T_, npos_);
      T* de_left = de_blocks.data() + static_cast<size_t>(block) * 2 * table;
      T* de_right = de_left + table;
      const int first = static_cast<int>(static_cast<int64_t>(block) * units / blocks);
      const int end = static_cast<int>(static_cast<int64_t>(block + 1) * units / blocks);
      for (int unit = first; unit < end; ++unit)
        for (int i = 0; i < T_; ++i) {
          const size_t row_offset = static_cast<size_t>(unit) * T_ + i;
          backward_row(row, dscores + row_offset * T_, dq + row_offset * dh, de_left, de_right, q + row_offset * dh,
                       k + static_cast<size_t>(unit) * T_ * dh, i, layer, ctx);
        }
    }
    T* de_left = grads_ + tables_[layer].left;
    T* de_right = grads_ + tables_[layer].right;
    for (int block = 0; block < blocks; ++block)
      for (size_t e = 0; e < table; ++e) {
        de_left[e] += de_blocks[static_cast<size_t>(block) * 2 * table + e];
        de_right[e] += de_blocks[static_cast<size_t>(block) * 2 * table + table + e];
      }
  }

 private:
  static constexpr int kMaxBlocks = 64;

  struct TableOffsets {
    size_t left = 0, right = 0;  // e_left, e_right: [npos, d_h]
  };
  // Per-thread buffers for one query row.
  struct RowScratch {
    RowScratch(int seq_len, int npos)
        : gates(seq_len), positions(seq_len), dpositions(seq_len), z_left(npos), z_right(npos), dz_left(npos),
          dz_right(npos) {}
    std::vector<T> gates, positions, dpositions;      // [T] g_ij, p_ij, dL/dp_ij
    std::vector<T> z_left, z_right, dz_left, dz_right;  // [npos] q_i·e[r] and gradients
    int left_rows = 0, right_rows = 0;                // entries of z in use
  };

  T position_scale(const EncodingContext& ctx) const {
    return scale_position_logits_ ? T(1) / std::sqrt(static_cast<T>(ctx.d_head)) : T(1);
  }

  // From the gates of query i: its positions and the z values they can reach.
  void prepare_row(RowScratch& row, const T* query, int i, int layer, const EncodingContext& ctx) const {
    const int T_ = ctx.seq_len, dh = ctx.d_head;
    cope_row_positions(row.positions.data(), row.gates.data(), i, T_, ctx.causal, static_cast<T>(npos_ - 1));
    const T* e_left = params_ + tables_[layer].left;
    const T* e_right = params_ + tables_[layer].right;
    row.left_rows = std::min(npos_, i + 2);  // p_ij <= i − j + 1 <= i + 1
    row.right_rows = ctx.causal ? 0 : std::min(npos_, T_ - i + 1);
    for (int r = 0; r < row.left_rows; ++r) row.z_left[r] = vec::dot(query, e_left + size_t(r) * dh, dh);
    for (int r = 0; r < row.right_rows; ++r) row.z_right[r] = vec::dot(query, e_right + size_t(r) * dh, dh);
  }

  // c_ij: z of the key's side interpolated at p_ij.
  T position_logit(const RowScratch& row, int i, int j) const {
    const std::vector<T>& z = j <= i ? row.z_left : row.z_right;
    const Interpolation<T> at(row.positions[j]);
    return (T(1) - at.weight) * z[at.low] + at.weight * z[at.high];
  }

  // ds: [T] this row of dscores (in place, gate path added); dquery: [d_h] (+=);
  // de_left, de_right: [npos, d_h] (+=); query: [d_h]; keys: [T, d_h].
  void backward_row(RowScratch& row, T* ds, T* dquery, T* de_left, T* de_right, const T* query, const T* keys,
                    int i, int layer, const EncodingContext& ctx) const {
    const int T_ = ctx.seq_len, dh = ctx.d_head, last = ctx.causal ? i : T_ - 1;
    const T score_scale = T(1) / std::sqrt(static_cast<T>(dh)), pos_scale = position_scale(ctx);
    for (int j = 0; j <= last; ++j)
      row.gates[j] = sigmoid(vec::dot(query, keys + static_cast<size_t>(j) * dh, dh) * score_scale);
    prepare_row(row, query, i, layer, ctx);
    std::fill(row.dz_left.begin(), row.dz_left.begin() + row.left_rows, T(0));
    std::fill(row.dz_right.begin(), row.dz_right.begin() + row.right_rows, T(0));
    for (int j = 0; j <= last; ++j) {
      const T dc = ds[j] * pos_scale;
      const std::vector<T>& z = j <= i ? row.z_left : row.z_right;
      std::vector<T>& dz = j <= i ? row.dz_left : row.dz_right;
      const Interpolation<T> at(row.positions[j]);
      dz[at.low] += dc * (T(1) - at.weight);
      dz[at.high] += dc * at.weight;
      // A clamped p is the integer npos − 1, where low == high: dp = 0 as the clamp demands.
      row.dpositions[j] = dc * (z[at.high] - z[at.low]);
    }
    gate_backward(ds, row, i, ctx);
    table_backward(dquery, de_left, query, row.dz_left.data(), row.left_rows, tables_[layer].left, dh);
    table_backward(dquery, de_right, query, row.dz_right.data(), row.right_rows, tables_[layer].right, dh);
  }

  // Adjoint of the cumulative sums, through the gates into the raw scores.
  static void gate_backward(T* ds, const RowScratch& row, int i, const EncodingContext& ctx) {
    T running = 0;  // Σ_{j ≤ t} dp_ij: gate t counts for every left key j ≤ t
    for (int t = 0; t <= i; ++t) {
      running += row.dpositions[t];
      ds[t] += running * row.gates[t] * (T(1) - row.gates[t]);
    }
    if (ctx.causal) return;
    running = 0;  // Σ_{j ≥ t, j > i} dp_ij: gate t counts for every right key j ≥ t
    for (int t = ctx.seq_len - 1; t > i; --t) {
      running += row.dpositions[t];
      ds[t] += running * row.gates[t] * (T(1) - row.gates[t]);
    }
    ds[i] += running * row.gates[i] * (T(1) - row.gates[i]);  // the query's own gate counts on both sides
  }

  // dquery += Σ_r dz[r]·e[r];  de[r] += dz[r]·query  (r < rows).
  void table_backward(T* dquery, T* de, const T* query, const T* dz, int rows, size_t table_offset, int dh) const {
    const T* e = params_ + table_offset;
    for (int r = 0; r < rows; ++r) {
      if (dz[r] == T(0)) continue;
      for (int c = 0; c < dh; ++c) {
        dquery[c] += dz[r] * e[static_cast<size_t>(r) * dh + c];
        de[static_cast<size_t>(r) * dh + c] += dz[r] * query[c];
      }
    }
  }

  int npos_ = 64;
  bool scale_position_logits_ = true;
  double init_std_ = 0.0;
  int d_head_ = 0;
  std::vector<TableOffsets> tables_;  // per layer
  T* params_ = nullptr;
  T* grads_ = nullptr;
};

PEBENCH_ENCODING(CoPE, "cope");

}  // namespace pebench
