// Transformer<T> (models/transformer.hpp), built from the layers in
// models/layers.hpp. The data flow of one block, with N = B·T rows:
//
//   post-norm (CHE reference, docs/tasks.md#the-reference-model):
//     a  = Attn(x);            r1 = x + drop(a);   h1 = LN1(r1)
//     f  = FFN(h1);            r2 = h1 + drop(f);  out = LN2(r2)
//   pre-norm (GPT-2):
//     a  = Attn(LN1(x));       r1 = x + drop(a)
//     f  = FFN(LN2(r1));       out = r1 + drop(f)          (+ a final LN before the head)
//
//   Attn(u) = merge(softmax(hook3(hook2(q,k)) + mask) · v) · Woᵀ with q|k|v = u·Wqkvᵀ
//   FFN(u)  = act(u·W1ᵀ + b1)·W2ᵀ + b2
//
// Input: x0 = drop(hook1(scale · E[tokens])), scale = sqrt(D) if embed_scale.
// Dropout is applied to the embeddings for every encoding (the CHE reference
// does so only for additive PEs): one rule for all keeps the comparison fair.
// The q, k, v and output projections have no bias (CHE reference); the FFN
// and the head do.
//
// Initialisation (CHE reference, Haiku defaults): linear weights truncated
// normal with σ = 1/sqrt(fan_in); token embeddings truncated normal σ = 0.02
// (then scaled by sqrt(D) at use); biases 0; LayerNorm weight 1, bias 0.
// The encoding's parameters come last in the layout, so they are drawn last
// and never change the initial values of the rest of the model.
//
// Sub-batches: linear layers run their GEMMs over blocks of whole sequences
// (`sequences_per_block`, a function of T only), and evaluate() splits the
// batch into a multiple of that block. Every kernel is then identical for a
// sequence whether it was evaluated alone, in a sub-batch or in the whole
// batch, and per-sequence results are summed in sequence order: evaluate()
// gives bit-identical results for any memory budget.
#include "models/transformer.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>

#include "models/eigen.hpp"

#include "common/errors.hpp"
#include "models/aligned_buffer.hpp"
#include "models/layers.hpp"

namespace pebench {

namespace {

std::atomic<bool> fused_attention_bias_allowed{true};  // tests switch it off to compare the two paths

constexpr int kTargetBlockRows = 256;                    // rows per linear-layer GEMM block (about)
constexpr size_t kDefaultEvalMemory = size_t(256) << 20;  // activation budget of evaluate()

int sequences_per_block(int seq_len) { return std::max(1, kTargetBlockRows / seq_len); }

template <typename V>
void ensure_size(V& buffer, size_t n) {
  if (buffer.size() < n) buffer.resize(n);
}

template <typename V>
void zero(V& buffer, size_t n) {
  ensure_size(buffer, n);
  fill_zero(buffer.data(), n);
}

void check_config(const ModelConfig& c) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw UsageError("model: " + message);
  };
  require(c.input_vocab >= 1, "input_vocab must be at least 1");
  require(c.output_vocab >= 1, "output_vocab must be at least 1");
  require(c.d_model >= 1, "d_model must be at least 1");
  require(c.n_layers >= 1, "n_layers must be at least 1");
  require(c.n_heads >= 1, "n_heads must be at least 1");
  require(c.d_model % c.n_heads == 0, "d_model " + std::to_string(c.d_model) +
                                          " is not divisible by n_heads " + std::to_string(c.n_heads));
  require(c.d_ff >= 1, "d_ff must be at least 1");
  require(c.dropout >= 0.0 && c.dropout < 1.0, "dropout must be in [0, 1)");
  require(c.max_seq_len >= 1, "max_seq_len must be at least 1");
}

// Offsets of one block's tensors in the flat buffers. wq, wk, wv are declared
// one after the other, so `wqkv` is also the fused [3D,D] matrix.
struct BlockParams {
  size_t wqkv, wo, ln1_weight, ln1_bias, w1, b1, w2, b2, ln2_weight, ln2_bias;
};

// LayerNorm output and the statistics its backward needs.
template <typename T>
struct NormCache {
  AlignedBuffer<T> out;   // [N,D]
  AlignedBuffer<T> mean;  // [N]
  AlignedBuffer<T> rstd;  // [N]
};

// What a layer's additive attention bias needs from the fused backward: nothing
// (no bias, or no parameters), Σ_b dS (a bias shared by the batch), or dS.
enum class BiasGradient { none, summed, per_sequence };

// One block's activations that backward reads, kept per layer by forward()
// (evaluate() recycles two of them).
template <typename T>
struct BlockActivations {
  AlignedBuffer<T> q, k, v;        // [B,h,T,d] (q, k after hook 2)
  AlignedBuffer<T> probs;          // [B,h,T,T] attention weights
  AlignedBuffer<T> merged;         // [N,D] heads side by side: the input of Wo
  std::vector<uint8_t> attn_keep;  // [N,D] dropout mask (empty: no dropout)
  AlignedBuffer<T> resid1;         // [N,D]
  NormCache<T> ln1, ln2;
  AlignedBuffer<T> ffn_pre;        // [N,F] before the activation (backward recomputes the activation)
  std::vector<uint8_t> ffn_keep;   // [N,D]
  AlignedBuffer<T> resid2;         // [N,D]
  bool fused_attention = true;     // the forward ran attention_fused_forward (else the [B,h,T,T] stages)
  BiasGradient bias_gradient = BiasGradient::none;  // ... with an additive bias whose parameters need dS
};

// Forward intermediates no backward needs, shared by all blocks.
template <typename T>
struct ForwardScratch {
  AlignedBuffer<T> qkv;       // [N,3D] projections
  AlignedBuffer<T> heads;     // [B,h,T,d] probs·v
  AlignedBuffer<T> attn_out;  // [N,D] after Wo and dropout
  AlignedBuffer<T> ffn_act;   // [N,F] act(ffn_pre), recomputed by the backward (the forward needs one block)
  AlignedBuffer<T> w1_t;      // [D,F] the FFN's weights, transposed for its row blocks
  AlignedBuffer<T> w2_t;      // [F,D]
  Bf16Matrix w1_bf16, w2_bf16;  // w1_t, w2_t packed in bfloat16 (model.precision bf16)
  AlignedBuffer<T> ffn_out;   // [N,D] after W2 and dropout
};

