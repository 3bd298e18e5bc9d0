// A hand-checkable FIRE MLP for one head, width 2, shared by the FIRE and
// DAPE-FIRE tests: c = 0.5, w1 = (1, −2), b1 = (0.1, 0.3), w2 = (0.7, −0.4),
// b2 = 0.05, and q zeroed so the raw logits are 0 and the output is the bias.
#pragma once
#include <algorithm>
#include <string>

#include "encoding_hooks.hpp"

namespace pebench::testing {

// `prefix` names the FIRE tensors, e.g. "encoding.fire.layer0.".
inline void set_small_fire_parameters(HookHarness& h, const std::string& prefix) {
  h.param(prefix + "c") = 0.5;
  h.param(prefix + "w1", 0) = 1.0;
  h.param(prefix + "w1", 1) = -2.0;
  h.param(prefix + "b1", 0) = 0.1;
  h.param(prefix + "b1", 1) = 0.3;
  h.param(prefix + "w2", 0) = 0.7;
  h.param(prefix + "w2", 1) = -0.4;
  h.param(prefix + "b2", 0) = 0.05;
  std::fill(h.q().begin(), h.q().end(), 0.0);
}

}  // namespace pebench::testing
