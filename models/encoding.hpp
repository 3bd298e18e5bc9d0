// The positional-encoding plugin interface (docs/architecture.md#encoding-hook-points). The transformer
// calls every hook at fixed points and never branches on the encoding:
//
//   x = embed(tokens)                 ; input_forward(x)            hook 1
//   per layer: q, k, v = projections  ; qk_forward(q, k, layer)     hook 2
//              S = q·kᵀ / sqrt(d_head); logits_forward(S, q, k)     hook 3
//              P = softmax(S + mask)  ; out = P·v
//   after each optimizer step         ; project_parameters()        (Transformer::apply_update)
//
// and the matching *_backward in reverse order. A hook an encoding does not
// override is the identity (forward) and passes gradients through (backward).
// Backward hooks accumulate (+=) into the encoding's own parameter gradients,
// which live in the model's flat gradient buffer (declared through
// declare_parameters, bound with bind()). Every hook sees the attention mode
// (EncodingContext::causal): an encoding serves both modes, or declares the
// tasks of a mode it cannot serve not applicable (applicable() below).
//
// Adding an encoding = one .cpp in models/encodings/ with a class template
// `template <typename T> class X : public Encoding<T>` and, at the end,
// PEBENCH_ENCODING(X, "name", kind, "citation", "one-line summary") (the
// metadata: models/encoding_info.hpp). The header comment of that file states
// what it computes, its source (paper + reference code), its parameters and
// init, and its causal and bidirectional behaviour.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/options_reader.hpp"
#include "common/registry.hpp"
#include "models/encoding_info.hpp"
#include "models/layers.hpp"
#include "models/model_config.hpp"
#include "models/params.hpp"

namespace pebench {

using json = nlohmann::json;
class Task;

// Whether an encoding measures anything on a task (Encoding::applicable).
struct Applicability {
  bool applicable = true;
  std::string reason;  // why not, in one line; empty when applicable
  static Applicability yes() { return {}; }
  static Applicability no(std::string why) { return {false, std::move(why)}; }
};

// Everything a hook may read about the current forward/backward pass.
struct EncodingContext {
  int batch = 0;       // B (of this chunk)
  int seq_len = 0;     // T
  int d_model = 0;     // D
  int n_heads = 0;     // h
  int d_head = 0;      // d_h
  int n_layers = 0;
  bool causal = false;
  bool training = false;
  const int* tokens = nullptr;        // [B,T] input ids
  const uint8_t* boundary = nullptr;  // [B,T] 1 where a token ends a segment (BiPE)
  // Seed of this forward pass for encodings that sample (randomized PEs):
  // draw from Rng(position_seed, layer) so every layer has its own stream and a
  // pass is reproducible. The same seed for every chunk of one evaluation batch.
  uint64_t position_seed = 0;
  // Evaluation: one position seed per sequence of this chunk ([B]); a sampling
  // encoding then draws every sequence's positions on its own, from
  // Rng(sequence_seeds[b], stream), so a score does not rest on one draw and
  // does not depend on how sequences are grouped into (sub-)batches.
  // nullptr (training): one draw from position_seed for the whole batch.
  const uint64_t* sequence_seeds = nullptr;
};

template <typename T>
class Encoding {
 public:
  virtual ~Encoding() = default;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // Hyperparameters (npos, widths, L, ...) from a suite's encoding options,
  // read with options_reader(options) so that an unknown key or a bad value is
  // the same one-line UsageError everywhere (common/options_reader.hpp).
  // options() returns all resolved values, defaults included (recorded as
  // encoding.params in result files). Encodings without options keep these.
  virtual void configure(const json& options);
  virtual json options() const { return json::object(); }
  // A reader of this encoding's options: errors read "encoding 'NAME': options.KEY: ...".
  OptionsReader options_reader(const json& options) const;
  OptionsReader options_reader(json&&) const = delete;  // the reader keeps a reference

  // Whether this encoding is what it claims to be on `task`. A cell whose
  // encoding is not applicable does not train: it ends with status
  // not_applicable and this reason (e.g. BiPE on a task without segment
  // boundaries would be a plain learned absolute encoding under another name).
  // It is also how an encoding that serves one attention mode only would say
  // so (`task.attention()`); every shipped encoding serves both
  // (docs/encodings.md#bidirectional-attention).
  virtual Applicability applicable(const Task& task) const { (void)task; return Applicability::yes(); }

  // Called once when the model is built, before parameters are allocated.
  // `layout` is the model's; tensors added here join the flat buffer.
  virtual void declare_parameters(ParamLayout& layout, const ModelConfig& config) {
    (void)layout; (void)config;
  }
  // Called once the flat buffers exist (and again if they move).
  virtual void bind(T* params, T* grads) { (void)params; (void)grads; }
  // Projections applied at init (by the model, after bind) and after every
  // optimizer step (by Transformer::apply_update): KERPLE/MEP clamps.
  virtual void project_parameters() {}

  // Called at the start of every forward pass, before any hook.
  virtual void begin_forward(const EncodingContext& ctx) { (void)ctx; }

