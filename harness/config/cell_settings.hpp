// CellSettings: the model, training and evaluation settings of one
// (task, encoding, seed) cell, and the suite sections that set them:
//
//   "model": ModelConfig fields (d_model, n_layers, n_heads, d_ff, norm,
//            activation, embed_scale, max_seq_len); vocabularies come from the task.
//   "train": steps, batch_size, lr, schedule (constant | warmup_linear |
//            warmup_cosine), warmup_steps, min_lr_ratio, clip_norm (0 = off),
//            weight_decay, beta1, beta2, eps, dropout, lengths (LengthSpec; default:
//            the task's train split), curve_points (training-curve samples kept),
//            eval_every (evaluate during training every k steps; 0 = only at the end),
//            save_model (write the trained weights beside the result file).
//   "eval":  splits ("*" or split names / kinds "id", "ood"), lengths (object:
//            split name or kind -> LengthSpec), sequences (per length),
//            sub_batch (sequences generated and evaluated at once), seed.
//
// apply_*_section() read a section onto existing settings: the suite's own
// sections onto the defaults, then a family's and a task's overrides onto that.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/options_reader.hpp"
#include "harness/config/length_spec.hpp"
#include "models/model_config.hpp"
#include "models/optimizer.hpp"

namespace pebench {

using json = nlohmann::json;

struct TrainConfig {
  int steps = 10000;
  int batch_size = 128;
  // lr, betas, eps, weight decay, clip norm, schedule, warmup, min_lr_ratio;
  // total_steps is kept equal to `steps`.
  OptimizerConfig optimizer = default_optimizer();
  LengthSpec lengths;    // default: the task's train split lengths
  int curve_points = 100;
  int eval_every = 0;
  // Keep the trained weights beside the result file (harness/run/checkpoint.hpp).
  // Not part of the cell's identity: it changes what is kept, not what is computed.
  bool save_model = false;

  static OptimizerConfig default_optimizer() {
    OptimizerConfig config;
    config.lr = 3e-4;
    config.clip_norm = 1.0;
    return config;
  }
};

struct EvalConfig {
  std::vector<std::string> splits;            // split names or kinds; empty = every id/ood split
  std::map<std::string, LengthSpec> lengths;  // split name or kind -> lengths
  int sequences = 512;
  int sub_batch = 64;
  uint64_t seed = 1;  // the CHE reference evaluates with seed 1
};

struct CellSettings {
  ModelConfig model;
  TrainConfig train;
  EvalConfig eval;
};

void apply_model_section(const json& section, const std::string& origin, const std::string& path,
                         ModelConfig& model);
void apply_train_section(const json& section, const std::string& origin, const std::string& path,
                         CellSettings& settings);
void apply_eval_section(const json& section, const std::string& origin, const std::string& path,
                        EvalConfig& eval);
// Reads the keys "model", "train", "eval" of `reader` (each optional) onto `settings`.
void apply_sections(OptionsReader& reader, CellSettings& settings);

}  // namespace pebench
