#include "harness/config/cell_settings.hpp"

#include <climits>
#include <limits>

#include <fmt/core.h>

namespace pebench {

static constexpr double kInfinity = std::numeric_limits<double>::infinity();

void apply_model_section(const json& section, const std::string& origin, const std::string& path, ModelConfig& model) {
  OptionsReader reader(section, origin, path);
  model.d_model = reader.integer("d_model", model.d_model, 1, 65536);
  model.n_layers = reader.integer("n_layers", model.n_layers, 1, 1024);
  model.n_heads = reader.integer("n_heads", model.n_heads, 1, 4096);
  model.d_ff = reader.integer("d_ff", model.d_ff, 1, 1 << 20);
  model.norm = reader.choice("norm", model.norm);
  model.activation = reader.choice("activation", model.activation);
  model.embed_scale = reader.boolean("embed_scale", model.embed_scale);
  model.max_seq_len = reader.integer("max_seq_len", model.max_seq_len, 1, 1 << 20);
  model.precision = reader.choice("precision", model.precision);
  reader.finish({{"dropout", "dropout is set in train.dropout"},
                 {"input_vocab", "vocabularies come from the task"},
                 {"output_vocab", "vocabularies come from the task"}});
  if (model.d_model % model.n_heads != 0)
    reader.fail("n_heads", fmt::format("must divide model.d_model ({}), got {}", model.d_model, model.n_heads));
}

static void read_optimizer_fields(OptionsReader& reader, OptimizerConfig& optimizer) {
  optimizer.lr = reader.number("lr", optimizer.lr, 0.0, 10.0, Bound::open);
  optimizer.schedule = reader.choice("schedule", optimizer.schedule);
  optimizer.warmup_steps = reader.integer("warmup_steps", optimizer.warmup_steps, 0, INT_MAX);
  optimizer.min_lr_ratio = reader.number("min_lr_ratio", optimizer.min_lr_ratio, 0.0, 1.0);
  optimizer.clip_norm = reader.number("clip_norm", optimizer.clip_norm, 0.0, kInfinity);
  optimizer.weight_decay = reader.number("weight_decay", optimizer.weight_decay, 0.0, kInfinity);
  optimizer.beta1 = reader.number("beta1", optimizer.beta1, 0.0, 0.999999);
  optimizer.beta2 = reader.number("beta2", optimizer.beta2, 0.0, 0.999999999);
  optimizer.eps = reader.number("eps", optimizer.eps, 0.0, 1.0, Bound::open);
}

void apply_train_section(const json& section, const std::string& origin, const std::string& path,
                         CellSettings& settings) {
  OptionsReader reader(section, origin, path);
  TrainConfig& train = settings.train;
  train.steps = reader.integer("steps", train.steps, 1, INT_MAX);
  train.batch_size = reader.integer("batch_size", train.batch_size, 1, 65536);  // larger cannot fit in memory at any length
  read_optimizer_fields(reader, train.optimizer);
  settings.model.dropout = reader.number("dropout", settings.model.dropout, 0.0, 0.99);
  if (const json* lengths = reader.get("lengths")) train.lengths = parse_length_spec(*lengths, origin, reader.path_of("lengths"));
  train.curve_points = reader.integer("curve_points", train.curve_points, 1, 100000);
  train.eval_every = reader.integer("eval_every", train.eval_every, 0, INT_MAX);
  train.save_model = reader.boolean("save_model", train.save_model);
  reader.finish();
  train.optimizer.total_steps = train.steps;
  if (train.optimizer.warmup_steps > train.steps)
    reader.fail("warmup_steps",
                fmt::format("must be <= train.steps ({}), got {}", train.steps, train.optimizer.warmup_steps));
}

// "*" or a non-empty list of split names / kinds.
static std::vector<std::string> parse_split_selection(const OptionValue& value) {
  const json& list = value.json_value();
  if (list.is_string() && list.get<std::string>() == "*") return {};
  if (!list.is_array() || list.empty()) value.expected("\"*\" or a non-empty list of split names");
  std::vector<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const OptionValue item = value.item(i);
    if (!item.json_value().is_string()) item.expected("a split name");
    names.push_back(item.string());
  }
  return names;
}

void apply_eval_section(const json& section, const std::string& origin, const std::string& path, EvalConfig& eval) {
  OptionsReader reader(section, origin, path);
  if (reader.has("splits")) eval.splits = parse_split_selection(reader.value("splits"));
  if (const json* lengths = reader.get("lengths")) {
    OptionsReader by_split(*lengths, origin, reader.path_of("lengths"));
    for (const auto& [split, spec] : lengths->items())
      eval.lengths[split] = parse_length_spec(spec, origin, by_split.path_of(split));
  }
  // Caps: the published protocols use 512 sequences per length; 2^31 would run for ever.
  eval.sequences = reader.integer("sequences", eval.sequences, 1, 1000000);
  eval.sub_batch = reader.integer("sub_batch", eval.sub_batch, 1, 1000000);
  eval.seed = reader.uint64("seed", eval.seed);
  reader.finish();
}

void apply_sections(OptionsReader& reader, CellSettings& settings) {
  if (const json* model = reader.get("model"))
    apply_model_section(*model, reader.origin(), reader.path_of("model"), settings.model);
  if (const json* train = reader.get("train"))
    apply_train_section(*train, reader.origin(), reader.path_of("train"), settings);
  if (const json* eval = reader.get("eval"))
    apply_eval_section(*eval, reader.origin(), reader.path_of("eval"), settings.eval);
}

}  // namespace pebench