// Sizes of one (sub-)batch pass.
struct Shape {
  int B = 0, T = 0, N = 0, D = 0, h = 0, d = 0, F = 0, V = 0;
  bool causal = false;
  int block_rows = 0;      // linear-layer GEMM block: whole sequences
  int first_sequence = 0;  // index of this chunk's first sequence in the batch
};

// Gradients of one residual sub-layer (attention or feed-forward); each
// sub-layer has its own, so that a block's backward finds them all zeroed by
// one pass (zero_block_gradients) instead of zeroing one buffer at a time.
template <typename T>
struct SublayerGradients {
  AlignedBuffer<T> skip, branch;  // [N,D] residual backward
  AlignedBuffer<T> normed;        // [N,D] w.r.t. a LayerNorm's output
};

// Gradient buffers shared by all blocks during backward.
template <typename T>
struct GradientScratch {
  AlignedBuffer<T> out, in;           // [N,D] w.r.t. the current block's output / input
  SublayerGradients<T> attn, ffn;
  AlignedBuffer<T> merged;            // [N,D]
  AlignedBuffer<T> heads, q, k, v;    // [B,h,T,d]
  AlignedBuffer<T> scores;            // [B,h,T,T]
  AlignedBuffer<T> bias;              // [h,T,T] Σ_b of scores, for a shared attention bias
  AlignedBuffer<T> qkv;               // [N,3D]
  AlignedBuffer<T> ffn_act, ffn_pre;  // [N,F]
  AlignedBuffer<T> logits;            // [N,V]
  AlignedBuffer<T> final_norm;        // [N,D]
};

}  // namespace

template <typename T>
struct Transformer<T>::Impl {
  ModelConfig config;
  std::unique_ptr<Encoding<T>> encoding;
  ParamLayout layout;
  AlignedBuffer<T> params, grads;  // flat, each starting on a cache line as the activations do
  size_t token_embedding = 0, final_ln_weight = 0, final_ln_bias = 0, head_weight = 0, head_bias = 0;
  std::vector<BlockParams> blocks;
  size_t eval_memory_budget = kDefaultEvalMemory;

  // The last pass.
  bool can_backward = false;
  bool keep_activations = false;  // this pass keeps what backward() needs
  Shape shape;
  EncodingContext context;
  PassOptions pass;
  // Copies of the last batch's inputs: backward() and the encoding hooks
  // read them after the caller's Batch may be gone.
  std::vector<int> tokens, targets;       // [B,T]
  std::vector<uint8_t> boundary;          // [B,T] (empty if the batch has none)
  AlignedBuffer<T> embedded;              // [N,D] x0
  std::vector<uint8_t> embed_keep;        // [N,D]
  std::vector<BlockActivations<T>> acts;  // one per layer (forward), two (evaluate)
  NormCache<T> final_ln;                  // pre-norm only
  ForwardScratch<T> scratch;
  AlignedBuffer<T> logits;                // [B,T,V] whole batch
  std::vector<int> predictions;           // [B,T]
  std::vector<double> losses;             // [B,T] per-position cross-entropy
  int64_t targeted = 0;
  GradientScratch<T> grad;

  Impl(const ModelConfig& model, std::unique_ptr<Encoding<T>> enc, uint64_t init_seed);
  void declare_parameters();

  void validate(const Batch& batch) const;
  Shape chunk_shape(const Batch& batch, int first, int count) const;
  EncodingContext chunk_context(const Shape& s, const PassOptions& options) const;
  void begin_pass(const Batch& batch);
  void run(const Batch& batch, int first, int count, const PassOptions& options, bool keep_activations);
  ForwardResult summarize(const Batch& batch) const;
  ForwardResult evaluate(const Batch& batch, const PassOptions& options);  // in sub-batches, no backward
  int eval_sub_batch(int seq_len) const;

  // Forward pieces. `in` is [N,D].
  void embed(const Shape& s);
  void attention_forward(BlockActivations<T>& a, const T* in, int layer, const Shape& s, const RowBlockHook& close);
  void ffn_forward(BlockActivations<T>& a, const T* in, int layer, const Shape& s, const RowBlockHook& close);
  bool prepare_dropout(std::vector<uint8_t>& keep, const Shape& s) const;
  void dropout_rows(T* x, std::vector<uint8_t>& keep, uint64_t site, const Shape& s, int first_row, int rows) const;
  RowBlockHook close_sublayer(T* resid, const T* skip, T* branch, std::vector<uint8_t>& keep, uint64_t site,
                              NormCache<T>* norm, size_t norm_weight, size_t norm_bias, const Shape& s);
  void layernorm_rows(NormCache<T>& cache, const T* in, size_t weight, size_t bias, const Shape& s, int first_row,
                      int rows);
  const T* block_forward(BlockActivations<T>& a, const T* x, int layer, const Shape& s);
  void head_forward(const T* x, const Shape& s);

  // Backward pieces: every d* argument is added into, unless a Write says it is assigned.
  void backward();
  const T* head_backward(const Shape& s);
  void zero_block_gradients(const Shape& s, bool fused_attention);
  void block_backward(T* dx, const T* dout, const BlockActivations<T>& a, const T* x, int layer, const Shape& s);
  void branch_backward(T* dskip, T* dbranch, const T* dout, const std::vector<uint8_t>& keep, size_t n);
  // din += (or =, with Write::assign) the sub-layer's input gradient.
  void attention_backward(T* din, const T* dout, const BlockActivations<T>& a, const T* in, int layer,
                          const Shape& s, Write din_write);
  void ffn_backward(T* din, const T* dout, const BlockActivations<T>& a, const T* in, int layer, const Shape& s,
                    Write din_write);
  void layernorm_backward_into(T* din, const T* dout, const NormCache<T>& cache, const T* in, size_t weight,
                               size_t bias, const Shape& s);

  T* param(size_t offset) { return params.data() + offset; }
  // The linear layers' product precision (models/gemm_bf16.hpp; a double model computes in double).
  Precision precision() const { return config.precision; }
  T* grad_of(size_t offset) { return grads.data() + offset; }
  const T* block_input(int layer) const {
    return layer == 0 ? embedded.data() : block_output(acts[layer - 1]);
  }
  const T* block_output(const BlockActivations<T>& a) const {
    return config.norm == NormPlacement::post ? a.ln2.out.data() : a.resid2.data();
  }
};

