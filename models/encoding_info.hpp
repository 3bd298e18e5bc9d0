// What the registry knows about an encoding besides its code: its kind, the
// paper it comes from and a one-line description. Every registration states
// them (PEBENCH_ENCODING in models/encoding.hpp); `pebench list encodings`
// prints them with the encoding's parameters and their defaults (its
// options()), and docs/encodings.md#summary shows the same table (a test keeps
// the two in agreement).
#pragma once
#include <string>
#include <vector>

namespace pebench {

// How an encoding brings position into the model. One word per mechanism,
// kept small on purpose; docs/encodings.md#kinds describes each with examples.
enum class EncodingKind {
  none,                // no position signal beyond the causal mask (NoPE)
  absolute,            // a vector per position added to the token embeddings (hook 1)
  rotary,              // q and k rotated by position-dependent angles (hook 2)
  additive_bias,       // a fixed or learned function of the offset i − j added to the logits (hook 3)
  relative_embedding,  // embeddings of the offset i − j that interact with the query (hook 3)
  contextual,          // positions or biases computed from the attention content itself (hook 3)
  randomized,          // a base encoding at positions sampled from a larger range
  hybrid,              // an absolute and a relative part combined
};

// "additive_bias", ...: the word `list encodings` prints.
const char* to_string(EncodingKind kind);
// Every kind, in the order above.
std::vector<EncodingKind> encoding_kinds();

struct EncodingInfo {
  // All three are required: a registration without them does not compile.
  EncodingInfo(EncodingKind kind, std::string citation, std::string summary)
      : kind(kind), citation(std::move(citation)), summary(std::move(summary)) {}

  EncodingKind kind;
  std::string citation;  // authors, year and the method's name, e.g. "Press et al. 2022 (ALiBi)"
  std::string summary;   // what it computes, in one line
};

}  // namespace pebench
