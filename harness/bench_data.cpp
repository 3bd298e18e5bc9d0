// Placeholder until the task-generator issue lands.
#include "harness/bench_data.hpp"

#include "common/errors.hpp"

namespace pebench {

void run_data_benchmark() { throw RuntimeError("the data benchmark is not implemented yet"); }

}  // namespace pebench