// ------------------------------------------------------------------ building

template <typename T>
Transformer<T>::Impl::Impl(const ModelConfig& model, std::unique_ptr<Encoding<T>> enc, uint64_t init_seed)
    : config(model), encoding(std::move(enc)) {
  check_config(config);
  if (!encoding) throw UsageError("model: no encoding given");
  use_fixed_eigen_blocking();
  declare_parameters();
  encoding->declare_parameters(layout, config);
  params.assign(layout.total_size(), T(0));
  grads.assign(layout.total_size(), T(0));
  Rng rng(init_seed, "init");
  layout.initialize(params.data(), rng);
  encoding->bind(params.data(), grads.data());
  encoding->project_parameters();  // constraints (KERPLE clamps) hold from init on, not only after the first step
}

template <typename T>
void Transformer<T>::Impl::declare_parameters() {
  const int D = config.d_model, F = config.d_ff;
  auto linear = [](int fan_in) { return Init::truncated_normal(1.0 / std::sqrt(double(fan_in))); };
  const Init zeros = Init::constant(0.0), ones = Init::constant(1.0);
  token_embedding = layout.add("embedding.tokens", {config.input_vocab, D}, Init::truncated_normal(0.02));
  for (int l = 0; l < config.n_layers; ++l) {
    const std::string p = "layer" + std::to_string(l) + ".";
    BlockParams b{};
    b.wqkv = layout.add(p + "attn.wq", {D, D}, linear(D));
    layout.add(p + "attn.wk", {D, D}, linear(D));
    layout.add(p + "attn.wv", {D, D}, linear(D));
    b.wo = layout.add(p + "attn.wo", {D, D}, linear(D));
    b.ln1_weight = layout.add(p + "ln1.weight", {D}, ones, false);
    b.ln1_bias = layout.add(p + "ln1.bias", {D}, zeros, false);
    b.w1 = layout.add(p + "ffn.w1", {F, D}, linear(D));
    b.b1 = layout.add(p + "ffn.b1", {F}, zeros, false);
    b.w2 = layout.add(p + "ffn.w2", {D, F}, linear(F));
    b.b2 = layout.add(p + "ffn.b2", {D}, zeros, false);
    b.ln2_weight = layout.add(p + "ln2.weight", {D}, ones, false);
    b.ln2_bias = layout.add(p + "ln2.bias", {D}, zeros, false);
    blocks.push_back(b);
  }
  if (config.norm == NormPlacement::pre) {
    final_ln_weight = layout.add("final_ln.weight", {D}, ones, false);
    final_ln_bias = layout.add("final_ln.bias", {D}, zeros, false);
  }
  head_weight = layout.add("head.weight", {config.output_vocab, D}, linear(D));
  head_bias = layout.add("head.bias", {config.output_vocab}, zeros, false);
}

// ------------------------------------------------------------------ forward

template <typename T>
void Transformer<T>::Impl::validate(const Batch& batch) const {
  const size_t n = static_cast<size_t>(batch.batch_size) * std::max(batch.seq_len, 0);
  if (batch.batch_size < 1 || batch.seq_len < 1) throw UsageError("model: empty batch");
  if (batch.seq_len > config.max_seq_len)
    throw UsageError("model: sequence length " + std::to_string(batch.seq_len) + " exceeds max_seq_len " +
                     std::to_string(config.max_seq_len));
  if (batch.tokens.size() != n || batch.targets.size() != n || batch.scored.size() != n ||
      (!batch.boundary.empty() && batch.boundary.size() != n))
    throw UsageError("model: batch buffers do not match batch_size × seq_len");
  for (int token : batch.tokens)
    if (token < 0 || token >= config.input_vocab)
      throw UsageError("model: token id " + std::to_string(token) + " is outside the input vocabulary [0, " +
                       std::to_string(config.input_vocab) + ")");
  for (int target : batch.targets)
    if (target < Batch::kNoTarget || target >= config.output_vocab)
      throw UsageError("model: target id " + std::to_string(target) + " is outside the output vocabulary [0, " +
                       std::to_string(config.output_vocab) + ")");
}

template <typename T>
Shape Transformer<T>::Impl::chunk_shape(const Batch& batch, int first, int count) const {
  Shape s;
  s.B = count;
  s.T = batch.seq_len;
  s.N = count * batch.seq_len;
  s.D = config.d_model;
  s.h = config.n_heads;
  s.d = config.d_head();
  s.F = config.d_ff;
  s.V = config.output_vocab;
  s.causal = batch.causal;
  s.block_rows = sequences_per_block(batch.seq_len) * batch.seq_len;
  s.first_sequence = first;
  return s;
}

template <typename T>
EncodingContext Transformer<T>::Impl::chunk_context(const Shape& s, const PassOptions& options) const {
  EncodingContext ctx;
  ctx.batch = s.B;
  ctx.seq_len = s.T;
  ctx.d_model = s.D;
  ctx.n_heads = s.h;
  ctx.d_head = s.d;
  ctx.n_layers = config.n_layers;
  ctx.causal = s.causal;
  ctx.training = options.training;
  const size_t offset = static_cast<size_t>(s.first_sequence) * s.T;
  ctx.tokens = tokens.data() + offset;
  ctx.boundary = boundary.empty() ? nullptr : boundary.data() + offset;
  ctx.position_seed = options.position_seed;
  ctx.sequence_seeds = options.sequence_seeds.empty() ? nullptr : options.sequence_seeds.data() + s.first_sequence;
  return ctx;
}

// Sizes `keep` for this pass's dropout, or empties it when there is none
// (backward reads an empty mask as "no dropout"). True when dropout is on.
template <typename T>
bool Transformer<T>::Impl::prepare_dropout(std::vector<uint8_t>& keep, const Shape& s) const {
  if (!context.training || config.dropout <= 0.0) {
    keep.clear();
    return false;
  }
  ensure_size(keep, static_cast<size_t>(s.N) * s.D);
  return true;
}

