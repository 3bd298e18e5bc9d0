// Write: whether a kernel overwrites its output or adds into it.
//
// The engine's backward kernels add into their gradient buffers (llm.c's
// convention), which then must start at zero. A buffer that one kernel alone
// writes, first, can take Write::assign instead and skip the zeroing pass:
// 0 + x is x, so the numbers are the same (a −0 may come out as −0 instead
// of +0, which no later sum, product or update can tell apart).
#pragma once

namespace pebench {

enum class Write { assign, accumulate };

}  // namespace pebench
