#include "harness/config/cell_settings.hpp"

#include <climits>
#include <limits>

#include <fmt/core.h>

namespace pebench {

static constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Enum <-> name tables: one place for parsing and for writing result files.
template <typename Enum>
struct NamedValue {
  const char* name;
  Enum value;
};
static const NamedValue<NormPlacement> kNorms[] = {{"pre", NormPlacement::pre}, {"post", NormPlacement::post}};
static const NamedValue<Activation> kActivations[] = {{"relu", Activation::relu}, {"gelu", Activation::gelu}};
static const NamedValue<Schedule> kSchedules[] = {{"constant", Schedule::constant},
                                                  {"warmup_linear", Schedule::warmup_linear},
                                                  {"warmup_cosine", Schedule::warmup_cosine}};

template <typename Enum, size_t N>
static const char* name_of(const NamedValue<Enum> (&table)[N], Enum value) {
  for (const auto& entry : table)
    if (entry.value == value) return entry.name;
  return "?";
}

// Reads `key` as one of the table's names into `out` (if present).
template <typename Enum, size_t N>
static void read_enum(ObjectReader& reader, const std::string& key, const NamedValue<Enum> (&table)[N], Enum& out) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.push_back(entry.name);
  std::string text;
  if (!reader.read_choice(key, text, names)) return;
  for (const auto& entry : table)
    if (text == entry.name) out = entry.value;
}

const char* norm_name(NormPlacement norm) { return name_of(kNorms, norm); }
const char* activation_name(Activation activation) { return name_of(kActivations, activation); }
const char* schedule_name(Schedule schedule) { return name_of(kSchedules, schedule); }

void apply_model_section(const json& section, const std::string& origin, const std::string& path, ModelConfig& model) {
  ObjectReader reader(section, origin, path);
  reader.read_int("d_model", model.d_model, 1, 65536);
  reader.read_int("n_layers", model.n_layers, 1, 1024);
  reader.read_int("n_heads", model.n_heads, 1, 4096);
  reader.read_int("d_ff", model.d_ff, 1, 1 << 20);
  read_enum(reader, "norm", kNorms, model.norm);
  read_enum(reader, "activation", kActivations, model.activation);
  reader.read_bool("embed_scale", model.embed_scale);
  reader.read_int("max_seq_len", model.max_seq_len, 1, 1 << 20);
  reader.finish({{"dropout", "dropout is set in train.dropout"},
                 {"input_vocab", "vocabularies come from the task"},
                 {"output_vocab", "vocabularies come from the task"}});
  if (model.d_model % model.n_heads != 0)
    fail_config(origin, join_path(path, "n_heads"),
                fmt::format("must divide model.d_model ({}), got {}", model.d_model, model.n_heads));
}

static void read_optimizer_fields(ObjectReader& reader, OptimizerConfig& optimizer) {
  reader.read_number("lr", optimizer.lr, 0.0, 10.0);
  read_enum(reader, "schedule", kSchedules, optimizer.schedule);
  reader.read_int("warmup_steps", optimizer.warmup_steps, 0, INT_MAX);
  reader.read_number("min_lr_ratio", optimizer.min_lr_ratio, 0.0, 1.0);
  reader.read_number("clip_norm", optimizer.clip_norm, 0.0, kInfinity);
  reader.read_number("weight_decay", optimizer.weight_decay, 0.0, kInfinity);
  reader.read_number("beta1", optimizer.beta1, 0.0, 0.999999);
  reader.read_number("beta2", optimizer.beta2, 0.0, 0.999999999);
  reader.read_number("eps", optimizer.eps, 0.0, 1.0);
  if (optimizer.lr <= 0.0) reader.fail("lr", fmt::format("must be a number in (0, 10], got {}", optimizer.lr));
  if (optimizer.eps <= 0.0) reader.fail("eps", fmt::format("must be a number in (0, 1], got {}", optimizer.eps));
}

void apply_train_section(const json& section, const std::string& origin, const std::string& path,
                         CellSettings& settings) {
  ObjectReader reader(section, origin, path);
  TrainConfig& train = settings.train;
  reader.read_int("steps", train.steps, 1, INT_MAX);
  reader.read_int("batch_size", train.batch_size, 1, 65536);  // larger cannot fit in memory at any length
  read_optimizer_fields(reader, train.optimizer);
  reader.read_number("dropout", settings.model.dropout, 0.0, 0.99);
  if (const json* lengths = reader.get("lengths")) train.lengths = parse_length_spec(*lengths, origin, reader.path_of("lengths"));
  reader.read_int("curve_points", train.curve_points, 1, 100000);
  reader.read_int("eval_every", train.eval_every, 0, INT_MAX);
  reader.read_bool("save_model", train.save_model);
  reader.finish();
  train.optimizer.total_steps = train.steps;
  if (train.optimizer.warmup_steps > train.steps)
    fail_config(origin, join_path(path, "warmup_steps"),
                fmt::format("must be <= train.steps ({}), got {}", train.steps, train.optimizer.warmup_steps));
}

// "*" or a non-empty list of split names / kinds.
static std::vector<std::string> parse_split_selection(const json& value, const std::string& origin,
                                                      const std::string& path) {
  if (value.is_string() && value.get<std::string>() == "*") return {};
  if (!value.is_array() || value.empty())
    fail_config(origin, path, "must be \"*\" or a non-empty list of split names, got " + describe_json(value));
  std::vector<std::string> names;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string())
      fail_config(origin, path + "[" + std::to_string(i) + "]", "must be a split name, got " + describe_json(value[i]));
    names.push_back(value[i].get<std::string>());
  }
  return names;
}

void apply_eval_section(const json& section, const std::string& origin, const std::string& path, EvalConfig& eval) {
  ObjectReader reader(section, origin, path);
  if (const json* splits = reader.get("splits")) eval.splits = parse_split_selection(*splits, origin, reader.path_of("splits"));
  if (const json* lengths = reader.get("lengths")) {
    ObjectReader by_split(*lengths, origin, reader.path_of("lengths"));
    for (const auto& [split, spec] : lengths->items())
      eval.lengths[split] = parse_length_spec(spec, origin, by_split.path_of(split));
  }
  // Caps: the published protocols use 512 sequences per length; 2^31 would run for ever.
  reader.read_int("sequences", eval.sequences, 1, 1000000);
  reader.read_int("sub_batch", eval.sub_batch, 1, 1000000);
  reader.read_uint64("seed", eval.seed);
  reader.finish();
}

void apply_sections(ObjectReader& reader, CellSettings& settings) {
  if (const json* model = reader.get("model"))
    apply_model_section(*model, reader.origin(), reader.path_of("model"), settings.model);
  if (const json* train = reader.get("train"))
    apply_train_section(*train, reader.origin(), reader.path_of("train"), settings);
  if (const json* eval = reader.get("eval"))
    apply_eval_section(*eval, reader.origin(), reader.path_of("eval"), settings.eval);
}

}  // namespace pebench
