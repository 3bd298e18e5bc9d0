// Data-generation benchmark (issue: task generators): time to sample 512
// sequences at length 500 for every registered task, printed as a table.
// Called by `pebench bench --data`.
#pragma once

namespace pebench {

void run_data_benchmark();

}  // namespace pebench
