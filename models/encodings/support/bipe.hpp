// The intra-segment half shared by bipe_rope and bipe_alibi (He et al. 2024,
// "Two Stones Hit One Bird: Bilevel Positional Encoding for Better Length
// Extrapolation"; zhenyuhe00/BiPE my_modeling_llama_bipe_rope.py /
// my_modeling_llama_bipe_alibi.py: get_bilevel_ids, get_ape_embeddings;
// docs/encodings.md#bipe).
//
// Segments come from EncodingContext::boundary (1 = the token ends its
// segment, e.g. a sentence's full stop):
//   seg[b,t]   = number of boundaries strictly before t   (segment index from 0)
//   intra[b,t] = t − (first index of t's segment), clamped to table_size − 1
// and the input hook adds a learned absolute table indexed by intra:
//   x[b,t,:] += A[intra[b,t],:],   A ∈ R^{table_size×D}, N(0, 0.02) (HF _init_weights)
// backward: dA[intra[b,t]] += dx[b,t] (a scatter-add).
// The reference's padding row (row 1023 held at zero, without gradient, a
// side effect of pad_token_id = −1) is not copied: the last row is an
// ordinary learned row that every clamped position shares.
//
// BipeEncoding<Base> adds this half (option "table_size", default 1024 =
// the reference's train_scale) to an inter-segment Base and hands the segment
// ids of the pass to it through segments().
//
// Where BiPE applies. A task without segment-boundary tokens
// (Task::segment_boundaries() empty) puts every token in segment 0: the
// inter-segment RoPE rotates by 0 and the ALiBi term is 0, so BiPE would be
// the `learned` encoding under another name (bit for bit). applicable()
// refuses such tasks and the cell ends as not_applicable without training.
// The tasks that declare boundaries, and what a segment is in each:
//   flip_flop          an instruction and its bit ("w 1", "r 0", "i 1"): the
//                      bit ends the segment (the BiPE paper's sentence = one
//                      instruction).
//   counting           one statement ("a = 0 ;", "a ++;", "pass;"): ";",
//                      "++;" and "pass;" end it; the final query is the last,
//                      open segment.
//   selective_copy     two segments: the data stream up to and including
//                      <sep>, then the answer. The data symbols are not
//                      delimiters of any unit, and ending a segment at each
//                      non-blank symbol would hand the encoding the very count
//                      the task tests (the segment index would be the copy
//                      index), so only the separator ends a segment.
//   binary_addition,   two operands: "+" / "*" ends the first, the second
//   binary_multiplication  runs into the output placeholders.
//   solve_equation     the two sides: "=" ends the left-hand side.
// The 12 other Chomsky-hierarchy tasks have no boundary: BiPE is n/a there.
#pragma once
#include <cstdint>
#include <vector>

#include "models/encoding.hpp"
#include "common/options_reader.hpp"
#include "models/layers.hpp"
#include "models/encodings/support/table_lookup.hpp"
#include "tasks/task.hpp"

namespace pebench {

// segment, intra: [B,T] out; boundary: [B,T] (nullptr = no boundaries).
void bipe_segment_ids(int* segment, int* intra, const uint8_t* boundary, int batch, int seq_len,
                      int max_intra);

template <typename T, template <typename> class Base>
class BipeEncoding : public Base<T> {
 public:
  static constexpr int kDefaultTableSize = 1024;

  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    table_size_ = reader.integer("table_size", kDefaultTableSize, 1, 1 << 20);
    configure_inter_segment(reader);
    reader.finish();
  }
  json options() const override {
    json out = inter_segment_options();
    out["table_size"] = table_size_;
    return out;
  }

  Applicability applicable(const Task& task) const override {
    if (!task.segment_boundaries().empty()) return Applicability::yes();
    return Applicability::no("task '" + task.name() + "' has no segment-boundary tokens, so every token is in "
                             "segment 0 and '" + this->name() + "' would be 'learned' under another name");
  }

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    table_offset_ = layout.add("encoding." + this->name() + ".table", {table_size_, config.d_model},
                               Init::normal(0.02));
    Base<T>::declare_parameters(layout, config);
  }
  void bind(T* params, T* grads) override {
    table_ = params + table_offset_;
    dtable_ = grads + table_offset_;
    Base<T>::bind(params, grads);
  }

  void begin_forward(const EncodingContext& ctx) override {
    const size_t tokens = static_cast<size_t>(ctx.batch) * ctx.seq_len;
    segments_.resize(tokens);
    intra_.resize(tokens);
    bipe_segment_ids(segments_.data(), intra_.data(), ctx.boundary, ctx.batch, ctx.seq_len, table_size_ - 1);
    Base<T>::begin_forward(ctx);
  }

  void input_forward(T* x, const EncodingContext& ctx) override {
    table_lookup_add_forward(x, table_, intra_.data(), ctx.batch, ctx.seq_len, ctx.d_model);
  }
  void input_backward(const T* dx, const EncodingContext& ctx) override {
    embedding_backward(dtable_, dx, intra_.data(), T(1), ctx.batch * ctx.seq_len, ctx.d_model);
  }

 protected:
  // Options and resolved values of the inter-segment half.
  virtual void configure_inter_segment(OptionsReader& reader) { (void)reader; }
  virtual json inter_segment_options() const { return json::object(); }
  // [B,T] segment index of every token in this pass.
  const std::vector<int>& segments() const { return segments_; }

 private:
  int table_size_ = kDefaultTableSize;
  size_t table_offset_ = 0;
  const T* table_ = nullptr;   // [table_size, D]
  T* dtable_ = nullptr;        // [table_size, D]
  std::vector<int> segments_;  // [B,T]
  std::vector<int> intra_;     // [B,T]
};

}  // namespace pebench