  // Hook 1 (input). x: [B,T,D], in place: x += PE.
  virtual void input_forward(T* x, const EncodingContext& ctx) { (void)x; (void)ctx; }
  // dx: [B,T,D] gradient w.r.t. x; accumulate parameter gradients only.
  virtual void input_backward(const T* dx, const EncodingContext& ctx) { (void)dx; (void)ctx; }

  // Hook 2 (q/k transform), per layer. q, k: [B,h,T,d_h], in place.
  virtual void qk_forward(T* q, T* k, int layer, const EncodingContext& ctx) {
    (void)q; (void)k; (void)layer; (void)ctx;
  }
  // dq, dk: [B,h,T,d_h], in place: from gradients w.r.t. the transformed q, k
  // to gradients w.r.t. the projections' outputs.
  virtual void qk_backward(T* dq, T* dk, int layer, const EncodingContext& ctx) {
    (void)dq; (void)dk; (void)layer; (void)ctx;
  }

  // Whether this encoding has a logits hook (overrides logits_forward and
  // logits_backward). Without one the transformer runs scores, softmax and
  // probs·v fused per head (attention_fused_forward), never calling hook 3; the
  // conformance suite checks that an encoding whose hook changes the scores
  // says so here.
  virtual bool has_logits_hook() const { return false; }

  // Hook 3 (logits), per layer. scores: [B,h,T,T], on entry q·kᵀ/sqrt(d_h)
  // (q, k after hook 2); in place it becomes the final pre-mask logits. q, k:
  // [B,h,T,d_h] (after hook 2), read-only. Entries the causal mask removes are
  // never read afterwards, so a causal hook may skip them.
  virtual void logits_forward(T* scores, const T* q, const T* k, int layer,
                              const EncodingContext& ctx) {
    (void)scores; (void)q; (void)k; (void)layer; (void)ctx;
  }
  // dscores: [B,h,T,T], in place: on entry the gradient w.r.t. the final
  // logits, on exit w.r.t. the raw q·kᵀ/sqrt(d_h). Content-dependent encodings
  // (CoPE, Transformer-XL) add their own q/k gradients into dq, dk [B,h,T,d_h].
  virtual void logits_backward(T* dscores, T* dq, T* dk, const T* q, const T* k, int layer,
                               const EncodingContext& ctx) {
    (void)dscores; (void)dq; (void)dk; (void)q; (void)k; (void)layer; (void)ctx;
  }
  // Hook 3 as a bias, where the encoding's logits hook is exactly S += Bias
  // (models/encodings/support/additive_bias.hpp): computes and returns this
  // layer's bias in place of a logits_forward call, so that the transformer
  // keeps the fused attention kernel and adds the bias unit by unit. If the
  // bias has_gradient, its backward is attention_bias_backward (a bias shared
  // by the batch) or logits_backward on the dS the kernel leaves (per_example).
  // The default: not a bias (values == nullptr).
  virtual AttentionBias<T> attention_bias(int layer, const EncodingContext& ctx) {
    (void)layer; (void)ctx;
    return {};
  }
  // For a bias shared by the batch (not per_example) with has_gradient:
  // dbias [h,T,T] = Σ_b dS, summed over b in order (attention_fused_backward
  // does it while each unit's dS is in cache); accumulates the bias's
  // parameter gradients, as logits_backward would from the whole dS.
  virtual void attention_bias_backward(const T* dbias, int layer, const EncodingContext& ctx) {
    (void)dbias; (void)layer; (void)ctx;
  }

 private:
  std::string name_;
};

// Registry entry: one factory per scalar type, and what `pebench list
// encodings` says about the encoding.
struct EncodingFactory {
  std::function<std::unique_ptr<Encoding<float>>()> make_float;
  std::function<std::unique_ptr<Encoding<double>>()> make_double;
  EncodingInfo info;
};
Registry<EncodingFactory>& encoding_registry();

// Creates a registered encoding and applies its options (UsageError if the
// name is unknown, with suggestions, or an option is bad).
template <typename T>
std::unique_ptr<Encoding<T>> make_encoding(const std::string& name, const json& options = json());

struct EncodingRegistrar {
  // abi_tag: see common/plugin_abi.hpp (checked only while a plugin loads).
  EncodingRegistrar(const char* name, EncodingFactory factory, const char* abi_tag = PEBENCH_PLUGIN_ABI_TAG);
};

#define PEBENCH_ENCODING_CONCAT_INNER(a, b) a##b
#define PEBENCH_ENCODING_CONCAT(a, b) PEBENCH_ENCODING_CONCAT_INNER(a, b)
// PEBENCH_ENCODING(Class, "name", EncodingKind::k, "citation", "summary"):
// everything after the name is the EncodingInfo, all of it required.
#define PEBENCH_ENCODING(ClassTemplate, encoding_name, ...)                                  \
  static ::pebench::EncodingRegistrar PEBENCH_ENCODING_CONCAT(pebench_encoding_registrar_, \
                                                              __LINE__)(                    \
      encoding_name,                                                                        \
      ::pebench::EncodingFactory{                                                           \
          [] { return std::unique_ptr<::pebench::Encoding<float>>(new ClassTemplate<float>()); }, \
          [] { return std::unique_ptr<::pebench::Encoding<double>>(new ClassTemplate<double>()); }, \
          ::pebench::EncodingInfo(__VA_ARGS__)})

}  // namespace pebench