// Dropout of rows [first_row, first_row + rows) (whole sequences) of x [N,D];
// keep sized by prepare_dropout. Each sequence draws its own mask.
template <typename T>
void Transformer<T>::Impl::dropout_rows(T* x, std::vector<uint8_t>& keep, uint64_t site, const Shape& s,
                                        int first_row, int rows) const {
  if (keep.empty()) return;
  const size_t offset = static_cast<size_t>(first_row) * s.D;
  dropout_forward(x + offset, keep.data() + offset, config.dropout, pass.dropout_seed, site,
                  s.first_sequence + first_row / s.T, rows / s.T, static_cast<size_t>(s.T) * s.D);
}

// LayerNorm of rows [first_row, first_row + rows) of `in` [N,D] into `cache`.
template <typename T>
void Transformer<T>::Impl::layernorm_rows(NormCache<T>& cache, const T* in, size_t weight, size_t bias,
                                          const Shape& s, int first_row, int rows) {
  const size_t offset = static_cast<size_t>(first_row) * s.D;
  layernorm_forward(cache.out.data() + offset, cache.mean.data() + first_row, cache.rstd.data() + first_row,
                    in + offset, param(weight), param(bias), rows, s.D);
}

// The end of a residual sub-layer, as a hook on the rows of its last linear
// layer: resid = skip + dropout(branch), then LayerNorm of resid into `norm`
// if one is given. Buffers are sized here, outside the parallel region.
template <typename T>
RowBlockHook Transformer<T>::Impl::close_sublayer(T* resid, const T* skip, T* branch, std::vector<uint8_t>& keep,
                                                  uint64_t site, NormCache<T>* norm, size_t norm_weight,
                                                  size_t norm_bias, const Shape& s) {
  prepare_dropout(keep, s);
  return [this, resid, skip, branch, &keep, site, norm, norm_weight, norm_bias, &s](int first_row, int rows) {
    dropout_rows(branch, keep, site, s, first_row, rows);
    const size_t offset = static_cast<size_t>(first_row) * s.D, n = static_cast<size_t>(rows) * s.D;
    residual_forward(resid + offset, skip + offset, branch + offset, n);
    if (norm) layernorm_rows(*norm, resid, norm_weight, norm_bias, s, first_row, rows);
  };
}

template <typename T>
void Transformer<T>::Impl::embed(const Shape& s) {
  ensure_size(embedded, static_cast<size_t>(s.N) * s.D);
  const T scale = config.embed_scale ? std::sqrt(T(s.D)) : T(1);
  embedding_forward(embedded.data(), context.tokens, param(token_embedding), scale, s.N, s.D);
  encoding->input_forward(embedded.data(), context);
  if (prepare_dropout(embed_keep, s)) dropout_rows(embedded.data(), embed_keep, 0, s, 0, s.N);
}

// Attention sub-layer; `close` runs on each row block of its output
// projection (scratch.attn_out, sized by the caller, before dropout). The
// head split and merge run on the projections' row blocks too: a block is
// whole sequences, whose head rows are the same rows of the [B,h,T,d] buffers.
template <typename T>
void Transformer<T>::Impl::attention_forward(BlockActivations<T>& a, const T* in, int layer, const Shape& s,
                                             const RowBlockHook& close) {
  const BlockParams& p = blocks[layer];
  const size_t rows = s.N, head_elems = rows * s.D, score_elems = static_cast<size_t>(s.B) * s.h * s.T * s.T;
  ForwardScratch<T>& f = scratch;
  ensure_size(f.qkv, 3 * head_elems);
  for (auto* buffer : {&a.q, &a.k, &a.v, &f.heads, &a.merged}) ensure_size(*buffer, head_elems);
  // The weights are kept for backward; an evaluation pass through the fused
  // kernel needs no [B,h,T,T] tensor at all. A logits hook that is an
  // additive bias joins the fused kernel; any other needs the whole tensor.
  const AttentionBias<T> bias = encoding->has_logits_hook() && fused_attention_bias_allowed.load()
                                    ? encoding->attention_bias(layer, context)
                                    : AttentionBias<T>{};
  const bool fused = !encoding->has_logits_hook() || bias.values;
  a.fused_attention = fused;
  a.bias_gradient = !(bias.values && bias.has_gradient) ? BiasGradient::none
                    : bias.per_example                    ? BiasGradient::per_sequence
                                                          : BiasGradient::summed;
  if (keep_activations || !fused) ensure_size(a.probs, score_elems);
  auto head_rows = [&s](int first_row) { return static_cast<size_t>(first_row) * s.D; };  // [B,h,T,d] offset
  linear_forward(f.qkv.data(), in, param(p.wqkv), static_cast<const T*>(nullptr), s.N, s.D, 3 * s.D,
                 s.block_rows, {}, [&](int first_row, int block) {
                   split_heads_forward(a.q.data() + head_rows(first_row), a.k.data() + head_rows(first_row),
                                       a.v.data() + head_rows(first_row), f.qkv.data() + 3 * head_rows(first_row),
                                       block / s.T, s.h, s.T, s.d);
                 }, precision());
  encoding->qk_forward(a.q.data(), a.k.data(), layer, context);
  if (fused) {
    attention_fused_forward(f.heads.data(), keep_activations ? a.probs.data() : nullptr, a.q.data(), a.k.data(),
                            a.v.data(), s.causal, s.B, s.h, s.T, s.d, bias);
  } else {
    attention_scores_forward(a.probs.data(), a.q.data(), a.k.data(), s.causal, s.B, s.h, s.T, s.d);
    encoding->logits_forward(a.probs.data(), a.q.data(), a.k.data(), layer, context);
    attention_softmax_values_forward(f.heads.data(), a.probs.data(), a.v.data(), s.causal, s.B, s.h, s.T, s.d);
  }
  const RowBlockHook merge = [&](int first_row, int block) {
    merge_heads_forward(a.merged.data() + head_rows(first_row), f.heads.data() + head_rows(first_row), block / s.T,
                        s.h, s.T, s.d);
  };
  linear_forward(f.attn_out.data(), a.merged.data(), param(p.wo), static_cast<const T*>(nullptr), s.N, s.D,
                 s.D, s.block_rows, merge, close, precision());
}

