// The task interface (docs/tasks.md#the-task-interface). A task is a generator: it owns its
// vocabularies, attention mode, named splits and task options, and samples one
// Example at a time. Nothing is read from disk: every example is drawn from an
// Rng, so (seed, split, length) fully determines the data.
//
// "length" is the task's own size parameter, documented by each task:
//   - CHE tasks: the input string length N (the model sees N + m tokens, m
//     placeholders `_` for the m output positions);
//   - memory tasks (flip_flop, selective_copy, counting): the model's sequence
//     length T itself, because a batch needs one sequence length while the
//     number of copied symbols (selective_copy, whose splits differ in blanks)
//     or of statements (counting: 1 to 4 tokens each) does not fix it; each
//     task's header says how T maps to its own sizes.
// Task::sequence_length(length) gives the model's sequence length for it.
//
// Adding a task = one .cpp in tasks/<family>/ that subclasses Task and ends with
// PEBENCH_TASK(ClassName, "name"). Nothing else changes.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/enum_names.hpp"
#include "common/options_reader.hpp"
#include "common/registry.hpp"
#include "common/rng.hpp"
#include "models/batch.hpp"

namespace pebench {

using json = nlohmann::json;

enum class Attention { causal, bidirectional };
constexpr EnumName<Attention> kAttentionNames[] = {{Attention::causal, "causal"},
                                                   {Attention::bidirectional, "bidirectional"}};
constexpr const auto& enum_names(Attention) { return kAttentionNames; }

enum class SplitKind { train, id, ood };
constexpr EnumName<SplitKind> kSplitKindNames[] = {{SplitKind::train, "train"}, {SplitKind::id, "id"}, {SplitKind::ood, "ood"}};
constexpr const auto& enum_names(SplitKind) { return kSplitKindNames; }

// One labelled sequence. All three vectors have the model's sequence length.
struct Example {
  std::vector<int> tokens;      // [T] input-vocabulary ids, placeholders included
  std::vector<int> targets;     // [T] output-vocabulary id, or kNoTarget where there is no loss
  std::vector<uint8_t> scored;  // [T] 1 where the prediction counts towards accuracy (⊆ targeted)
  static constexpr int kNoTarget = Batch::kNoTarget;
};

// A named split: what kind it is and which lengths it uses by default.
// train: lengths sampled uniformly per step; id/ood: every length evaluated.
struct Split {
  std::string name;
  SplitKind kind;
  std::vector<int> lengths;
  std::string description;  // e.g. "p_i = 0.98 (sparse)"; shown by `list tasks --json`
};

class Task {
 public:
  virtual ~Task() = default;

  // Set by the registry from the PEBENCH_TASK name.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  virtual std::string family() const = 0;  // regular | dcf | cs | memory
  virtual int version() const { return 1; }
  virtual std::vector<std::string> input_vocab() const = 0;   // token names in id order
  virtual std::vector<std::string> output_vocab() const = 0;  // token names in id order
  virtual Attention attention() const = 0;
  virtual std::vector<Split> splits() const = 0;
  // Input tokens that end a segment (BiPE); empty when the task has none.
  virtual std::vector<std::string> segment_boundaries() const { return {}; }

  // Task options (sizes, variables, ...). configure() validates and applies a
  // JSON object, reading it with options_reader(options) so that every bad key
  // or value is the same one-line UsageError (common/options_reader.hpp);
  // options() returns the fully resolved options, defaults included. Tasks
  // without options keep these (any key is an error).
  virtual void configure(const json& options);
  virtual json options() const { return json::object(); }

  // Model sequence length for a task length (CHE: N + output_length(N)).
  virtual int sequence_length(int length) const = 0;
  // Smallest and largest length the task accepts (UsageError outside).
  virtual int min_length() const { return 1; }
  virtual int max_length() const { return 100000; }

  // One example of `split` at `length`. Throws UsageError for an unknown split
  // or a length outside [min_length, max_length].
  virtual Example sample(const std::string& split, int length, Rng& rng) const = 0;

  // Helpers for implementations and callers.
  Split find_split(const std::string& split) const;  // UsageError if unknown; thread-safe
  void check_length(int length) const;                      // UsageError if out of range
  int input_id(const std::string& token) const;             // id in input_vocab()
  int output_id(const std::string& token) const;            // id in output_vocab()
  // A reader of this task's options: errors read "task 'NAME': options.KEY: ...".
  OptionsReader options_reader(const json& options) const;
  OptionsReader options_reader(json&&) const = delete;  // the reader keeps a reference

 private:
  std::string name_;
};

using TaskFactory = std::function<std::unique_ptr<Task>()>;
Registry<TaskFactory>& task_registry();

// Creates a registered task by name (UsageError with suggestions if unknown)
// and applies `options` (may be null/empty).
std::unique_ptr<Task> make_task(const std::string& name, const json& options = json());

// Samples `batch_size` examples of `split` at `length` from `rng`, in order,
// into the model's input format.
Batch make_batch(const Task& task, const std::string& split, int length, int batch_size,
                 Rng& rng);

// Ids of the task's segment-boundary tokens in its input vocabulary.
std::vector<int> boundary_ids(const Task& task);

struct TaskRegistrar {
  // abi_tag: see common/plugin_abi.hpp (checked only while a plugin loads).
  TaskRegistrar(const char* name, TaskFactory factory, const char* abi_tag = PEBENCH_PLUGIN_ABI_TAG);
};

#define PEBENCH_TASK_CONCAT_INNER(a, b) a##b
#define PEBENCH_TASK_CONCAT(a, b) PEBENCH_TASK_CONCAT_INNER(a, b)
#define PEBENCH_TASK(ClassName, task_name)                                                 \
  static ::pebench::TaskRegistrar PEBENCH_TASK_CONCAT(pebench_task_registrar_, __LINE__)( \
      task_name, [] { return std::unique_ptr<::pebench::Task>(new ClassName()); })

}  // namespace pebench
