// EncodingOptions: reads an encoding's option object (a suite's
// "encodings": {"name": {...}} entry) key by key with validation, so that every
// encoding's configure() is a few declarative lines:
//
//   EncodingOptions reader(this->name(), options);
//   npos_ = reader.integer("npos", 64, 2, 1 << 20);
//   reader.finish();  // UsageError on any key nobody asked for
//
// Every bad value is a UsageError naming the encoding, the key and the value;
// an unknown key names the closest known ones.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/params.hpp"

namespace pebench {

// How an encoding defined on causal offsets serves bidirectional attention
// (option "bidirectional"): "directional" (default) tells a key on the left
// from one on the right at the same distance; "symmetric" is a function of
// |i − j| alone, blind to order. Causal passes are the same for both.
enum class BidirectionalForm { directional, symmetric };
const char* to_string(BidirectionalForm form);

// Initialisation of a learned absolute position table (learned, rand_learned),
// option "init":
//   "truncated_normal" (default): truncated normal, stddev 1 (cut at ±2σ): the
//     Haiku hk.Embed default that the Chomsky-hierarchy reference
//     (google-deepmind/randomized_positional_encodings models/transformer.py,
//     LEARNT / NOISY_LEARNT) uses, next to its sqrt(D)-scaled token
//     embeddings (model.embed_scale);
//   "normal_0.02": N(0, 0.02), GPT-2 / BERT, about 50 times smaller.
struct TableInit {
  std::string name = "truncated_normal";
  Init init() const { return name == "truncated_normal" ? Init::truncated_normal(1.0) : Init::normal(0.02); }
};

class EncodingOptions {
 public:
  // UsageError unless `options` is null or a JSON object.
  EncodingOptions(std::string encoding, const nlohmann::json& options);

  // An integer in [min, max] (a JSON number with no fractional part).
  int integer(const std::string& key, int fallback, int min, int max);
  // A finite number in (min, max] when min_exclusive, else [min, max].
  double number(const std::string& key, double fallback, double min, double max,
                bool min_exclusive = false);
  bool boolean(const std::string& key, bool fallback);
  // One of `choices` (a JSON string).
  std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& choices);
  // Option "bidirectional" (BidirectionalForm), default directional.
  BidirectionalForm bidirectional_form();
  // Option "init" of a learned position table (TableInit).
  TableInit table_init();

  // UsageError naming the first key that no accessor read.
  void finish() const;
  // UsageError "option 'key' must be <expected>, got <value>", for checks
  // beyond a range (an even count, an order between two options).
  [[noreturn]] void reject(const std::string& key, const std::string& expected) const;

 private:
  const nlohmann::json* find(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const nlohmann::json& value,
                         const std::string& expected) const;

  std::string encoding_;
  nlohmann::json options_;
  std::vector<std::string> known_;
};

}  // namespace pebench