// Feed-forward sub-layer; `close` runs on each row block of its second
// linear layer's output (scratch.ffn_out, sized by the caller, before dropout).
// Both layers run block by block: a block's hidden activations go from the
// first product through the activation into the second product while they
// are in cache, in a buffer of one block per thread, instead of [N,F]
// buffers written out and read back. A pass that keeps activations keeps
// the first product (a.ffn_pre) for the backward; one that does not keeps
// it in a block buffer too. Each block's arithmetic is linear_forward's.
template <typename T>
void Transformer<T>::Impl::ffn_forward(BlockActivations<T>& a, const T* in, int layer, const Shape& s,
                                       const RowBlockHook& close) {
  const BlockParams& p = blocks[layer];
  if (keep_activations) ensure_size(a.ffn_pre, static_cast<size_t>(s.N) * s.F);
  ensure_size(scratch.w1_t, static_cast<size_t>(s.D) * s.F);
  ensure_size(scratch.w2_t, static_cast<size_t>(s.F) * s.D);
  linear_transpose_weight(scratch.w1_t.data(), param(p.w1), s.D, s.F);
  linear_transpose_weight(scratch.w2_t.data(), param(p.w2), s.F, s.D);
  const T* w1_t = scratch.w1_t.data();
  const T* w2_t = scratch.w2_t.data();
  const Bf16Matrix* w1_bf16 = linear_pack_weight(scratch.w1_bf16, w1_t, s.D, s.F, precision());
  const Bf16Matrix* w2_bf16 = linear_pack_weight(scratch.w2_bf16, w2_t, s.F, s.D, precision());
  for_row_blocks(s.N, s.block_rows, static_cast<size_t>(s.N) * s.D * s.F, [&](int first_row, int rows) {
    static thread_local AlignedBuffer<T> block_pre, hidden;  // [rows,F] this block's ffn_pre, act(ffn_pre)
    const size_t n = static_cast<size_t>(rows) * s.F;
    ensure_size(hidden, n);
    if (!keep_activations) ensure_size(block_pre, n);
    T* pre = keep_activations ? a.ffn_pre.data() + static_cast<size_t>(first_row) * s.F : block_pre.data();
    linear_rows_forward(pre, in + static_cast<size_t>(first_row) * s.D, w1_t, param(p.b1), rows, s.D, s.F, w1_bf16);
    activation_forward(hidden.data(), pre, config.activation, n);
    linear_rows_forward(scratch.ffn_out.data() + static_cast<size_t>(first_row) * s.D, hidden.data(), w2_t,
                        param(p.b2), rows, s.F, s.D, w2_bf16);
    if (close) close(first_row, rows);
  });
}

template <typename T>
const T* Transformer<T>::Impl::block_forward(BlockActivations<T>& a, const T* x, int layer, const Shape& s) {
  const BlockParams& p = blocks[layer];
  const size_t n = static_cast<size_t>(s.N) * s.D;
  for (auto* buffer : {&a.resid1, &a.resid2, &a.ln1.out, &a.ln2.out, &scratch.attn_out, &scratch.ffn_out})
    ensure_size(*buffer, n);
  for (auto* buffer : {&a.ln1.mean, &a.ln1.rstd, &a.ln2.mean, &a.ln2.rstd}) ensure_size(*buffer, s.N);
  const uint64_t attn_site = 2 * layer + 1, ffn_site = 2 * layer + 2;  // dropout streams
  T* attn_out = scratch.attn_out.data();
  T* ffn_out = scratch.ffn_out.data();
  if (config.norm == NormPlacement::post) {
    // r1 = x + drop(attn(x)), h1 = LN1(r1); r2 = h1 + drop(ffn(h1)), out = LN2(r2)
    attention_forward(a, x, layer, s,
                      close_sublayer(a.resid1.data(), x, attn_out, a.attn_keep, attn_site, &a.ln1, p.ln1_weight,
                                     p.ln1_bias, s));
    ffn_forward(a, a.ln1.out.data(), layer, s,
                close_sublayer(a.resid2.data(), a.ln1.out.data(), ffn_out, a.ffn_keep, ffn_site, &a.ln2,
                               p.ln2_weight, p.ln2_bias, s));
  } else {
    // r1 = x + drop(attn(LN1(x))); r2 = r1 + drop(ffn(LN2(r1)))
    layernorm_forward(a.ln1.out.data(), a.ln1.mean.data(), a.ln1.rstd.data(), x, param(p.ln1_weight),
                      param(p.ln1_bias), s.N, s.D);
    attention_forward(a, a.ln1.out.data(), layer, s,
                      close_sublayer(a.resid1.data(), x, attn_out, a.attn_keep, attn_site, &a.ln2, p.ln2_weight,
                                     p.ln2_bias, s));
    ffn_forward(a, a.ln2.out.data(), layer, s,
                close_sublayer(a.resid2.data(), a.resid1.data(), ffn_out, a.ffn_keep, ffn_site, nullptr, 0, 0, s));
  }
  return block_output(a);
}

// Logits, predictions and per-position losses of this chunk, written at the
// chunk's rows of the whole-batch buffers.
template <typename T>
void Transformer<T>::Impl::head_forward(const T* x, const Shape& s) {
  const size_t first_row = static_cast<size_t>(s.first_sequence) * s.T;
  if (config.norm == NormPlacement::pre) {
    ensure_size(final_ln.out, static_cast<size_t>(s.N) * s.D);
    ensure_size(final_ln.mean, s.N);
    ensure_size(final_ln.rstd, s.N);
    layernorm_forward(final_ln.out.data(), final_ln.mean.data(), final_ln.rstd.data(), x,
                      param(final_ln_weight), param(final_ln_bias), s.N, s.D);
    x = final_ln.out.data();
  }
  T* chunk_logits = logits.data() + first_row * s.V;
  linear_forward(chunk_logits, x, param(head_weight), param(head_bias), s.N, s.D, s.V, s.block_rows, {}, {},
                 precision());
  crossentropy_forward(losses.data() + first_row, predictions.data() + first_row, chunk_logits,
                       targets.data() + first_row, s.N, s.V);
}

// One pass over sequences [first, first + count) of `batch`.
template <typename T>
void Transformer<T>::Impl::run(const Batch& batch, int first, int count, const PassOptions& options,
                               bool keep_activations) {
  const Shape s = chunk_shape(batch, first, count);
  pass = options;
  context = chunk_context(s, pass);
  encoding->begin_forward(context);
  this->keep_activations = keep_activations;
  acts.resize(keep_activations ? config.n_layers : std::min(2, config.n_layers));
  embed(s);
  const T* x = embedded.data();
  for (int l = 0; l < config.n_layers; ++l) x = block_forward(acts[l % acts.size()], x, l, s);
  head_forward(x, s);
  shape = s;
}

// Validates the batch, copies its inputs and sizes the whole-batch outputs.
template <typename T>
void Transformer<T>::Impl::begin_pass(const Batch& batch) {
  validate(batch);
  can_backward = false;
  const size_t rows = static_cast<size_t>(batch.batch_size) * batch.seq_len;
  tokens = batch.tokens;
  targets = batch.targets;
  boundary = batch.boundary;
  logits.resize(rows * config.output_vocab);
  predictions.resize(rows);
  losses.resize(rows);
}

template <typename T>
ForwardResult Transformer<T>::Impl::summarize(const Batch& batch) const {
  ForwardResult result;
  double loss_sum = 0.0;
  for (int b = 0; b < batch.batch_size; ++b) {
    double sequence_loss = 0.0;
    int64_t scored = 0, correct = 0;
    for (int t = 0; t < batch.seq_len; ++t) {
      const size_t i = static_cast<size_t>(b) * batch.seq_len + t;
      if (batch.targets[i] >= 0) {
        sequence_loss += losses[i];
        ++result.targeted;
      }
      if (batch.scored[i] && batch.targets[i] >= 0) {
        ++scored;
        correct += predictions[i] == batch.targets[i];
      }
    }
    loss_sum += sequence_loss;
    result.scored += scored;
    result.correct += correct;
    if (scored > 0) {
      ++result.sequences;
      result.sequences_correct += correct == scored;
    }
  }
  result.loss = result.targeted > 0 ? loss_sum / static_cast<double>(result.targeted) : 0.0;
  return result;
}

// Bytes of activations one sequence of length T needs in evaluate(): two
// recycled blocks, the shared scratch, the embeddings and the head, plus room
// for an encoding's own per-sequence [h,T,T] buffer (per-example biases).
template <typename T>
int Transformer<T>::Impl::eval_sub_batch(int seq_len) const {
  const size_t Tn = seq_len, D = config.d_model, F = config.d_ff, h = config.n_heads, V = config.output_vocab;
  const size_t block = Tn * (8 * D + F + 4) + h * Tn * Tn;  // BlockActivations
  const size_t shared = Tn * (6 * D + F) + h * Tn * Tn;     // ForwardScratch, encoding's [h,T,T]
  const size_t per_sequence = sizeof(T) * (2 * block + shared + Tn * (2 * D + V + 2));
  const int group = sequences_per_block(seq_len);
  const size_t fits = eval_memory_budget / per_sequence;
  const size_t groups = std::max<size_t>(1, fits / group);
  return static_cast<int>(std::min<size_t>(groups * group, 1 << 30));
}

// ------------------------------------------------------------------ backward

template <typename T>
void Transformer<T>::Impl::layernorm_backward_into(T* din, const T* dout, const NormCache<T>& cache, const T* in,
                                                   size_t weight, size_t bias, const Shape& s) {
  layernorm_backward(din, grad_of(weight), grad_of(bias), dout, in, param(weight), cache.mean.data(),
                     cache.rstd.data(), s.N, s.D);
}

// out = skip + dropout(branch): dskip = dout; dbranch = dropout'(dout). Both
// buffers are written here first, with either norm placement, so they are
// assigned rather than zeroed and added into (models/write_mode.hpp).
template <typename T>
void Transformer<T>::Impl::branch_backward(T* dskip, T* dbranch, const T* dout, const std::vector<uint8_t>& keep,
                                           size_t n) {
  // dskip = dout; dbranch = dout, or dout through the dropout mask: each written once.
  const bool dropout = !keep.empty();
  residual_backward(dskip, dropout ? static_cast<T*>(nullptr) : dbranch, dout, n, Write::assign);
  if (dropout) dropout_backward(dbranch, dout, keep.data(), config.dropout, n, Write::assign);
}

template <typename T>
void Transformer<T>::Impl::attention_backward(T* din, const T* dout, const BlockActivations<T>& a, const T* in,
                                              int layer, const Shape& s, Write din_write) {
  const BlockParams& p = blocks[layer];
  const size_t score_elems = static_cast<size_t>(s.B) * s.h * s.T * s.T;
  linear_backward(grad.merged.data(), grad_of(p.wo), static_cast<T*>(nullptr), dout, a.merged.data(), param(p.wo),
                  s.N, s.D, s.D, s.block_rows, Write::assign, precision());
  merge_heads_backward(grad.heads.data(), grad.merged.data(), s.B, s.h, s.T, s.d, Write::assign);
  if (!a.fused_attention) {
    ensure_size(grad.scores, score_elems);  // written by attention_softmax_values_backward
    attention_softmax_values_backward(grad.scores.data(), grad.v.data(), grad.heads.data(), a.probs.data(),
                                      a.v.data(), s.causal, s.B, s.h, s.T, s.d);
    encoding->logits_backward(grad.scores.data(), grad.q.data(), grad.k.data(), a.q.data(), a.k.data(), layer,
                              context);
    attention_scores_backward(grad.q.data(), grad.k.data(), grad.scores.data(), a.q.data(), a.k.data(), s.causal,
                              s.B, s.h, s.T, s.d);
  } else {
    // An additive bias with parameters: a shared one gets Σ_b dS summed by the
    // kernel; one per sequence gets dS itself through the encoding's logits
    // backward (dS passes through it).
    T* dscores = nullptr;
    T* dbias = nullptr;
    if (a.bias_gradient == BiasGradient::summed) {
      zero(grad.bias, static_cast<size_t>(s.h) * s.T * s.T);
      dbias = grad.bias.data();
    } else if (a.bias_gradient == BiasGradient::per_sequence) {
      ensure_size(grad.scores, score_elems);
      dscores = grad.scores.data();
    }
    attention_fused_backward(grad.q.data(), grad.k.data(), grad.v.data(), grad.heads.data(), a.probs.data(),
                             a.q.data(), a.k.data(), a.v.data(), s.causal, s.B, s.h, s.T, s.d, Write::assign,
                             dscores, dbias);
    if (dbias) encoding->attention_bias_backward(dbias, layer, context);
    if (dscores)
      encoding->logits_backward(dscores, grad.q.data(), grad.k.data(), a.q.data(), a.k.data(), layer, context);
  }
  encoding->qk_backward(grad.q.data(), grad.k.data(), layer, context);
  split_heads_backward(grad.qkv.data(), grad.q.data(), grad.k.data(), grad.v.data(), s.B, s.h, s.T, s.d,
                       Write::assign);
  linear_backward(din, grad_of(p.wqkv), static_cast<T*>(nullptr), grad.qkv.data(), in, param(p.wqkv), s.N, s.D,
                  3 * s.D, s.block_rows, din_write, precision());
}

template <typename T>
void Transformer<T>::Impl::ffn_backward(T* din, const T* dout, const BlockActivations<T>& a, const T* in,
                                        int layer, const Shape& s, Write din_write) {
  const BlockParams& p = blocks[layer];
  const size_t hidden = static_cast<size_t>(s.N) * s.F;
  ensure_size(scratch.ffn_act, hidden);
  activation_forward(scratch.ffn_act.data(), a.ffn_pre.data(), config.activation, hidden);
  linear_backward(grad.ffn_act.data(), grad_of(p.w2), grad_of(p.b2), dout, scratch.ffn_act.data(), param(p.w2), s.N,
                  s.F, s.D, s.block_rows, Write::assign, precision());
  activation_backward(grad.ffn_pre.data(), grad.ffn_act.data(), a.ffn_pre.data(), config.activation, hidden,
                      Write::assign);
  linear_backward(din, grad_of(p.w1), grad_of(p.b1), grad.ffn_pre.data(), in, param(p.w1), s.N, s.D, s.F,
                  s.block_rows, din_write, precision());
}

// Sizes the gradient buffers of block_backward and zeroes the ones its
// kernels add into before anything writes them, in one parallel pass: with
// a layer whose attention ran as separate stages (an encoding's logits hook
// other than an additive bias) q, k and v (the stages and the hook add into
// them; the fused attention zeroes each unit's own in cache), and
// with post-LN the two skip gradients (LayerNorm's backward adds into them
// first). Every other buffer is first written by one kernel that assigns
// (models/write_mode.hpp): zeroing them was a pass over up to all 22 N·D
// floats per layer.
template <typename T>
void Transformer<T>::Impl::zero_block_gradients(const Shape& s, bool fused_attention) {
  const size_t n = static_cast<size_t>(s.N) * s.D, hidden = static_cast<size_t>(s.N) * s.F;
  const bool post = config.norm == NormPlacement::post;
  for (auto* buffer : {&grad.in, &grad.ffn.skip, &grad.ffn.branch, &grad.ffn.normed, &grad.attn.branch,
                       &grad.merged, &grad.heads, &grad.q, &grad.k, &grad.v,
                       post ? &grad.attn.skip : &grad.attn.normed})
    ensure_size(*buffer, n);
  ensure_size(grad.qkv, 3 * n);
  ensure_size(grad.ffn_act, hidden);
  ensure_size(grad.ffn_pre, hidden);
  std::vector<BufferPrefix<T>> zeroed;
  if (!fused_attention)
    for (auto* buffer : {&grad.q, &grad.k, &grad.v}) zeroed.push_back({buffer->data(), n});
  if (post)
    for (auto* buffer : {&grad.ffn.skip, &grad.attn.skip}) zeroed.push_back({buffer->data(), n});
  fill_zero(zeroed);
}

// dx = d(block)/dx · dout (dx is assigned: its first writer is
// branch_backward), and the block's parameter gradients += . Expects the
// buffers of zero_block_gradients sized and zeroed as it leaves them.
template <typename T>
void Transformer<T>::Impl::block_backward(T* dx, const T* dout, const BlockActivations<T>& a, const T* x,
                                          int layer, const Shape& s) {
  const BlockParams& p = blocks[layer];
  const size_t n = static_cast<size_t>(s.N) * s.D;
  SublayerGradients<T>& ffn = grad.ffn;
  SublayerGradients<T>& attn = grad.attn;
  if (config.norm == NormPlacement::post) {
    // out = LN2(r2), r2 = h1 + drop(f), h1 = LN1(r1), r1 = x + drop(a)
    layernorm_backward_into(ffn.skip.data(), dout, a.ln2, a.resid2.data(), p.ln2_weight, p.ln2_bias, s);
    branch_backward(ffn.normed.data(), ffn.branch.data(), ffn.skip.data(), a.ffn_keep, n);
    ffn_backward(ffn.normed.data(), ffn.branch.data(), a, a.ln1.out.data(), layer, s, Write::accumulate);
    layernorm_backward_into(attn.skip.data(), ffn.normed.data(), a.ln1, a.resid1.data(), p.ln1_weight,
                            p.ln1_bias, s);
    branch_backward(dx, attn.branch.data(), attn.skip.data(), a.attn_keep, n);
    attention_backward(dx, attn.branch.data(), a, x, layer, s, Write::accumulate);
  } else {
    // out = r1 + drop(f(LN2(r1))), r1 = x + drop(a(LN1(x)))
    branch_backward(ffn.skip.data(), ffn.branch.data(), dout, a.ffn_keep, n);
    ffn_backward(ffn.normed.data(), ffn.branch.data(), a, a.ln2.out.data(), layer, s, Write::assign);
    layernorm_backward_into(ffn.skip.data(), ffn.normed.data(), a.ln2, a.resid1.data(), p.ln2_weight,
                            p.ln2_bias, s);
    branch_backward(dx, attn.branch.data(), ffn.skip.data(), a.attn_keep, n);
    attention_backward(attn.normed.data(), attn.branch.data(), a, a.ln1.out.data(), layer, s, Write::assign);
    layernorm_backward_into(dx, attn.normed.data(), a.ln1, x, p.ln1_weight, p.ln1_bias, s);
  }
}

// Gradient of the mean loss w.r.t. the last block's output, in grad.out.
template <typename T>
const T* Transformer<T>::Impl::head_backward(const Shape& s) {
  const size_t n = static_cast<size_t>(s.N) * s.D;
  ensure_size(grad.logits, static_cast<size_t>(s.N) * s.V);
  ensure_size(grad.out, n);
  const size_t final_norm = config.norm == NormPlacement::post ? 0 : n;
  ensure_size(grad.final_norm, final_norm);
  fill_zero<T>({{grad.logits.data(), static_cast<size_t>(s.N) * s.V}, {grad.out.data(), n},
                {grad.final_norm.data(), final_norm}});
  const T dloss = targeted > 0 ? T(1.0 / static_cast<double>(targeted)) : T(0);
  crossentropy_backward(grad.logits.data(), logits.data(), targets.data(), dloss, s.N, s.V);
  const T* last = block_output(acts.back());
  if (config.norm == NormPlacement::post) {
    linear_backward(grad.out.data(), grad_of(head_weight), grad_of(head_bias), grad.logits.data(), last,
                    param(head_weight), s.N, s.D, s.V, s.block_rows, Write::accumulate, precision());
  } else {
    linear_backward(grad.final_norm.data(), grad_of(head_weight), grad_of(head_bias), grad.logits.data(),
                    final_ln.out.data(), param(head_weight), s.N, s.D, s.V, s.block_rows, Write::accumulate,
                    precision());
    layernorm_backward(grad.out.data(), grad_of(final_ln_weight), grad_of(final_ln_bias), grad.final_norm.data(),
                       last, param(final_ln_weight), final_ln.mean.data(), final_ln.rstd.data(), s.N, s.D);
  }
  return grad.out.data();
}

template <typename T>
void Transformer<T>::Impl::backward() {
  if (!can_backward) throw RuntimeError("Transformer::backward() needs a preceding forward()");
  const Shape& s = shape;
  const size_t n = static_cast<size_t>(s.N) * s.D;
  head_backward(s);
  for (int l = config.n_layers - 1; l >= 0; --l) {
    zero_block_gradients(s, acts[l].fused_attention);
    block_backward(grad.in.data(), grad.out.data(), acts[l], block_input(l), l, s);
    std::swap(grad.in, grad.out);
  }
  // grad.out is now d(loss)/d(x0); undo dropout, then hook 1, then the lookup.
  zero(grad.in, n);
  if (embed_keep.empty()) std::copy_n(grad.out.data(), n, grad.in.data());
  else dropout_backward(grad.in.data(), grad.out.data(), embed_keep.data(), config.dropout, n);
  encoding->input_backward(grad.in.data(), context);
  const T scale = config.embed_scale ? std::sqrt(T(s.D)) : T(1);
  embedding_backward(grad_of(token_embedding), grad.in.data(), tokens.data(), scale, s.N, s.D);
}

// ------------------------------------------------------------------ public API

void transformer_allow_fused_attention_bias(bool allow) { fused_attention_bias_allowed.store(allow); }

template <typename T>
Transformer<T>::Transformer(const ModelConfig& config, std::unique_ptr<Encoding<T>> encoding, uint64_t init_seed)
    : impl_(std::make_unique<Impl>(config, std::move(encoding), init_seed)) {}

template <typename T>
Transformer<T>::~Transformer() = default;

template <typename T>
const ModelConfig& Transformer<T>::config() const { return impl_->config; }
template <typename T>
Encoding<T>& Transformer<T>::encoding() { return *impl_->encoding; }
template <typename T>
const ParamLayout& Transformer<T>::layout() const { return impl_->layout; }
template <typename T>
size_t Transformer<T>::num_parameters() const { return impl_->layout.total_size(); }
template <typename T>
T* Transformer<T>::parameters() { return impl_->params.data(); }
template <typename T>
T* Transformer<T>::gradients() { return impl_->grads.data(); }
template <typename T>
void Transformer<T>::zero_grad() { std::fill(impl_->grads.begin(), impl_->grads.end(), T(0)); }

template <typename T>
ForwardResult Transformer<T>::forward(const Batch& batch, const PassOptions& options) {
  Impl& m = *impl_;
  m.begin_pass(batch);
  m.run(batch, 0, batch.batch_size, options, true);
  const ForwardResult result = m.summarize(batch);
  m.targeted = result.targeted;
  m.can_backward = true;
  return result;
}

template <typename T>
void Transformer<T>::backward() { impl_->backward(); }

template <typename T>
ForwardResult Transformer<T>::train_step(const Batch& batch, uint64_t position_seed, uint64_t dropout_seed) {
  zero_grad();
  PassOptions options;
  options.training = true;
  options.position_seed = position_seed;
  options.dropout_seed = dropout_seed;
  const ForwardResult result = forward(batch, options);
  backward();
  return result;
}

template <typename T>
double Transformer<T>::apply_update(AdamW<T>& optimizer) {
  const double gradient_norm = optimizer.step(parameters(), gradients());
  if (std::isfinite(gradient_norm)) impl_->encoding->project_parameters();
  return gradient_norm;
}

template <typename T>
ForwardResult Transformer<T>::evaluate(const Batch& batch, uint64_t position_seed) {
  PassOptions options;
  options.position_seed = position_seed;
  return impl_->evaluate(batch, options);
}

template <typename T>
ForwardResult Transformer<T>::evaluate(const Batch& batch, const std::vector<uint64_t>& sequence_seeds) {
  if (sequence_seeds.size() != static_cast<size_t>(batch.batch_size))
    throw std::invalid_argument("Transformer::evaluate: one position seed per sequence needed");
  PassOptions options;
  options.sequence_seeds = sequence_seeds;
  return impl_->evaluate(batch, options);
}

template <typename T>
ForwardResult Transformer<T>::Impl::evaluate(const Batch& batch, const PassOptions& options) {
  begin_pass(batch);
  const int step = eval_sub_batch(batch.seq_len);
  for (int first = 0; first < batch.batch_size; first += step)
    run(batch, first, std::min(step, batch.batch_size - first), options, false);
  return summarize(batch);
}

template <typename T>
const std::vector<int>& Transformer<T>::predictions() const { return impl_->predictions; }
template <typename T>
const T* Transformer<T>::logits() const { return impl_->logits.data(); }

template <typename T>
void Transformer<T>::set_eval_memory_budget(size_t bytes) { impl_->eval_memory_budget = bytes; }
template <typename T>
int Transformer<T>::eval_sub_batch_size(int seq_len) const { return impl_->eval_sub_batch(seq_len); }

void set_num_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
  use_fixed_eigen_blocking();
}

template class Transformer<float>;
template class Transformer<double>;

}  // namespace pebench
